// The ranking's weights in one place, so bench/search-tune.js can try others on the tuning questions.

import { FIELDS } from './fields.js';

export interface Tuning {
  /** BM25F weight per field, in FIELDS order. */
  fieldWeight: readonly number[];
  /** BM25F length normalisation per field, in FIELDS order. */
  fieldB: readonly number[];
  /** BM25's term-frequency saturation. */
  k1: number;
  /** What a word of the catalog that extends the one asked for counts ("assign" -> "assignee"). */
  prefix: number;
  /** Scales the thesaurus's weights (thesaurus.ts, 0.5-0.8): what a product word for the same concept counts; below 1.25 it stays below the word asked for. */
  concept: number;
  /** What a WordNet relation counts at most (a synonym of the word's commonest sense). */
  related: number;
  /** What a word the catalog uses alongside the one asked for counts at most. */
  cooccurring: number;
  /** What a catalog word one typing slip from an unknown word asked for counts. */
  fuzzy: number;
  /** How much more a function that reads (or changes) counts for a question (or a command). */
  intent: number;
  /** Rarity (IDF) counted in names, descriptions and keywords, not in parameters and answer fields. */
  rarityWhereDescribed: boolean;
  /** How much covering the whole of a function's name adds. */
  nameCoverage: number;
}

export const DEFAULT_TUNING: Tuning = {
  fieldWeight: [3, 2, 0.8, 1, 0.5, 0.15, 0.2],
  fieldB: [0.6, 0.5, 0.75, 0.3, 0.5, 0.75, 0.75],
  k1: 1.2,
  prefix: 0.5,
  concept: 1.2,
  related: 0.5,
  cooccurring: 0.5,
  fuzzy: 0.7,
  intent: 0.5,
  rarityWhereDescribed: true,
  nameCoverage: 0.6,
};

export function tuningWith(overrides: Partial<Tuning> = {}): Tuning {
  const tuning = { ...DEFAULT_TUNING, ...overrides };
  if (tuning.fieldWeight.length !== FIELDS.length || tuning.fieldB.length !== FIELDS.length) {
    throw new Error(`fieldWeight and fieldB need one number per field (${FIELDS.join(', ')})`);
  }
  return tuning;
}
