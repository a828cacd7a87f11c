import { TcpContext, type ReadPacket, type TcpSocket, type WritePacket } from '@nestjs/microservices';
import { finalize, type Observable } from 'rxjs';

/**
 * Nest 11 and 12 differ in three places our transports use; these helpers do what Nest 12
 * does, on both:
 * - Nest 12's `ClientProxy#createPacket` builds the outgoing packet (and runs the dispatch
 *   hook); Nest 11 has none and hands `{ pattern, data }` straight to `publish`.
 * - Nest 12's `Server#handleRequest` runs a handler between the processing hooks; Nest 11
 *   has only the hooks.
 * - Nest 12's `ServerTCP` puts the packet's `metadata` in the `TcpContext` (third
 *   argument); Nest 11 drops it.
 */

type PacketFactory = { createPacket?: (pattern: unknown, data: unknown) => ReadPacket };

/** The packet Nest would publish for `send(pattern, data)`. */
export function createPacket(client: object, pattern: unknown, data: unknown): ReadPacket {
  const factory = client as unknown as PacketFactory;
  return typeof factory.createPacket === 'function' ? factory.createPacket(pattern, data) : { pattern, data };
}

type ServerInternals = {
  transportId: unknown;
  handleRequest?: (context: unknown, produce: () => Promise<Observable<unknown>>, respond: (packet: WritePacket) => void) => Promise<void>;
  onProcessingStartHook: (transportId: unknown, context: unknown, done: () => Promise<void>) => Promise<void> | void;
  onProcessingEndHook?: (transportId: unknown, context: unknown) => void;
  send: (stream$: Observable<unknown>, respond: (packet: WritePacket) => void) => unknown;
};

/** Runs `produce` between the processing hooks and sends its replies with `respond`. */
export async function handleRequest(
  server: object,
  context: unknown,
  produce: () => Promise<Observable<unknown>>,
  respond: (packet: WritePacket) => void,
): Promise<void> {
  const internals = server as unknown as ServerInternals;
  if (typeof internals.handleRequest === 'function') return internals.handleRequest(context, produce, respond);
  await internals.onProcessingStartHook(internals.transportId, context, async () => {
    const response$ = await produce();
    const end = () => internals.onProcessingEndHook?.(internals.transportId, context);
    internals.send(response$.pipe(finalize(end)), respond);
  });
}

/** The headers a TCP client attached to the packet (Nest 11 and 12). */
export function tcpMetadata(context: TcpContext): unknown {
  return context.getArgByIndex(2);
}

type TcpServerInternals = ServerInternals & {
  deserializer: {
    deserialize(raw: unknown): (ReadPacket & { id?: string | number; metadata?: unknown }) | Promise<ReadPacket & { id?: string | number }>;
  };
  serializer: { serialize(packet: unknown): unknown };
  getPatternAsString(pattern: unknown): string;
  getHandlerByPattern(pattern: string): ((data: unknown, context: unknown) => Promise<unknown>) | null;
  handleEvent(pattern: string, packet: ReadPacket, context: unknown): Promise<unknown>;
  transformToObservable(value: unknown): Observable<unknown>;
};

/**
 * Nest 11 only: `ServerTCP#handleMessage` as Nest 12 has it, so the handler's `TcpContext`
 * carries the packet's metadata. Undefined on Nest 12 (use Nest's own).
 */
export function tcpMessageHandlerForNest11(server: object): ((socket: TcpSocket, rawMessage: unknown) => Promise<unknown>) | undefined {
  const internals = server as unknown as TcpServerInternals;
  if (typeof internals.handleRequest === 'function') return undefined;
  return async (socket, rawMessage) => {
    const packet = await internals.deserializer.deserialize(rawMessage);
    const pattern = internals.getPatternAsString(packet.pattern);
    const context = new TcpContext([socket, pattern, (packet as { metadata?: unknown }).metadata] as ConstructorParameters<
      typeof TcpContext
    >[0]);
    if (packet.id === undefined) return internals.handleEvent(pattern, packet, context);
    const handler = internals.getHandlerByPattern(pattern);
    // NOTE: our TcpServer answers unknown patterns before this point.
    if (!handler) return undefined;
    return handleRequest(
      server,
      context,
      async () => internals.transformToObservable(await handler(packet.data, context)),
      (data) => socket.sendMessage(internals.serializer.serialize(Object.assign(data, { id: packet.id }))),
    );
  };
}
