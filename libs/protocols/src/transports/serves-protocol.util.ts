import type { Protocol } from '../interfaces/protocol.interface';

/**
 * Whether a server of `protocol` should bind a handler: plain Nest handlers (no Orion
 * extras) bind everywhere, as in Nest; `@Endpoint` handlers only where their protocols say.
 */
export function servesProtocol(protocol: Protocol, extras: Record<string, unknown> | undefined): boolean {
  const protocols = extras?.protocols;
  return !Array.isArray(protocols) || protocols.includes(protocol);
}
