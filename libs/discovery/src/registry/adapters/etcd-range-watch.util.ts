import { randomUUID } from 'node:crypto';
import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';

/** First and maximum delay between reconnection attempts of a watch, milliseconds. */
export const ETCD_WATCH_RETRY_MIN_MS = 100;
export const ETCD_WATCH_RETRY_MAX_MS = 5000;

/** What a resumable watch feeds: a full state, then changes, then "emit now". */
export interface EtcdRangeSink {
  /** Replaces the whole state with `kvs` (first read, or relist). */
  reset(kvs: IKeyValue[]): void;
  put(kv: IKeyValue): void;
  delete(kv: IKeyValue): void;
  /** Called after each batch (reset, or one watch response): emit if the state changed. */
  flush(): void;
}

/** The keys a watch covers, and the key holding the store's epoch. */
export interface EtcdRangeWatchOptions {
  key: Buffer;
  /** Exclusive end of the range; omit to watch `key` only. */
  rangeEnd?: Buffer;
  /** `<prefix>/epoch`: a random id created once per store lifetime. */
  epochKey: Buffer;
}

/**
 * The epoch of the store: an id kept under `epochKey`, created by the first client that
 * finds it missing. A store whose data was wiped (fresh data directory) starts over with
 * revision 1 and has no epoch, so a changed epoch tells a watcher that its revision is
 * meaningless there and it must relist. `undefined` when it cannot be created (an identity
 * allowed to read only): the watcher then relists after every reconnection.
 */
async function readEpoch(client: Etcd3, epochKey: Buffer): Promise<string | undefined> {
  const [existing] = (await client.kv.range({ key: epochKey })).kvs;
  if (existing) return existing.value.toString();
  const id = Buffer.from(randomUUID());
  try {
    const response = await client.kv.txn({
      compare: [{ key: epochKey, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: epochKey, value: id } }],
      failure: [{ request_range: { key: epochKey } }],
    });
    return response.succeeded ? id.toString() : response.responses[0].response_range.kvs[0]?.value.toString();
  } catch {
    return undefined;
  }
}

/**
 * Watches a key range and survives disconnections:
 *
 * - starts with a range read (`reset`), then watches from that read's revision + 1;
 * - applies each watch response in revision order, then `flush`es;
 * - on disconnect, retries with doubling, jittered delays (0.1 s .. 5 s) and **resumes**
 *   from the last applied revision + 1, so no change is missed or applied twice;
 * - **relists** instead when that revision was compacted (etcd cancels the watch), on any
 *   other cancellation, or when the store's epoch changed (data wiped);
 * - never errors: while etcd is down the sink simply keeps its last state.
 *
 * Returns the stop function.
 */
export function startEtcdRangeWatch(client: Etcd3, options: EtcdRangeWatchOptions, sink: EtcdRangeSink): () => void {
  let nextRevision: number | undefined;
  let epoch: string | undefined;
  let watcher: Watcher | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let delayMs = ETCD_WATCH_RETRY_MIN_MS;
  let isStopped = false;

  const detach = (): void => {
    const current = watcher;
    watcher = undefined;
    if (!current) return;
    current.removeAllListeners('data');
    current.removeAllListeners('disconnected');
    // NOTE: cancel() waits for the server's confirmation, which never comes if the stream
    // is gone; nobody needs it, and the watcher's own errors are swallowed below.
    void current.cancel().catch(() => undefined);
  };

  const retry = (): void => {
    detach();
    if (isStopped) return;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void connect(), Math.round(delayMs * (0.8 + Math.random() * 0.4)));
    retryTimer.unref();
    delayMs = Math.min(delayMs * 2, ETCD_WATCH_RETRY_MAX_MS);
  };

  const attach = (fromRevision: number): void => {
    const builder = client.watch();
    const next = (options.rangeEnd ? builder.inRange({ start: options.key, end: options.rangeEnd }) : builder.key(options.key))
      .startRevision(String(fromRevision))
      .watcher();
    watcher = next;
    next.on('error', () => {
      if (watcher !== next) return;
      // Canceled by etcd (compacted revision, permissions...): etcd3 has dropped it already,
      // so there is nothing to cancel; relist on the next attempt.
      watcher = undefined;
      nextRevision = undefined;
      retry();
    });
    next.on('disconnected', () => {
      if (watcher === next) retry();
    });
    next.on('connected', () => {
      if (watcher === next) delayMs = ETCD_WATCH_RETRY_MIN_MS;
    });
    next.on('data', (response: IWatchResponse) => {
      if (watcher !== next || isStopped) return;
      for (const event of response.events) {
        if (event.type === 'Delete') sink.delete(event.kv);
        else sink.put(event.kv);
        nextRevision = Number(event.kv.mod_revision) + 1;
      }
      if (response.events.length > 0) sink.flush();
    });
  };

  const connect = async (): Promise<void> => {
    try {
      const currentEpoch = await readEpoch(client, options.epochKey);
      if (isStopped) return;
      if (nextRevision === undefined || currentEpoch === undefined || currentEpoch !== epoch) {
        const { kvs, header } = await client.kv.range({ key: options.key, range_end: options.rangeEnd });
        if (isStopped) return;
        sink.reset(kvs);
        sink.flush();
        nextRevision = Number(header.revision) + 1;
        epoch = currentEpoch;
      }
      attach(nextRevision);
    } catch {
      retry();
    }
  };

  void connect();
  return () => {
    isStopped = true;
    clearTimeout(retryTimer);
    detach();
  };
}
