// A query becomes terms, each with the stems it may match and what a match on each is worth.

import { synonymsOf, UNDO_TERMS } from './synonyms.js';
import { conceptSiblings, phraseSiblings } from './thesaurus.js';
import { isStopword, splitWords, stem } from './tokenize.js';
import { relatedWords } from './wordnet.js';
import { DEFAULT_TUNING, type Tuning } from './tuning.js';

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
  /** Words the catalog uses together with this one, and how strongly (0..1). */
  companionsOf?(term: string): Map<string, number>;
}

const MAX_PREFIX_EXPANSIONS = 24;
const MIN_PREFIX_LENGTH = 3;
const MIN_FUZZY_LENGTH = 4;
const MAX_FUZZY_EXPANSIONS = 8;
/** Words past this many are ignored: a pasted page must not cost more than a question. */
const MAX_QUERY_TERMS = 32;

export function analyzeQuery(query: string, vocab: Vocabulary, tuning: Tuning = DEFAULT_TUNING): QueryTerm[] {
  const out: QueryTerm[] = [];
  const seen = new Set<string>();
  const push = (word: string, own: string, variants: Map<string, number>, weight = 1) => {
    const key = [...variants.keys()].sort().join('|');
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ word, own, weight, variants });
  };
  const words = splitWords(withoutClitics(query));
  for (let i = 0; i < words.length; i++) {
    if (out.length >= MAX_QUERY_TERMS) break;
    const word = words[i];
    const phrase = phraseAt(words, i, vocab, tuning);
    if (phrase) push(phrase.text, phrase.own, phrase.variants);
    if (phrase?.compound) {
      // a compound the catalog writes as one word stands for its words: "sign up" is signup, not signs
      i += phrase.length - 1;
      continue;
    }
    if (isStopword(word)) continue;
    const own = stem(word);
    const variants = expand(own, vocab, tuning, word);
    const undone = undoVerb(word, vocab);
    if (undone) {
      // "unwatch": the thing undone, and the act of removing it
      for (const [term, weight] of expand(undone, vocab, tuning)) variants.set(term, Math.max(variants.get(term) ?? 0, weight * 0.8));
      const removal = new Map<string, number>();
      for (const term of UNDO_TERMS) for (const [s, w] of synonymsOf(term)) removal.set(s, Math.max(removal.get(s) ?? 0, w * 0.8));
      push(word, own, variants);
      push(`${word} (remove)`, UNDO_TERMS[0], removal);
      continue;
    }
    if (variants.size === 1 && !vocab.has(own)) for (const [term, weight] of misspellings(word, own, vocab)) variants.set(term, weight * tuning.fuzzy);
    push(word, own, variants);
  }
  return out;
}

