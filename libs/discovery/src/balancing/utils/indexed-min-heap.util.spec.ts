import { mulberry32 } from '../testing/balancing-testing.util';
import { IndexedMinHeap } from './indexed-min-heap.util';

interface Node {
  id: string;
  heapIndex: number;
  key: number;
}

const byKey = (a: Node, b: Node): boolean => a.key < b.key || (a.key === b.key && a.id < b.id);
const reference = (nodes: Node[], skip = new Set<string>()): Node | undefined =>
  nodes.filter(({ id }) => !skip.has(id)).sort((a, b) => (byKey(a, b) ? -1 : 1))[0];

describe(IndexedMinHeap, () => {
  describe('update', () => {
    it('should keep the smallest node on top through random key changes', () => {
      const random = mulberry32(11);
      const nodes = Array.from({ length: 50 }, (_, i) => ({
        id: `n${i}`,
        heapIndex: -1,
        key: Math.floor(random() * 20),
      }));
      const heap = new IndexedMinHeap<Node>(byKey);
      heap.reset([...nodes]);
      for (let step = 0; step < 2_000; step++) {
        const node = nodes[Math.floor(random() * nodes.length)];
        node.key += random() < 0.5 ? -1 : 1;
        heap.update(node);
        expect(heap.peek()).toBe(reference(nodes));
      }
    });

    it('should ignore a node that is not in the heap', () => {
      const heap = new IndexedMinHeap<Node>(byKey);
      const a = { id: 'a', heapIndex: -1, key: 1 };
      heap.reset([a]);
      heap.reset([{ id: 'b', heapIndex: -1, key: 2 }]);
      a.key = 0;
      heap.update(a);
      expect(heap.peek()?.id).toBe('b');
      expect(a.heapIndex).toBe(-1);
    });
  });

  describe('peekExcluding', () => {
    it.each([[[]], [['n0']], [['n0', 'n1', 'n2']], [['n3', 'n7', 'n0', 'n9', 'n12']]])(
      'should find the smallest node outside %j',
      (excluded) => {
        const random = mulberry32(5);
        const nodes = Array.from({ length: 30 }, (_, i) => ({
          id: `n${i}`,
          heapIndex: -1,
          key: Math.floor(random() * 10),
        }));
        const heap = new IndexedMinHeap<Node>(byKey);
        heap.reset([...nodes]);
        const skip = new Set<string>(excluded);
        expect(heap.peekExcluding(skip)).toBe(reference(nodes, skip));
      },
    );

    it('should return undefined when every node is excluded', () => {
      const heap = new IndexedMinHeap<Node>(byKey);
      heap.reset([{ id: 'a', heapIndex: -1, key: 1 }]);
      expect(heap.peekExcluding(new Set(['a']))).toBeUndefined();
    });
  });
});
