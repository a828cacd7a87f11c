import { DEADLINE_HEADER, TIMEOUT_HEADER } from '../protocols.constants';
import { parseAbsoluteDeadline, parseRelativeDeadline } from './deadline.util';

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
 * skew between hosts) wins over the absolute one. Garbage values are ignored; huge ones
 * are clamped so that no timer armed for them overflows (see docs/bad-input.md).
 */
export function deadlineFromHeaders(headers: Record<string, string>, receivedAt: number): number | undefined {
  return parseRelativeDeadline(headers[TIMEOUT_HEADER], receivedAt) ?? parseAbsoluteDeadline(headers[DEADLINE_HEADER], receivedAt);
}

/** Headers to send so that the next hop knows the remaining budget. */
export function timeoutHeader(deadline: number, now = Date.now()): Record<string, string> {
  return { [TIMEOUT_HEADER]: remainingMsText(deadline, now) };
}

/** The value of the budget header: whole milliseconds left until `deadline`, at least 0. */
export function remainingMsText(deadline: number, now = Date.now()): string {
  return String(Math.max(0, Math.floor(deadline - now)));
}
