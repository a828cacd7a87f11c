import type { Protocol } from '../interfaces/protocol.interface';

/**
 * Implemented by the RPC contexts of Orion's own transports (MQTT, UDP, WebSocket) so the
 * message factory reads protocol, headers and request id without knowing each class.
 */
export interface ProtocolAwareContext {
  readonly protocol: Protocol;
  getHeaders(): Record<string, string>;
  getRequestId(): string | undefined;
}

export function isProtocolAwareContext(value: unknown): value is ProtocolAwareContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ProtocolAwareContext).getHeaders === 'function' &&
    typeof (value as ProtocolAwareContext).protocol === 'string'
  );
}
