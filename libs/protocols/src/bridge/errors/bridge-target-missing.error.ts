/**
 * A rule names a target service that no forwarder serves, thrown when the app starts.
 *
 * @publicApi
 */
export class BridgeTargetMissingError extends Error {
  override readonly name = 'BridgeTargetMissingError';

  constructor(
    readonly service: string,
    message: string,
  ) {
    super(message);
  }
}
