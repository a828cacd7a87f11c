/**
 * A socket listener. `port: 0` binds any free port; the bound one is reported by
 * `startProtocols`. (Its own file so that transports can extend it without importing the
 * module options, which import the transports' option types: no import cycle.)
 *
 * @publicApi
 */
export interface ListenerOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port to bind. Default `0` (any free port). */
  port?: number;
}
