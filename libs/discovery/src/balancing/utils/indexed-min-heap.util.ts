/** A heap entry that remembers where it sits (-1 when it is in no heap). @internal */
export interface IndexedHeapNode {
  readonly id: string;
  heapIndex: number;
}

/**
 * Binary min-heap whose nodes know their own position, so a node whose key changed is
 * re-sited in O(log n) with `update`. Allocates nothing after `reset`.
 *
 * @internal
 */
export class IndexedMinHeap<T extends IndexedHeapNode> {
  private nodes: T[] = [];

  constructor(private readonly isLess: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.nodes.length;
  }

  /** Replaces the content with `nodes` (heapify, O(n)). */
  reset(nodes: T[]): void {
    for (const node of this.nodes) node.heapIndex = -1;
    this.nodes = nodes;
    nodes.forEach((node, i) => (node.heapIndex = i));
    for (let i = (nodes.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  peek(): T | undefined {
    return this.nodes[0];
  }

  /**
   * Smallest node whose id is not in `exclude`. Only excluded nodes are descended into, so
   * this visits at most 2 × |exclude| + 1 nodes.
   */
  peekExcluding(exclude: ReadonlySet<string>, i = 0): T | undefined {
    const node = this.nodes[i];
    if (node === undefined || !exclude.has(node.id)) return node;
    const left = this.peekExcluding(exclude, 2 * i + 1);
    const right = this.peekExcluding(exclude, 2 * i + 2);
    if (left === undefined) return right;
    return right !== undefined && this.isLess(right, left) ? right : left;
  }

  /** Restores heap order after `node`'s key changed; a node in no heap is ignored. */
  update(node: T): void {
    if (this.nodes[node.heapIndex] !== node) return;
    this.siftDown(this.siftUp(node.heapIndex));
  }

  private siftUp(i: number): number {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.isLess(this.nodes[i], this.nodes[parent])) break;
      this.swap(i, parent);
      i = parent;
    }
    return i;
  }

  private siftDown(i: number): void {
    const n = this.nodes.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < n && this.isLess(this.nodes[left], this.nodes[least])) least = left;
      if (right < n && this.isLess(this.nodes[right], this.nodes[least])) least = right;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }

  private swap(a: number, b: number): void {
    const nodes = this.nodes;
    const node = nodes[a];
    nodes[a] = nodes[b];
    nodes[b] = node;
    nodes[a].heapIndex = a;
    nodes[b].heapIndex = b;
  }
}
