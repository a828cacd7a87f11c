/**
 * Thrown at startup when metrics were asked for (`metrics: true` or an object) but the
 * optional dependency `prom-client` is not installed.
 *
 * @publicApi
 */
export class PromClientMissingError extends Error {
  override readonly name = 'PromClientMissingError';

  constructor(cause?: unknown) {
    super("ProtocolsModule: metrics need the optional dependency 'prom-client'; install it (npm i prom-client) or set metrics: false", {
      cause,
    });
  }
}
