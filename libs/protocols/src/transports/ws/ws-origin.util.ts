import type { IncomingMessage } from 'node:http';

/**
 * Whether a WebSocket upgrade may proceed, by its `Origin` (browsers always send one; other
 * clients usually none). Without `Origin`: yes. With one: its `host:port` must be the
 * request's own `Host` (same origin) or be listed in `allowed` (full origins such as
 * `https://shop.example`, or `'*'` for any). Browsers let any page open a WebSocket to any
 * address, so this is what keeps a foreign page from calling endpoints through a
 * visitor's browser (cross-site WebSocket hijacking).
 */
export function isAllowedWsOrigin(req: IncomingMessage, allowed: readonly string[] | '*' | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || allowed === '*') return true;
  if (allowed?.includes(origin)) return true;
  try {
    return new URL(origin).host.toLowerCase() === (req.headers.host ?? '').toLowerCase();
  } catch {
    // `Origin: null` (sandboxed frames, file://) and other unparseable values.
    return false;
  }
}
