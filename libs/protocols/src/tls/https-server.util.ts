import { Server as TlsServer } from 'node:tls';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { httpsAfterStartMessage, httpsUnsupportedMessage } from './tls.messages';

/** `NestApplication.registerHttpServer()`: public on Nest's class, not on `INestApplication`. */
type ServerRegistering = INestApplication & { registerHttpServer?: () => void };

/**
 * Gives a Nest app that was created without `httpsOptions` an HTTPS server, before it
 * starts, so that configuring `http.tls` is enough.
 *
 * Nest builds the server in the `NestApplication` constructor and keeps it in a private
 * field used by `listen()`, `getHttpServer()`, `getUrl()` and `close()`. Replacing it on
 * the adapter alone (`setHttpServer`) would leave the app listening on, and reporting, the
 * old plain server. So this re-runs Nest's own public `registerHttpServer()` with
 * `httpsOptions` added to what the adapter's `initHttpServer` receives: the Express
 * adapter then builds `https.createServer(httpsOptions, expressApp)` itself, and the app
 * and its adapter hold the same server (the old one never listened and is dropped).
 * Routes, middleware and body parsers live on the Express instance and are kept.
 * @internal
 */
export function useHttpsServer(app: INestApplication, httpsOptions: NestApplicationOptions['httpsOptions']): void {
  const current = app.getHttpServer() as { listening?: boolean } | undefined;
  if (current?.listening) throw new Error(httpsAfterStartMessage());
  const registering = app as ServerRegistering;
  const adapter = app.getHttpAdapter();
  if (typeof registering.registerHttpServer !== 'function' || typeof adapter.initHttpServer !== 'function') {
    throw new Error(httpsUnsupportedMessage());
  }
  const hasOwnInit = Object.hasOwn(adapter, 'initHttpServer');
  const initHttpServer = adapter.initHttpServer;
  adapter.initHttpServer = (options: NestApplicationOptions) => initHttpServer.call(adapter, { ...options, httpsOptions });
  try {
    registering.registerHttpServer();
  } finally {
    if (hasOwnInit) adapter.initHttpServer = initHttpServer;
    else delete (adapter as Partial<typeof adapter>).initHttpServer;
  }
  // NOTE: an adapter that ignores `httpsOptions` (Fastify takes its own `https` option) would serve plain HTTP.
  if (!(app.getHttpServer() instanceof TlsServer)) throw new Error(httpsUnsupportedMessage());
}

/** True when the app's HTTP server speaks TLS (`https.Server` or an HTTP/2 secure server). @internal */
export function isHttpsServer(server: unknown): boolean {
  return server instanceof TlsServer;
}
