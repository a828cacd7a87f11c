import { ProtocolError } from '../../errors/protocol.error';
import { normalizeHeaders } from '../../utils/headers.util';

/**
 * A request or event frame: `{ "id"?: string|number, "pattern": string, "data"?: any,
 * "headers"?: { ... } }`. With `id` it is a request and gets exactly one reply frame
 * `{ "id", "data" }` or `{ "id", "error": { code, status, message, ... } }`.
 */
export interface WsFrame {
  id?: string;
  pattern: string;
  data: unknown;
  headers: Record<string, string>;
}

/** Parses one text frame; throws INVALID_ARGUMENT naming what is wrong. */
export function parseWsFrame(raw: string): WsFrame {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw ProtocolError.invalidArgument('frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw ProtocolError.invalidArgument('frame must be a JSON object {id?, pattern, data, headers?}');
  }
  const frame = value as Record<string, unknown>;
  if (typeof frame.pattern !== 'string' || frame.pattern === '') {
    throw ProtocolError.invalidArgument('frame.pattern must be a non-empty string');
  }
  const id = frame.id;
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') {
    throw ProtocolError.invalidArgument('frame.id must be a string or a number');
  }
  return {
    id: id === undefined ? undefined : String(id),
    pattern: frame.pattern,
    data: frame.data,
    headers: normalizeHeaders(frame.headers),
  };
}
