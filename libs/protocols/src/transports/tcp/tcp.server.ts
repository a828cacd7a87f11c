import type { AddressInfo, Socket } from 'node:net';
import { ServerTCP, type MessageHandler, type TcpSocket, type WritePacket } from '@nestjs/microservices';
import { connectable, isObservable, Subject } from 'rxjs';
import { TCP_DEFAULT_FRAME_TIMEOUT_MS, TCP_DEFAULT_MAX_FRAME_BYTES, TCP_MAX_SEND_BUFFER_BYTES } from '../../protocols.constants';
import { badIdMessage, noEndpointMessage, packetShapeMessage } from '../../protocols.messages';
import type { TcpListenerOptions } from '../../interfaces/listener-options.interface';
import { ProtocolError } from '../../errors/protocol.error';
import { servesProtocol } from '../serves-protocol.util';
import { escapeControlChars } from '../../logging/escape-control.util';
import { ThrottledLog } from '../../logging/throttled-log.util';
import { handleRequest } from '../nest-compat.util';
import { createProtocolMessage } from '../../context/protocol-message.factory';
import type { DirectHandler as DirectEndpoint, DirectHandlers as DirectEndpoints } from '../../interfaces/direct-dispatch.interface';
import { NO_REPLY, nestReplyPackets } from '../../dispatch/nest-reply-packets';
import { normalizeHeaders } from '../../utils/headers.util';
import { TcpRequestContext } from './tcp-request.context';
import { loadServerTls, serverTlsOptions } from '../../tls/tls-material.util';
import { TcpFrameSocket, type TcpFrameSocketOptions } from './tcp-frame.socket';

const PACKET_SHAPE = '{id?, pattern, data, metadata?}';
const DONE = Promise.resolve(undefined);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Nest's TCP transport with Nagle's algorithm off (it adds ~40 ms stalls under
 * concurrency), Orion's per-protocol handler selection, and bad input answered rather
 * than waited on: strict framing with a size limit checked on the length prefix and a
 * frame timeout (see `TcpFrameSocket`), INVALID_ARGUMENT for packets of the wrong shape,
 * NOT_FOUND in Orion's error shape for unknown patterns, a connection limit and an idle
 * timeout. With `tls`, Nest's TLS server carries the same framing (mutual TLS with
 * `requestClientCert`).
 *
 * @publicApi
 */
export class TcpServer extends ServerTCP {
  /** Events dropped because no handler serves their pattern or they were no packet. */
  droppedMessages = 0;
  /** Connections closed for bad framing, a TLS handshake that failed (`tlsClientError`), or because `maxConnections` was reached. */
  refusedConnections = 0;
  private readonly frameOptions: TcpFrameSocketOptions;
  private readonly idleTimeoutMs: number;
  /** Dropped events and refused connections are counted always, logged at most once per 10 s each. */
  private readonly dropLog = new ThrottledLog((line) => this.logger.warn?.(line));
  private readonly refusalLog = new ThrottledLog((line) => this.logger.warn?.(line));

