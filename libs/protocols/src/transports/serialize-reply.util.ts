import { ProtocolError, type ProtocolErrorBody } from '../errors/protocol.error';
import { unserializableReplyMessage } from '../protocols.messages';

/**
 * The JSON text of a reply, or, when the handler's value cannot be serialized (cycles,
 * BigInt, too deep), of the INTERNAL error reply `errorReply` builds for the same request:
 * the caller gets an answer instead of waiting for one that never comes. One place for
 * every text transport (TCP, WebSocket, MQTT).
 * @internal
 */
export function serializeReply(reply: unknown, errorReply: (error: ProtocolErrorBody) => unknown): string {
  try {
    const json = JSON.stringify(reply);
    if (typeof json === 'string') return json;
  } catch {
    // Falls through to the error reply.
  }
  return JSON.stringify(errorReply(ProtocolError.internal(unserializableReplyMessage()).toJSON()));
}
