import type { Span } from '@opentelemetry/api';
import type { ProtocolMessage } from '../interfaces/protocol-message.interface';

// NOTE: a cache, not a registry: the server span of a message being handled, so that a call
// made from the handler finds its parent even where no OpenTelemetry context manager carries
// the active span (the entry goes with the message).
const spans = new WeakMap<ProtocolMessage, Span>();

/** Records the server span of `message`. @internal */
export function setMessageSpan(message: ProtocolMessage, span: Span): void {
  spans.set(message, span);
}

/** The server span of `message`, when it was traced. @internal */
export function messageSpan(message: ProtocolMessage | undefined): Span | undefined {
  return message === undefined ? undefined : spans.get(message);
}
