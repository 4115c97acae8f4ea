// BM25F over a function's fields, with synonyms, prefixes and a boost for asking by name.
// Built once per catalog; a query touches only the postings of its own terms.

import type { CatalogEntry } from '../catalog/index.js';
import { FIELD_B, FIELD_WEIGHT, FIELDS, functionText, type FunctionText } from './fields.js';
import { analyzeQuery, type QueryTerm } from './query.js';
import { splitWords } from './tokenize.js';

const K1 = 1.2;
/** How much covering the whole of a function's name adds (a query naming all of `repos/get` beats `repos/get-content`). */
const NAME_COVERAGE_BOOST = 0.6;
/** A deprecated function ranks below its replacement, which usually shares its words. */
const DEPRECATED_FACTOR = 0.5;
/** Asking for a function by its name ("issues.create", "getUserById") puts it first. */
const EXACT_NAME_BOOST = 2;

interface Posting {
  docs: number[];
  /** Field-weighted, length-normalised term frequency per doc (BM25F's pseudo-frequency). */
  weights: number[];
}

export interface RankedEntry {
  entry: CatalogEntry;
  score: number;
}

export interface LexicalIndex {
  readonly size: number;
  /** Every function with a positive score, best first; `accept` narrows the candidates. */
  rank(query: string, accept?: (entry: CatalogEntry) => boolean): RankedEntry[];
}

export function buildLexicalIndex(entries: Iterable<CatalogEntry>): LexicalIndex {
  const docs: CatalogEntry[] = [];
  const texts: FunctionText[] = [];
  for (const entry of entries) {
    docs.push(entry);
    texts.push(functionText(entry));
  }
  const averages = FIELDS.map((_, f) => texts.reduce((sum, text) => sum + text.fields[f].length, 0) / Math.max(1, texts.length) || 1);
  const postings = new Map<string, Posting>();
  texts.forEach((text, doc) => {
    const pseudo = new Map<string, number>();
    text.fields.forEach((fieldTerms, f) => {
      const norm = 1 - FIELD_B[f] + (FIELD_B[f] * fieldTerms.length) / averages[f];
      for (const term of fieldTerms) pseudo.set(term, (pseudo.get(term) ?? 0) + FIELD_WEIGHT[f] / norm);
    });
    for (const [term, weight] of pseudo) {
      let posting = postings.get(term);
      if (!posting) postings.set(term, (posting = { docs: [], weights: [] }));
      posting.docs.push(doc);
      posting.weights.push(weight);
    }
  });
  const vocabulary = [...postings.keys()].sort();
  const idf = (term: string) => {
    const df = postings.get(term)?.docs.length ?? 0;
    return Math.log(1 + (docs.length - df + 0.5) / (df + 0.5));
  };

  function rank(query: string, accept?: (entry: CatalogEntry) => boolean): RankedEntry[] {
    const queryTerms = analyzeQuery(query, { has: (term) => postings.has(term), vocabulary });
    if (queryTerms.length === 0 || docs.length === 0) return [];
    const total = new Float64Array(docs.length);
    const best = new Float64Array(docs.length);
    // per doc, per query term: the best-weighted name term it matched (one name word per query word)
    const nameCover = new Map<number, Map<string, number>>();
    for (const queryTerm of queryTerms) {
      best.fill(0);
      const touched: number[] = [];
      const coverOf = new Map<number, [string, number]>();
      const ownIdf = postings.has(queryTerm.own) ? idf(queryTerm.own) : Infinity;
      for (const [term, weight] of queryTerm.variants) {
        const posting = postings.get(term);
        if (!posting) continue;
        const termIdf = Math.min(idf(term), ownIdf) * weight * queryTerm.weight;
        posting.docs.forEach((doc, i) => {
          const tf = posting.weights[i];
          const score = (termIdf * tf * (K1 + 1)) / (K1 + tf);
          if (best[doc] === 0) touched.push(doc);
          if (score > best[doc]) best[doc] = score;
          if (texts[doc].nameTerms.has(term) && weight > (coverOf.get(doc)?.[1] ?? 0)) coverOf.set(doc, [term, weight]);
        });
      }
      for (const doc of touched) total[doc] += best[doc];
      for (const [doc, [term, weight]] of coverOf) {
        let cover = nameCover.get(doc);
        if (!cover) nameCover.set(doc, (cover = new Map()));
        cover.set(term, Math.max(cover.get(term) ?? 0, weight));
      }
    }
    const exact = exactForm(query);
    const ranked: RankedEntry[] = [];
    total.forEach((score, doc) => {
      if (score <= 0) return;
      const entry = docs[doc];
      if (accept && !accept(entry)) return;
      const nameTerms = texts[doc].nameTerms;
      let covered = 0;
      for (const weight of nameCover.get(doc)?.values() ?? []) covered += weight;
      covered = nameTerms.size > 0 ? covered / nameTerms.size : 0;
      let boosted = score * (1 + NAME_COVERAGE_BOOST * covered);
      if (exact && texts[doc].nameForms.has(exact)) boosted *= 1 + EXACT_NAME_BOOST;
      if (texts[doc].deprecated) boosted *= DEPRECATED_FACTOR;
      ranked.push({ entry, score: boosted });
    });
    return ranked.sort((a, b) => b.score - a.score || a.entry.id.length - b.entry.id.length || (a.entry.id < b.entry.id ? -1 : 1));
  }

  return { size: docs.length, rank };
}

function exactForm(query: string): string {
  return splitWords(query).join(' ');
}

export type { QueryTerm };
