import { InvalidTransportError } from '../errors/invalid-transport.error';
import type { BalancedTransport } from './balanced-client.options';
import { TRANSPORT_CLIENTS } from './transport-clients';

const isKnown = (name: unknown): name is BalancedTransport => typeof name === 'string' && Object.hasOwn(TRANSPORT_CLIENTS, name);

/**
 * A balanced client's `transport` option as its list of transports in order of preference
 * (one entry for the single-transport form).
 *
 * @throws InvalidTransportError for an unknown name, an empty list or a repeated name.
 */
export function transportPreference(service: string, transport: unknown): readonly BalancedTransport[] {
  const valid = Object.keys(TRANSPORT_CLIENTS);
  if (!Array.isArray(transport)) {
    if (isKnown(transport)) return [transport];
    throw new InvalidTransportError(service, transport, 'unknown transport', valid);
  }
  if (transport.length === 0) throw new InvalidTransportError(service, transport, 'the list is empty', valid);
  const seen = new Set<BalancedTransport>();
  for (const name of transport as unknown[]) {
    if (!isKnown(name)) throw new InvalidTransportError(service, transport, `unknown transport ${JSON.stringify(name)}`, valid);
    if (seen.has(name)) throw new InvalidTransportError(service, transport, `'${name}' appears twice`, valid);
    seen.add(name);
  }
  return [...seen];
}

/**
 * `protocolProbeMs` as a number of milliseconds (its default when not given).
 *
 * @throws RangeError when it is not a finite number greater than 0.
 */
export function protocolProbeMs(service: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `BalancedClientsModule: protocolProbeMs of '${service}' must be a finite number of milliseconds > 0, got ${String(value)}`,
    );
  }
  return value;
}
