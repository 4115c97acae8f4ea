// A query becomes terms, each with the stems it may match and what a match on each is worth.

import { synonymsOf, UNDO_TERMS } from './synonyms.js';
import { isStopword, splitWords, stem } from './tokenize.js';

export interface QueryTerm {
  /** The word as asked. */
  word: string;
  /** The stem whose rarity caps every variant's: a rare synonym must not outweigh the word asked for. */
  own: string;
  weight: number;
  /** Stem -> weight of a match on it (the word's own stem at 1). */
  variants: Map<string, number>;
}

export interface Vocabulary {
  has(term: string): boolean;
  /** Every indexed stem, sorted. */
  vocabulary: readonly string[];
}

const PREFIX_WEIGHT = 0.5;
const MAX_PREFIX_EXPANSIONS = 24;
const MIN_PREFIX_LENGTH = 3;
/** Words past this many are ignored: a pasted page must not cost more than a question. */
const MAX_QUERY_TERMS = 32;

export function analyzeQuery(query: string, vocab: Vocabulary): QueryTerm[] {
  const out: QueryTerm[] = [];
  const seen = new Set<string>();
  const push = (word: string, own: string, variants: Map<string, number>, weight = 1) => {
    const key = [...variants.keys()].sort().join('|');
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ word, own, weight, variants });
  };
  for (const word of splitWords(query)) {
    if (out.length >= MAX_QUERY_TERMS) break;
    if (isStopword(word)) continue;
    const own = stem(word);
    const variants = expand(own, vocab);
    const undone = undoVerb(word, vocab);
    if (undone) {
      // "unwatch": the thing undone, and the act of removing it
      for (const [term, weight] of expand(undone, vocab)) variants.set(term, Math.max(variants.get(term) ?? 0, weight * 0.8));
      const removal = new Map<string, number>();
      for (const term of UNDO_TERMS) for (const [s, w] of synonymsOf(term)) removal.set(s, Math.max(removal.get(s) ?? 0, w * 0.8));
      push(word, own, variants);
      push(`${word} (remove)`, UNDO_TERMS[0], removal);
      continue;
    }
    push(word, own, variants);
  }
  return out;
}

function expand(own: string, vocab: Vocabulary): Map<string, number> {
  const variants = synonymsOf(own);
  for (const [term, weight] of prefixMatches(own, vocab)) {
    if (!variants.has(term)) variants.set(term, weight);
  }
  return variants;
}

/** Indexed stems that extend this one ("assign" -> "assigne") or that it extends, weighted by how much they share. */
function prefixMatches(own: string, vocab: Vocabulary): Map<string, number> {
  const out = new Map<string, number>();
  if (own.length < MIN_PREFIX_LENGTH) return out;
  const list = vocab.vocabulary;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < own) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < list.length && out.size < MAX_PREFIX_EXPANSIONS && list[i].startsWith(own); i++) {
    if (list[i] !== own) out.set(list[i], PREFIX_WEIGHT * Math.sqrt(own.length / list[i].length));
  }
  for (let cut = own.length - 1; cut >= Math.max(4, own.length - 3); cut--) {
    const shorter = own.slice(0, cut);
    if (vocab.has(shorter)) out.set(shorter, PREFIX_WEIGHT * Math.sqrt(cut / own.length));
  }
  return out;
}

/** "unwatch" -> "watch" when the catalog knows the rest; "under" and "unique" stay whole. */
function undoVerb(word: string, vocab: Vocabulary): string | undefined {
  if (!word.startsWith('un') || word.length < 6) return undefined;
  const rest = stem(word.slice(2));
  return vocab.has(rest) && !vocab.has(stem(word)) ? rest : undefined;
}
