import { STATUS_CODES, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { Server, type CustomTransportStrategy, type MessageHandler, type WritePacket } from '@nestjs/microservices';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { WS_DEFAULT_MAX_PAYLOAD_BYTES, WS_DEFAULT_PATH } from '../../protocols.constants';
import type { WsListenerOptions } from '../../interfaces/listener-options.interface';
import { ProtocolError } from '../../errors/protocol.error';
import { toProtocolError } from '../../errors/to-protocol-error.util';
import { normalizeHeaders } from '../../utils/headers.util';
import { servesProtocol } from '../serves-protocol.util';
import { handleRequest } from '../nest-compat.util';
import { salvageRequestId } from '../../utils/salvage-id.util';
import { serializeReply } from '../serialize-reply.util';
import { parseWsFrame, type WsFrame } from './ws-frame';
import { WsMessageContext } from './ws-message.context';
import { InvalidTlsOptionError } from '../../tls/invalid-tls-option.error';
import { loadServerTls, serverTlsOptions, type ServerTlsMaterial } from '../../tls/tls-material.util';
import { tlsWsSharedMessage } from '../../tls/tls.messages';
import { escapeControlChars } from '../../logging/escape-control.util';
import { isAllowedWsOrigin } from './ws-origin.util';
import { ThrottledLog } from '../../logging/throttled-log.util';
import { createProtocolMessage } from '../../context/protocol-message.factory';
import type { DirectHandler as DirectEndpoint, DirectHandlers as DirectEndpoints } from '../../interfaces/direct-dispatch.interface';
import type { ProtocolErrorBody } from '../../errors/protocol.error';

/** Underlying sockets corked until the next tick (see `reply`). */
const corked = new WeakSet<object>();

/**
 * Coalesces the frames sent to one connection in one tick into one write: the first corks
 * the connection's TCP socket, the next tick uncorks it. (`_socket` is ws's own field for it.)
 */
function corkUntilNextTick(socket: WebSocket): void {
  const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void; destroyed?: boolean } })._socket;
  if (!raw || raw.destroyed || corked.has(raw)) return;
  corked.add(raw);
  raw.cork();
  process.nextTick(() => {
    corked.delete(raw);
    raw.uncork();
  });
}

/** The error frame's body: the filter's (with its correlation id) for whatever the handler threw. */
function errorBody(err: unknown): ProtocolErrorBody {
  const correlationId = (err as { correlationId?: unknown } | null)?.correlationId;
  return toProtocolError(err).toJSON(typeof correlationId === 'string' ? correlationId : undefined);
}

/** Close code for a connection closed by `idleTimeoutMs` ("going away"). */
export const WS_IDLE_CLOSE_CODE = 1001;

/** Transport id of Orion's WebSocket listener. */
export const WS_TRANSPORT = Symbol('WS_TRANSPORT');

/** Where the WebSocket listener is bound. */
export interface WsAddress {
  host: string;
  port: number;
  path: string;
  url: string;
}

/**
 * WebSocket as a Nest transport strategy: one JSON frame per message, routed by pattern
 * to the same `@Endpoint` handlers, so guards, interceptors, pipes and filters apply just
 * as on TCP (Nest's own gateways must be providers and cannot share a controller method).
 * Shares the HTTP server on `path` (`wss://` when that server is HTTPS), or binds its own
 * port (`wss://` with `tls`).
 *
 * @publicApi
 */
export class WsServer extends Server implements CustomTransportStrategy {
  override transportId = WS_TRANSPORT;
  private server?: WebSocketServer;
  /** The HTTPS server of an own-port `wss://` listener. */
  private httpsServer?: HttpsServer;
  private bound?: WsAddress;
  private readonly tls?: ServerTlsMaterial;
  /** Client errors (bad frames) are a peer's doing: logged at most once per 10 s. */
  private readonly clientErrorLog = new ThrottledLog((line) => this.logger.warn?.(line));
  /** Upgrades refused because `maxConnections` was reached. */
  refusedConnections = 0;

  /** @param direct the direct handler path's endpoints (`startProtocols` passes them). */
  constructor(
    private readonly options: WsListenerOptions,
    private readonly httpServer?: HttpServer,
    private readonly direct?: DirectEndpoints,
  ) {
    super();
    if (options.tls && httpServer) throw new InvalidTlsOptionError(tlsWsSharedMessage());
    if (options.tls) this.tls = loadServerTls(options.tls, 'ws.tls');
  }

