import { DiscoveryError } from '../errors/discovery.error';

/**
 * An `AutoscaleOptions` field is out of range (target not > 0, max below min, ...).
 *
 * @publicApi
 */
export class InvalidAutoscaleOptionError extends DiscoveryError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`Invalid autoscale option ${option}: ${JSON.stringify(value)}; expected ${expected}.`);
  }
}
