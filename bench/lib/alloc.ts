// Bytes allocated per call on the whole client call path (build, serialize, send, receive,
// parse, settle): heap growth over a batch of sequential calls with no GC inside it, divided
// by the calls. A batch starts right after a full GC; a batch during which any GC ran (counted
// with a PerformanceObserver) is discarded, and the batch size halves when that keeps
// happening. The median over batches is reported (background timers of the process, such as
// a registry watch, add noise to single batches). Needs --expose-gc.
import { PerformanceObserver } from 'node:perf_hooks';
import { median } from './latency';
import { sleep } from './load';

const gc = (globalThis as { gc?: () => void }).gc;

export interface AllocationResult {
  /** Median bytes per call over the clean batches (null: no clean batch, or no --expose-gc). */
  bytesPerCall: number | null;
  callsPerBatch: number;
  cleanBatches: number;
  discardedBatches: number;
}

export async function bytesPerCall(call: () => Promise<unknown>, batches: number, callsPerBatch = 64): Promise<AllocationResult> {
  if (!gc) return { bytesPerCall: null, callsPerBatch, cleanBatches: 0, discardedBatches: 0 };
  let gcs = 0;
  const observer = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  const samples: number[] = [];
  let discarded = 0;
  let size = callsPerBatch;
  try {
    for (let b = 0; b < batches + discarded && discarded < batches * 2; b++) {
      gc();
      await sleep(2); // lets the observer see the forced GC before the count is taken
      const gcsBefore = gcs;
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < size; i++) await call();
      const grown = process.memoryUsage().heapUsed - before;
      await sleep(2);
      if (gcs === gcsBefore) samples.push(grown / size);
      else {
        discarded++;
        if (size > 8) size >>= 1;
      }
    }
  } finally {
    observer.disconnect();
  }
  return {
    bytesPerCall: samples.length ? Math.round(median(samples)) : null,
    callsPerBatch: size,
    cleanBatches: samples.length,
    discardedBatches: discarded,
  };
}