  /** `wss` when connections are TLS: an own port with `tls`, or a shared HTTPS server. */
  private get scheme(): 'ws' | 'wss' {
    return this.tls || this.httpServer instanceof TlsServer ? 'wss' : 'ws';
  }

  get address(): WsAddress | undefined {
    return this.bound;
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void {
    if (typeof pattern !== 'string' || !servesProtocol('ws', extras)) return;
    super.addHandler(pattern, callback, isEventHandler, extras);
  }

  listen(callback: (error?: unknown) => void): void {
    const path = this.options.path ?? WS_DEFAULT_PATH;
    const maxPayload = this.options.maxPayloadBytes ?? WS_DEFAULT_MAX_PAYLOAD_BYTES;
    const host = this.options.host ?? '127.0.0.1';
    const limit = this.options.maxConnections;
    // NOTE: the two-argument form is what lets ws answer a refused upgrade with a status
    // of our choice; a refusal happens before the upgrade, so the client sees HTTP 503.
    const verifyClient = (info: { req: IncomingMessage }, done: (isAccepted: boolean, code?: number, message?: string) => void) => {
      if (!isAllowedWsOrigin(info.req, this.options.allowedOrigins)) {
        this.refusedConnections++;
        return done(false, 403, 'WebSocket upgrade from a foreign origin refused');
      }
      if (limit === undefined || server.clients.size < limit) return done(true);
      this.refusedConnections++;
      done(false, 503, 'too many WebSocket connections, try again later');
    };
    const httpsServer = this.tls ? this.createHttpsServer(this.tls) : undefined;
    const shared = this.httpServer ?? httpsServer;
    const server = shared
      ? new WebSocketServer({ server: shared, path, maxPayload, verifyClient })
      : new WebSocketServer({ host, port: this.options.port ?? 0, path, maxPayload, verifyClient });
    this.server = server;
    this.httpsServer = httpsServer;
    server.on('connection', (socket, request) => this.accept(socket, request));
    // NOTE: ws re-emits errors of a shared HTTP server; without a listener they would crash the process.
    server.on('error', (error) => this.logger.error(`WebSocket server error: ${error.message}`));
    const ready = () => {
      // A shared HTTP server is not listening yet; its port is filled in by `bindAddress`.
      const port = this.httpServer ? 0 : (server.address() as AddressInfo).port;
      this.bound = { host, port, path, url: `${this.scheme}://${host}:${port}${path}` };
      this._status$.next('connected');
      callback();
    };
    if (this.httpServer) return ready();
    const failed = (error: Error) => callback(error);
    server.once('error', failed);
    server.once('listening', () => (server.off('error', failed), ready()));
    // NOTE: ws re-emits 'listening' and 'error' of a server it was given.
    httpsServer?.listen(this.options.port ?? 0, host);
  }

  /** Records the port of the shared HTTP server once it listens. */
  bindAddress(host: string, port: number): void {
    const path = this.options.path ?? WS_DEFAULT_PATH;
    this.bound = { host, port, path, url: `${this.scheme}://${host}:${port}${path}` };
  }

  async close(): Promise<void> {
    const server = this.server;
    const httpsServer = this.httpsServer;
    this.server = undefined;
    this.httpsServer = undefined;
    if (!server) return;
    for (const client of server.clients) client.terminate();
    this._status$.next('disconnected');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!httpsServer) return;
    httpsServer.closeAllConnections();
    await new Promise<void>((resolve) => httpsServer.close(() => resolve()));
  }

  on<EventKey extends string, EventCallback extends Function>(event: EventKey, callback: EventCallback): void {
    this.server?.on(event, callback as never);
  }

  unwrap<T>(): T {
    if (!this.server) throw new Error('WsServer is not listening');
    return this.server as T;
  }

