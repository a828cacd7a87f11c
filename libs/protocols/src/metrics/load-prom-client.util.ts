import { PromClientMissingError } from './prom-client-missing.error';

/** The prom-client module type, loaded lazily: it is an optional dependency. */
export type PromClient = typeof import('prom-client');

/**
 * prom-client, or undefined when it is not installed. `isRequired` turns "not installed"
 * into a `PromClientMissingError` (metrics were asked for explicitly).
 */
export function loadPromClient(isRequired: boolean): PromClient | undefined {
  try {
    return require('prom-client') as PromClient;
  } catch (error) {
    if (isRequired) throw new PromClientMissingError(error);
    return undefined;
  }
}
