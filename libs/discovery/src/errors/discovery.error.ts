/**
 * Base class of every error thrown by `@orion/discovery`, so callers can catch them as a
 * family (`err instanceof DiscoveryError`) and tell them apart by class or `name`.
 *
 * @publicApi
 */
export abstract class DiscoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