  /**
   * @param direct the direct handler path's endpoints (`startProtocols` passes them);
   *   without it every request takes Nest's pipeline.
   */
  constructor(
    options: TcpListenerOptions = {},
    private readonly direct?: DirectEndpoints,
  ) {
    super({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      ...(options.tls ? { tlsOptions: serverTlsOptions(loadServerTls(options.tls, 'tcp.tls')) } : {}),
    });
    this.frameOptions = {
      maxFrameLength: options.maxFrameBytes ?? TCP_DEFAULT_MAX_FRAME_BYTES,
      frameTimeoutMs: options.frameTimeoutMs ?? TCP_DEFAULT_FRAME_TIMEOUT_MS,
      maxSendBufferBytes: TCP_MAX_SEND_BUFFER_BYTES,
      onRefused: (error) => {
        this.refusedConnections++;
        this.refusalLog.log(`TCP connection refused: ${escapeControlChars(error.message)}`);
      },
    };
    this.idleTimeoutMs = options.idleTimeoutMs ?? 0;
    // NOTE: Node closes connections beyond `maxConnections` as soon as they are accepted.
    if (options.maxConnections !== undefined) this.server.maxConnections = options.maxConnections;
    this.server.on('drop', () => this.refusedConnections++);
    // NOTE: a handshake that fails (the client does not trust us, sends no certificate under mutual TLS) is the client's problem: debug only.
    this.server.on('tlsClientError', (error: Error) => {
      this.refusedConnections++;
      this.logger.debug?.(`TCP TLS handshake refused: ${error.message}`);
    });
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void {
    // gRPC method patterns (objects) ride along on @Endpoint methods; TCP routes strings only.
    if (typeof pattern !== 'string' || !servesProtocol('tcp', extras)) return;
    super.addHandler(pattern, callback, isEventHandler, extras);
  }

  override bindHandler(socket: Socket): void {
    socket.setNoDelay(true);
    if (this.idleTimeoutMs > 0) {
      socket.setTimeout(this.idleTimeoutMs);
      socket.once('timeout', () => socket.destroy());
    }
    super.bindHandler(socket);
  }

  /**
   * Checks the packet, looks its handler up once (by string: Nest's own lookup would try
   * `JSON.parse` on every pattern, and look it up twice) and runs it: on the direct path
   * when the endpoint has one, else through Nest's pipeline. Requests of the wrong shape
   * get INVALID_ARGUMENT, requests for unknown patterns NOT_FOUND (Nest answers a bare
   * string), unusable events are dropped and counted.
   */
  override handleMessage(socket: TcpSocket, rawMessage: unknown): Promise<unknown> {
    const refuse = (error: ProtocolError, id: string | number | null = null) => {
      socket.sendMessage({ id, err: error.toJSON(), isDisposed: true });
      return DONE;
    };
    if (!isRecord(rawMessage)) return refuse(ProtocolError.invalidArgument(packetShapeMessage(PACKET_SHAPE)));
    const { id, pattern } = rawMessage;
    if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') {
      return refuse(ProtocolError.invalidArgument(badIdMessage()));
    }
    const handler = typeof pattern === 'string' ? this.messageHandlers.get(pattern) : undefined;
    if (typeof pattern !== 'string' || !handler) {
      const error =
        typeof pattern === 'string'
          ? ProtocolError.notFound(noEndpointMessage(pattern))
          : ProtocolError.invalidArgument(packetShapeMessage(PACKET_SHAPE));
      if (id !== undefined) return refuse(error, id);
      this.droppedMessages++;
      this.dropLog.log(`dropped TCP event: ${escapeControlChars(error.message)}`);
      return DONE;
    }
    const requestId = id === undefined ? undefined : String(id);
    const context = () => new TcpRequestContext([socket, pattern, rawMessage.metadata] as never, requestId);
    const direct = this.direct?.find('tcp', pattern, handler);
    if (direct) return this.runDirect(direct, socket, rawMessage, pattern, id, context);
    return this.runNest(handler, socket, rawMessage.data, id, context());
  }

  private runDirect(
    direct: DirectEndpoint,
    socket: TcpSocket,
    packet: Record<string, unknown>,
    pattern: string,
    id: string | number | undefined,
    context: () => TcpRequestContext,
  ): Promise<unknown> {
    const headers = normalizeHeaders(packet.metadata);
    const requestId = id === undefined ? undefined : String(id);
    const message = createProtocolMessage({ protocol: 'tcp', payload: packet.data, headers, requestId }, pattern, direct.isEvent);
    // A packet with an id gets Nest's reply packets, whatever the endpoint (as on Nest's path).
    const reply = id === undefined ? NO_REPLY : nestReplyPackets((packet) => socket.sendMessage(packet as never), id);
    direct.run(message, reply, context);
    return DONE;
  }

  /** Nest's pipeline (guards, pipes, interceptors, filters), as `ServerTCP#handleMessage` runs it, without a second lookup. */
  private async runNest(
    handler: MessageHandler,
    socket: TcpSocket,
    data: unknown,
    id: string | number | undefined,
    context: TcpRequestContext,
  ): Promise<unknown> {
    if (id === undefined) {
      const result = await handler(data, context);
      if (isObservable(result)) connectable(result, { connector: () => new Subject(), resetOnDisconnect: false }).connect();
      return undefined;
    }
    return handleRequest(
      this,
      context,
      async () => this.transformToObservable(await handler(data, context)),
      (packet: WritePacket) => socket.sendMessage(this.serializer.serialize(Object.assign(packet, { id }) as never)),
    );
  }

  /** The bound address; valid after `listen`. */
  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  protected override getSocketInstance(socket: Socket): TcpSocket {
    return new TcpFrameSocket(socket, this.frameOptions);
  }
}
