import type { AddressInfo, Socket } from 'node:net';
import { ServerTCP, type MessageHandler, type TcpSocket } from '@nestjs/microservices';
import { TCP_DEFAULT_FRAME_TIMEOUT_MS, TCP_DEFAULT_MAX_FRAME_BYTES, TCP_MAX_SEND_BUFFER_BYTES } from '../../protocols.constants';
import { badIdMessage, noEndpointMessage, packetShapeMessage } from '../../protocols.messages';
import type { TcpListenerOptions } from '../../interfaces/protocols-options.interface';
import { ProtocolError } from '../../errors/protocol.error';
import { servesProtocol } from '../serves-protocol.util';
import { escapeControlChars } from '../../logging/escape-control.util';
import { ThrottledLog } from '../../logging/throttled-log.util';
import { tcpMessageHandlerForNest11 } from '../nest-compat.util';
import { loadServerTls, serverTlsOptions } from '../../tls/tls-material.util';
import { TcpFrameSocket, type TcpFrameSocketOptions } from './tcp-frame.socket';

const PACKET_SHAPE = '{id?, pattern, data, metadata?}';

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

  constructor(options: TcpListenerOptions = {}) {
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
   * Checks the packet before Nest routes it: requests of the wrong shape get
   * INVALID_ARGUMENT, requests for unknown patterns NOT_FOUND (Nest answers a bare
   * string), unusable events are dropped and counted.
   */
  override async handleMessage(socket: TcpSocket, rawMessage: unknown): Promise<unknown> {
    const refuse = (error: ProtocolError, id: string | number | null = null) =>
      socket.sendMessage({ id, err: error.toJSON(), isDisposed: true });
    if (!isRecord(rawMessage)) return refuse(ProtocolError.invalidArgument(packetShapeMessage(PACKET_SHAPE)));
    const { id, pattern } = rawMessage;
    if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') {
      return refuse(ProtocolError.invalidArgument(badIdMessage()));
    }
    if (typeof pattern !== 'string' || !this.getHandlerByPattern(pattern)) {
      const error =
        typeof pattern === 'string'
          ? ProtocolError.notFound(noEndpointMessage(pattern))
          : ProtocolError.invalidArgument(packetShapeMessage(PACKET_SHAPE));
      if (id !== undefined) return refuse(error, id);
      this.droppedMessages++;
      this.dropLog.log(`dropped TCP event: ${escapeControlChars(error.message)}`);
      return undefined;
    }
    // Nest 11's ServerTCP drops the packet's metadata (our headers): handled as Nest 12 does.
    const nest11 = tcpMessageHandlerForNest11(this);
    return nest11 ? nest11(socket, rawMessage) : super.handleMessage(socket, rawMessage);
  }

  /** The bound address; valid after `listen`. */
  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  protected override getSocketInstance(socket: Socket): TcpSocket {
    return new TcpFrameSocket(socket, this.frameOptions);
  }
}
