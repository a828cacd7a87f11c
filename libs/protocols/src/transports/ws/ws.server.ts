import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type CustomTransportStrategy, type MessageHandler, type WritePacket } from '@nestjs/microservices';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { WS_DEFAULT_MAX_PAYLOAD_BYTES, WS_DEFAULT_PATH } from '../../protocols.constants';
import type { WsListenerOptions } from '../../interfaces/protocols-options.interface';
import { ProtocolError } from '../../errors/protocol.error';
import { toProtocolError } from '../../errors/to-protocol-error.util';
import { normalizeHeaders } from '../../utils/headers.util';
import { servesProtocol } from '../serves-protocol.util';
import { parseWsFrame, salvageFrameId, type WsFrame } from './ws-frame';
import { WsMessageContext } from './ws-message.context';

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
 * Shares the HTTP server on `path`, or binds its own port.
 *
 * @publicApi
 */
export class WsServer extends Server implements CustomTransportStrategy {
  override transportId = WS_TRANSPORT;
  private server?: WebSocketServer;
  private bound?: WsAddress;

  constructor(
    private readonly options: WsListenerOptions,
    private readonly httpServer?: HttpServer,
  ) {
    super();
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
    const server = this.httpServer
      ? new WebSocketServer({ server: this.httpServer, path, maxPayload })
      : new WebSocketServer({ host, port: this.options.port ?? 0, path, maxPayload });
    this.server = server;
    server.on('connection', (socket, request) => this.accept(socket, request));
    const ready = () => {
      // A shared HTTP server is not listening yet; its port is filled in by `bindAddress`.
      const port = this.httpServer ? 0 : (server.address() as AddressInfo).port;
      this.bound = { host, port, path, url: `ws://${host}:${port}${path}` };
      this._status$.next('connected');
      callback();
    };
    if (this.httpServer) return ready();
    server.once('listening', ready);
    server.once('error', (error) => callback(error));
  }

  /** Records the port of the shared HTTP server once it listens. */
  bindAddress(host: string, port: number): void {
    const path = this.options.path ?? WS_DEFAULT_PATH;
    this.bound = { host, port, path, url: `ws://${host}:${port}${path}` };
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    for (const client of server.clients) client.terminate();
    this._status$.next('disconnected');
    return new Promise<void>((resolve) => server.close(() => resolve()));
  }

  on<EventKey extends string, EventCallback extends Function>(event: EventKey, callback: EventCallback): void {
    this.server?.on(event, callback as never);
  }

  unwrap<T>(): T {
    if (!this.server) throw new Error('WsServer is not listening');
    return this.server as T;
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    const upgradeHeaders = normalizeHeaders(request.headers);
    socket.on('error', (error) => this.logger.warn?.(`WebSocket client error: ${error.message}`));
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
      return this.reply(socket, { id: text ? (salvageFrameId(text) ?? null) : null, error: toProtocolError(error).toJSON() });
    }
    const handler = this.getHandlerByPattern(frame.pattern);
    if (!handler) {
      return this.reply(socket, { id: frame.id ?? null, error: ProtocolError.notFound(`no endpoint '${frame.pattern}'`).toJSON() });
    }
    const context = new WsMessageContext([socket, frame.pattern, { ...upgradeHeaders, ...frame.headers }, frame.id]);
    if (handler.isEventHandler) {
      await this.handleEvent(frame.pattern, { pattern: frame.pattern, data: frame.data }, context);
      // Events answer with an ack when the caller gave an id.
      if (frame.id !== undefined) this.reply(socket, { id: frame.id, data: null });
      return;
    }
    let last: unknown = null;
    let isAnswered = frame.id === undefined;
    this.handleRequest(
      context,
      async () => this.transformToObservable(await handler(frame.data, context)),
      (packet: WritePacket) => {
        if (isAnswered) return;
        if (packet.err !== undefined) {
          isAnswered = true;
          return this.reply(socket, { id: frame.id, error: toProtocolError(packet.err).toJSON() });
        }
        if ('response' in packet) last = packet.response ?? null;
        if (packet.isDisposed) {
          isAnswered = true;
          this.reply(socket, { id: frame.id, data: last });
        }
      },
    );
  }

  private reply(socket: WebSocket, frame: object): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  }
}
