import type { Etcd3, IKeyValue } from 'etcd3';

/** How long a key whose lease is in its last second may take to disappear, milliseconds. */
export const ETCD_EXPIRY_GRACE_MS = 1700;
const KEY_POLL_INTERVAL_MS = 50;

/**
 * etcd leases have whole-second TTLs: `ttlMs` rounded up, at least 1 s. (The server may
 * raise it further to its minimum, 1.5 x the election timeout rounded up.)
 */
export const leaseSeconds = (ttlMs: number): number => Math.max(1, Math.ceil(ttlMs / 1000));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Grants a lease of `leaseSeconds(ttlMs)` seconds; resolves with its id. */
export async function grantLease(client: Etcd3, ttlMs: number): Promise<string> {
  return (await client.leaseClient.leaseGrant({ TTL: leaseSeconds(ttlMs) })).ID;
}

/** Revokes a lease (deleting every key attached to it). A lease that is already gone is fine. */
export async function revokeLease(client: Etcd3, leaseId: string): Promise<void> {
  try {
    await client.leaseClient.leaseRevoke({ ID: leaseId });
  } catch (error) {
    if (!/lease not found/i.test(String((error as Error)?.message))) throw error;
  }
}

/**
 * One keep-alive of `leaseId`. Resolves `true` if the server renewed it, `false` if the
 * lease is gone (expired, revoked, or the cluster lost its data). The server never renews a
 * lease that has expired and waits for its revocation instead, so `true` means it was live.
 */
export async function keepLeaseAlive(client: Etcd3, leaseId: string, timeoutMs: number): Promise<boolean> {
  const stream = await client.leaseClient.leaseKeepAlive({ deadline: Date.now() + timeoutMs });
  try {
    // NOTE: the listeners stay attached after the first event (a settled promise ignores
    // the rest), so a late error of the closed stream never becomes an unhandled 'error'.
    const response = await new Promise<{ TTL: string }>((resolve, reject) => {
      stream.on('data', resolve);
      stream.on('error', reject);
      stream.on('end', () => reject(new Error('lease keep-alive stream ended without a response')));
      stream.write({ ID: leaseId });
    });
    return Number(response.TTL) > 0;
  } finally {
    stream.end();
  }
}

/**
 * Whether the lease keeping another client's key alive is certainly live. etcd reports
 * remaining TTLs in whole seconds and revokes expired leases up to ~0.5 s late, so a lease
 * reporting 0 s may be about to end, or may have ended already: the caller waits for the
 * key to go (`waitForKeyChange`) before deciding.
 */
export async function leaseState(client: Etcd3, leaseId: string): Promise<'live' | 'ending' | 'gone'> {
  if (leaseId === '0') return 'live';
  try {
    const { TTL } = await client.leaseClient.leaseTimeToLive({ ID: leaseId });
    const ttl = Number(TTL);
    return ttl >= 1 ? 'live' : ttl === 0 ? 'ending' : 'gone';
  } catch (error) {
    if (/lease not found/i.test(String((error as Error)?.message))) return 'gone';
    throw error;
  }
}

/**
 * Polls `key` until it is deleted or modified after `modRevision`, for at most `timeoutMs`.
 * Resolves with the current key (undefined when deleted), or `false` if it did not change.
 */
export async function waitForKeyChange(
  client: Etcd3,
  key: Buffer,
  modRevision: string,
  timeoutMs: number,
): Promise<IKeyValue | undefined | false> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [current] = (await client.kv.range({ key })).kvs;
    if (!current || current.mod_revision !== modRevision) return current;
    if (Date.now() >= deadline) return false;
    await sleep(KEY_POLL_INTERVAL_MS);
  }
}
