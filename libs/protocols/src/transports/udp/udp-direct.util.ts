import { createProtocolMessage } from '../../context/protocol-message.factory';
import { NO_REPLY } from '../../dispatch/nest-reply-packets';
import type { DirectHandler as DirectEndpoint } from '../../interfaces/direct-dispatch.interface';
import type { UdpReplyDatagram } from './udp-datagram';
import type { UdpContext } from './udp.context';

/** What a UDP request or event carries to its endpoint. */
interface UdpMessageParts {
  id?: string;
  pattern: string;
  data: unknown;
  headers: Record<string, string>;
}

/**
 * Runs a UDP message on the direct handler path. A request gets one datagram (`finish`): a
 * streamed response answered with its last value, an event endpoint with an ack (`null`),
 * an error with the filter's body, as on Nest's path. An event (no `finish`) gets nothing.
 * @internal
 */
export function runUdpDirect(
  direct: DirectEndpoint,
  parts: UdpMessageParts,
  context: UdpContext,
  finish?: (reply: UdpReplyDatagram) => void,
): void {
  const { id, pattern, data, headers } = parts;
  const message = createProtocolMessage({ protocol: 'udp', payload: data, headers, requestId: id }, pattern, direct.isEvent);
  if (!finish || id === undefined) return direct.run(message, NO_REPLY, () => context);
  let last: unknown = null;
  const reply = {
    next: (value: unknown) => {
      if (value !== undefined) last = value;
    },
    complete: () => finish({ id, response: direct.isEvent ? null : last }),
    error: (body: UdpReplyDatagram['err']) => finish({ id, err: body }),
  };
  direct.run(message, reply, () => context);
}
