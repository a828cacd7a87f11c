import type { WritePacket } from '@nestjs/microservices';
import type { DirectReply } from '../interfaces/direct-dispatch.interface';

/** A reply that sends nothing (events). @internal */
export const NO_REPLY: DirectReply = { next() {}, complete() {}, error() {} };

/**
 * The direct path's outcome as Nest's reply packets (what `Server#send` writes): each value
 * `{ id, response, isDisposed: false }`, the last one, or the error, with `isDisposed: true`.
 * @internal
 */
export function nestReplyPackets(send: (packet: WritePacket & { id?: string | number }) => void, id?: string | number): DirectReply {
  let pending: { value: unknown } | undefined;
  return {
    next(value) {
      if (pending) send({ id, response: pending.value, isDisposed: false });
      pending = { value };
    },
    complete() {
      send(pending ? { id, response: pending.value, isDisposed: true } : { id, isDisposed: true });
    },
    error(body) {
      if (pending) send({ id, response: pending.value, isDisposed: false });
      send({ id, err: body, isDisposed: true });
    },
  };
}
