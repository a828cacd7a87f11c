import { DEADLINE_HEADER, TIMEOUT_HEADER } from '../protocols.constants';

/** Lower-cases names and keeps string (or first-of-array) values only. */
export function normalizeHeaders(source: unknown): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  if (typeof source !== 'object' || source === null) return headers;
  for (const [name, value] of Object.entries(source)) {
    const text = Array.isArray(value) ? value[0] : value;
    if (typeof text === 'string') headers[name.toLowerCase()] = text;
    else if (typeof text === 'number' || typeof text === 'boolean') headers[name.toLowerCase()] = String(text);
  }
  return headers;
}

/**
 * The absolute deadline a request carries: the relative timeout header (robust to clock
 * skew between hosts) wins over the absolute one. Garbage values are ignored.
 */
export function deadlineFromHeaders(headers: Record<string, string>, receivedAt: number): number | undefined {
  const timeout = headers[TIMEOUT_HEADER];
  if (timeout !== undefined && /^-?\d+(\.\d+)?$/.test(timeout)) return receivedAt + Number(timeout);
  const absolute = headers[DEADLINE_HEADER];
  if (absolute !== undefined && /^\d+$/.test(absolute)) return Number(absolute);
  return undefined;
}

/** Headers to send so that the next hop knows the remaining budget. */
export function timeoutHeader(deadline: number, now = Date.now()): Record<string, string> {
  return { [TIMEOUT_HEADER]: String(Math.max(0, Math.floor(deadline - now))) };
}
