import type { ServiceInstance } from '../../registry/service-instance.interface';
import type { CallOutcome, LoadBalancingStrategy, PickContext } from '../load-balancing-strategy.interface';
import { IndexedMinHeap } from '../utils/indexed-min-heap.util';

interface ConnectionCount {
  readonly id: string;
  heapIndex: number;
  inFlight: number;
  /** Sequence number of the last pick; ties on `inFlight` go to the least recently picked. */
  lastPick: number;
  instance?: ServiceInstance;
}

const isLess = (a: ConnectionCount, b: ConnectionCount): boolean =>
  a.inFlight < b.inFlight || (a.inFlight === b.inFlight && a.lastPick < b.lastPick);

/**
 * Sends each call to the instance with the fewest calls in flight (counted by `onStart` /
 * `onResult`); ties go to the least recently picked, so equal instances rotate. Counts live in
 * a heap: O(log n) per pick and per start/result, O(n) when the candidate list changes.
 *
 * @publicApi
 */
export class LeastConnectionsStrategy implements LoadBalancingStrategy {
  readonly name = 'least-connections';
  private readonly counts = new Map<string, ConnectionCount>();
  private readonly heap = new IndexedMinHeap<ConnectionCount>(isLess);
  private heapList: readonly ServiceInstance[] | undefined;
  private picks = 0;

  pick(instances: readonly ServiceInstance[], ctx?: PickContext): ServiceInstance | undefined {
    // NOTE: the heap follows one candidate list; another list (a retry falling back past the
    // preferred zone) re-heaps in O(n), which only happens on that rare path.
    if (instances !== this.heapList) this.load(instances);
    const exclude = ctx?.exclude;
    const count = exclude && exclude.size > 0 ? this.heap.peekExcluding(exclude) : this.heap.peek();
    if (count === undefined) return undefined;
    count.lastPick = ++this.picks;
    this.heap.update(count);
    return count.instance;
  }

  onStart(instance: ServiceInstance): void {
    const count = this.count(instance.id);
    count.inFlight++;
    this.heap.update(count);
  }

  onResult(instance: ServiceInstance, _outcome?: CallOutcome): void {
    const count = this.counts.get(instance.id);
    if (count === undefined || count.inFlight === 0) return;
    count.inFlight--;
    this.heap.update(count);
  }

  onMembershipChange(instances: readonly ServiceInstance[]): void {
    const ids = new Set(instances.map((instance) => instance.id));
    for (const id of this.counts.keys()) if (!ids.has(id)) this.counts.delete(id);
    this.heapList = undefined;
  }

  private load(instances: readonly ServiceInstance[]): void {
    this.heapList = instances;
    this.heap.reset(instances.map((instance) => Object.assign(this.count(instance.id), { instance })));
  }

  private count(id: string): ConnectionCount {
    let count = this.counts.get(id);
    if (count === undefined) this.counts.set(id, (count = { id, heapIndex: -1, inFlight: 0, lastPick: 0 }));
    return count;
  }
}