  /** An own-port HTTPS server for `wss://`: upgrades go to ws, plain requests get 426 (as ws's own server answers). */
  private createHttpsServer(tls: ServerTlsMaterial): HttpsServer {
    const server = createHttpsServer(serverTlsOptions(tls), (_request, response) => {
      const body = STATUS_CODES[426] ?? 'Upgrade Required';
      response.writeHead(426, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    });
    server.on('tlsClientError', (error) => this.logger.debug?.(`WebSocket TLS handshake refused: ${error.message}`));
    return server;
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    const upgradeHeaders = normalizeHeaders(request.headers);
    socket.on('error', (error) => this.clientErrorLog.log(`WebSocket client error: ${escapeControlChars(error.message)}`));
    this.closeWhenIdle(socket);
    socket.on('message', (raw, isBinary) => {
      this.dispatch(socket, upgradeHeaders, raw, isBinary).catch((error: unknown) =>
        this.logger.error(`WebSocket dispatch failed: ${String(error)}`),
      );
    });
  }

  private async dispatch(socket: WebSocket, upgradeHeaders: Record<string, string>, raw: RawData, isBinary: boolean) {
    const text = isBinary ? undefined : raw.toString();
    let frame: WsFrame;
    try {
      if (text === undefined) throw ProtocolError.invalidArgument('binary frames are not accepted; send JSON text');
      frame = parseWsFrame(text);
    } catch (error) {
      return this.reply(socket, { id: text ? (salvageRequestId(text) ?? null) : null, error: toProtocolError(error).toJSON() });
    }
    // One lookup, by string (Nest's getHandlerByPattern tries JSON.parse on every pattern).
    const handler = this.messageHandlers.get(frame.pattern);
    if (!handler) {
      return this.reply(socket, { id: frame.id ?? null, error: ProtocolError.notFound(`no endpoint '${frame.pattern}'`).toJSON() });
    }
    const headers = { ...upgradeHeaders, ...frame.headers };
    const context = new WsMessageContext([socket, frame.pattern, headers, frame.id]);
    const direct = this.direct?.find('ws', frame.pattern, handler);
    if (direct) return this.runDirect(direct, socket, frame, headers, context);
    if (handler.isEventHandler) {
      await this.handleEvent(frame.pattern, { pattern: frame.pattern, data: frame.data }, context);
      // Events answer with an ack when the caller gave an id.
      if (frame.id !== undefined) this.reply(socket, { id: frame.id, data: null });
      return;
    }
    let last: unknown = null;
    let isAnswered = frame.id === undefined;
    return handleRequest(
      this,
      context,
      async () => this.transformToObservable(await handler(frame.data, context)),
      (packet: WritePacket) => {
        if (isAnswered) return;
        if (packet.err !== undefined) {
          isAnswered = true;
          return this.reply(socket, { id: frame.id, error: errorBody(packet.err) });
        }
        if ('response' in packet) last = packet.response ?? null;
        if (packet.isDisposed) {
          isAnswered = true;
          this.reply(socket, { id: frame.id, data: last });
        }
      },
    );
  }

  /** The direct handler path: the same frames as Nest's path (last value, or the error; events an ack). */
  private runDirect(
    direct: DirectEndpoint,
    socket: WebSocket,
    frame: WsFrame,
    headers: Record<string, string>,
    context: WsMessageContext,
  ): void {
    const message = createProtocolMessage(
      { protocol: 'ws', payload: frame.data, headers, requestId: frame.id },
      frame.pattern,
      direct.isEvent,
    );
    const id = frame.id;
    let last: unknown = null;
    direct.run(
      message,
      {
        next: (value) => (last = value ?? null),
        complete: () => {
          if (id !== undefined && !direct.isEvent) this.reply(socket, { id, data: last });
        },
        error: (body) => {
          if (id !== undefined && !direct.isEvent) this.reply(socket, { id, error: body });
        },
      },
      () => context,
    );
    // Events answer with an ack when the caller gave an id.
    if (direct.isEvent && id !== undefined) this.reply(socket, { id, data: null });
  }

  /** Sends a frame; a reply that cannot be serialized becomes an INTERNAL error for its id. */
  private reply(socket: WebSocket, frame: { id?: string | null; data?: unknown; error?: object }): void {
    if (socket.readyState !== socket.OPEN) return;
    const text = serializeReply(frame, (error) => ({ id: frame.id ?? null, error }));
    corkUntilNextTick(socket);
    socket.send(text);
  }

  /** Closes a connection (1001) that sent nothing, not even a ping, for `idleTimeoutMs`. */
  private closeWhenIdle(socket: WebSocket): void {
    const idleMs = this.options.idleTimeoutMs ?? 0;
    if (idleMs <= 0) return;
    const timer = setTimeout(() => socket.close(WS_IDLE_CLOSE_CODE, 'idle timeout'), idleMs);
    timer.unref();
    const touch = () => timer.refresh();
    socket.on('message', touch);
    socket.on('ping', touch);
    socket.once('close', () => clearTimeout(timer));
  }
}
