// Reciprocal rank fusion: lists scored on different scales (BM25, cosine) meet by rank alone.

import type { CatalogEntry } from '../catalog/index.js';
import type { RankedEntry } from './lexical.js';

/** The usual constant: damps the head so one list's first place does not decide alone. */
export const RRF_K = 60;

export function reciprocalRankFusion(lists: readonly (readonly RankedEntry[])[], k = RRF_K): RankedEntry[] {
  const fused = new Map<string, { entry: CatalogEntry; score: number }>();
  for (const list of lists) {
    list.forEach(({ entry }, rank) => {
      const item = fused.get(entry.id) ?? { entry, score: 0 };
      item.score += 1 / (k + rank + 1);
      fused.set(entry.id, item);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || (a.entry.id < b.entry.id ? -1 : 1));
}
