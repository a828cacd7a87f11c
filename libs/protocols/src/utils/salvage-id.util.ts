/**
 * Best effort: the request id of a message that failed to parse (not JSON, too large), so
 * that the error reply can name it and the caller's pending call ends at once instead of
 * at its timeout. Reads at most the first 4 KiB.
 */
export function salvageRequestId(raw: string): string | undefined {
  const match = /"id"\s*:\s*("((?:[^"\\]|\\.){1,128})"|(\d{1,20}))/.exec(raw.slice(0, 4096));
  return match ? (match[2] ?? match[3]) : undefined;
}