/** "someone's phone" -> "someone phone", "don't" -> "do not": a clitic's lone letter is not a word asked for. */
export function withoutClitics(query: string): string {
  return query.replace(/\b(can|won)['’]t\b/gi, (_, verb: string) => `${verb.toLowerCase() === 'won' ? 'will' : 'can'} not`)
    .replace(/n['’]t\b/gi, ' not')
    .replace(/['’](?:s|re|ve|ll|d|m)\b/gi, '');
}

/**
 * Two or three words that mean one thing: a compound the catalog writes as one word ("sign up" -> signup,
 * "back up" -> backup) or a phrase WordNet knows ("do away with", "pay back"), with what it may match.
 */
function phraseAt(words: readonly string[], i: number, vocab: Vocabulary, tuning: Tuning): { text: string; own: string; variants: Map<string, number>; length: number; compound: boolean } | undefined {
  for (const length of [3, 2]) {
    const parts = words.slice(i, i + length);
    if (parts.length < length || parts.every(isStopword)) continue;
    const joined = stem(parts.join(''));
    if (vocab.has(joined)) return { text: parts.join(' '), own: joined, variants: new Map([[joined, 1]]), length, compound: true };
    const variants = new Map<string, number>();
    // a product's phrase for a concept the catalog names otherwise ("sign out" -> logout)
    // (not the phrase's own words: "pull request" asks for "pull" once, as a word)
    const stems = parts.map(stem);
    for (const [term, weight] of phraseSiblings(stems) ?? []) {
      if (vocab.has(term) && !stems.includes(term)) variants.set(term, weight * tuning.concept);
    }
    for (const related of relatedWords(parts.join('_'))) {
      // a phrase stands for one act, which APIs name with their own verbs (a relation, then its API synonyms)
      for (const [term, sibling] of synonymsOf(stem(related.word))) {
        if (vocab.has(term)) variants.set(term, Math.max(variants.get(term) ?? 0, related.weight * sibling * tuning.related));
      }
    }
    if (variants.size > 0) return { text: parts.join(' '), own: stem(parts[0]), variants, length, compound: false };
  }
  return undefined;
}

/** Catalog words one typing slip away (a letter added, dropped, changed or two swapped), for words it lacks. */
function misspellings(word: string, own: string, vocab: Vocabulary): Map<string, number> {
  const out = new Map<string, number>();
  if (word.length < MIN_FUZZY_LENGTH) return out;
  for (const term of vocab.vocabulary) {
    if (Math.abs(term.length - word.length) > 1 && Math.abs(term.length - own.length) > 1) continue;
    if (oneEditApart(word, term) || oneEditApart(own, term)) out.set(term, 1);
    if (out.size >= MAX_FUZZY_EXPANSIONS) break;
  }
  return out;
}

/** Damerau-Levenshtein distance exactly 1. */
export function oneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // one changed
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // two swapped
  }
  const [longer, shorter] = a.length > b.length ? [a, b] : [b, a];
  return longer.slice(i + 1) === shorter.slice(i); // one added or dropped
}

function expand(own: string, vocab: Vocabulary, tuning: Tuning, word = own): Map<string, number> {
  const variants = synonymsOf(own);
  for (const [term, weight] of conceptSiblings(own)) {
    if (weight * tuning.concept > (variants.get(term) ?? 0)) variants.set(term, weight * tuning.concept);
  }
  // a word the catalog lacks may be the start or the longer form of one it has ("notif", "assignees");
  // a word it has means itself ("repo" is not "report")
  if (!vocab.has(own)) {
    for (const [term, weight] of prefixMatches(own, vocab, tuning.prefix)) {
      if (!variants.has(term)) variants.set(term, weight);
    }
  }
  for (const related of relatedWords(word)) {
    const term = stem(related.word);
    const weight = related.weight * tuning.related;
    if (vocab.has(term) && weight > (variants.get(term) ?? 0)) variants.set(term, weight);
  }
  if (tuning.cooccurring > 0 && vocab.companionsOf) {
    for (const [term, association] of vocab.companionsOf(own)) {
      const weight = association * tuning.cooccurring;
      if (weight > (variants.get(term) ?? 0)) variants.set(term, weight);
    }
  }
  return variants;
}

/** Indexed stems that extend this one ("assign" -> "assigne") or that it extends, weighted by how much they share. */
function prefixMatches(own: string, vocab: Vocabulary, weight: number): Map<string, number> {
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
    if (list[i] !== own) out.set(list[i], weight * Math.sqrt(own.length / list[i].length));
  }
  for (let cut = own.length - 1; cut >= Math.max(4, own.length - 3); cut--) {
    const shorter = own.slice(0, cut);
    if (vocab.has(shorter)) out.set(shorter, weight * Math.sqrt(cut / own.length));
  }
  return out;
}

/** "unwatch" -> "watch" when the catalog knows the rest; "under" and "unique" stay whole. */
function undoVerb(word: string, vocab: Vocabulary): string | undefined {
  if (!word.startsWith('un') || word.length < 6) return undefined;
  const rest = stem(word.slice(2));
  return vocab.has(rest) && !vocab.has(stem(word)) ? rest : undefined;
}
