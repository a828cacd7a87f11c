import * as grpc from '@grpc/grpc-js';
import { TIMEOUT_HEADER } from '../../protocols.constants';
import { ProtocolError } from '../../errors/protocol.error';
import { remainingMsText } from '../../utils/headers.util';
import { CLIENT_NOT_SERIALIZABLE, CLIENT_REPLY_NOT_JSON } from '../client.messages';

/** Shared by every call's metadata (grpc-js only reads it; `clone()` shares it too). */
const METADATA_OPTIONS = Object.freeze({ waitForReady: false });

/** The request's JSON text (`''` for no payload); INVALID_ARGUMENT when JSON cannot encode it. */
export function requestJson(pattern: string, data: unknown): string {
  try {
    return data === undefined ? '' : JSON.stringify(data);
  } catch {
    throw ProtocolError.invalidArgument(CLIENT_NOT_SERIALIZABLE(pattern));
  }
}

/**
 * The call's headers as gRPC metadata, built once per call, the remaining budget stamped now
 * (it wins over a header of that name, so it is set once, last).
 */
export function callMetadata(headers: Record<string, unknown> | undefined, deadline: number): grpc.Metadata {
  const metadata = new grpc.Metadata(METADATA_OPTIONS);
  for (const name in headers) {
    const key = name.toLowerCase();
    if (key === TIMEOUT_HEADER) continue;
    try {
      metadata.set(key, String(headers[name]));
    } catch {
      throw ProtocolError.invalidArgument(`header '${name}' is not valid gRPC metadata`);
    }
  }
  metadata.set(TIMEOUT_HEADER, remainingMsText(deadline));
  return metadata;
}

/** The reply's value (`null` for none); INTERNAL when the text is not JSON. */
export function replyValue(reply: string | undefined): unknown {
  if (reply === undefined || reply === '') return null;
  try {
    return JSON.parse(reply) as unknown;
  } catch {
    throw ProtocolError.internal(CLIENT_REPLY_NOT_JSON('the gRPC reply'));
  }
}
