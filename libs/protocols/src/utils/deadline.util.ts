/**
 * Longest delay a Node timer honours (2^31-1 ms, ~24.8 days): a longer one fires after
 * 1 ms with a TimeoutOverflowWarning, and grpc-js fails such a deadline at once. Every
 * deadline Orion arms a timer for is clamped below it.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** Default of `maxDeadlineMs`: the longest budget a server grants a request (24 h). */
export const DEFAULT_MAX_DEADLINE_MS = 24 * 60 * 60 * 1000;

/**
 * Longest timeout an Orion client sends (24 h): grpc-js servers read a `grpc-timeout` of
 * 2^31 ms or more as a 32-bit number (negative: the call fails at once), and a server cuts
 * a longer budget to its `maxDeadlineMs` anyway.
 */
export const MAX_CALL_TIMEOUT_MS = DEFAULT_MAX_DEADLINE_MS;

/** A relative budget: optional minus, digits, optional fraction. Anything else is ignored. */
const RELATIVE_BUDGET = /^-?\d{1,20}(\.\d{1,20})?$/;
/** An absolute deadline: epoch ms, digits only. */
const ABSOLUTE_DEADLINE = /^\d{1,20}$/;

/** `value` ms from `now`, never further than `maxMs` (so a timer armed for it never fires early). */
export function clampDeadline(deadline: number, now: number, maxMs: number = MAX_TIMER_MS): number {
  return Math.min(deadline, now + Math.min(maxMs, MAX_TIMER_MS));
}

/** Delay (ms) to arm a timer for `deadline`: 0 when past, never above `MAX_TIMER_MS`. */
export function timerDelay(deadline: number, now = Date.now()): number {
  return Math.min(MAX_TIMER_MS, Math.max(0, deadline - now));
}

/**
 * The deadline of a relative budget header (`x-orion-timeout-ms`): a number of ms
 * (negative or 0 = already spent), clamped to `MAX_TIMER_MS`; undefined for garbage
 * (not a plain decimal number).
 */
export function parseRelativeDeadline(value: string | undefined, receivedAt: number): number | undefined {
  if (value === undefined || !RELATIVE_BUDGET.test(value)) return undefined;
  const budget = Number(value);
  if (!Number.isFinite(budget)) return undefined;
  return receivedAt + Math.min(budget, MAX_TIMER_MS);
}

/** The deadline of an absolute header (`x-orion-deadline`, epoch ms), clamped; undefined for garbage. */
export function parseAbsoluteDeadline(value: string | undefined, receivedAt: number): number | undefined {
  if (value === undefined || !ABSOLUTE_DEADLINE.test(value)) return undefined;
  const deadline = Number(value);
  if (!Number.isFinite(deadline)) return undefined;
  return clampDeadline(deadline, receivedAt);
}

/** Validates a configured maximum budget: a positive whole number of ms, at most `MAX_TIMER_MS`. */
export function isValidMaxDeadline(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= MAX_TIMER_MS;
}
