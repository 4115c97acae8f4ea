// The best k of n without sorting all n: a search for 10 results among 3,000 matches sorts 10.

/** The k items `before` ranks first, in that order; `before(a, b)` is true when a ranks above b. */
export function topK<T>(items: Iterable<T>, k: number, before: (a: T, b: T) => boolean): T[] {
  if (k <= 0) return [];
  // a heap whose root is the worst of the best k so far
  const heap: T[] = [];
  const worse = (i: number, j: number) => before(heap[j], heap[i]);
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j], heap[i]]);
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(i, parent)) return;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < heap.length && worse(left, worst)) worst = left;
      if (right < heap.length && worse(right, worst)) worst = right;
      if (worst === i) return;
      swap(i, worst);
      i = worst;
    }
  };
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      up(heap.length - 1);
    } else if (before(item, heap[0])) {
      heap[0] = item;
      down(0);
    }
  }
  return heap.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
}
