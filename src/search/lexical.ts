// BM25F over a function's fields, with synonyms, prefixes and a boost for asking by name.
// Built once per catalog; a query touches only the postings of its own terms.

import type { CatalogEntry } from '../catalog/index.js';
import { learnCooccurrence } from './cooccurrence.js';
import { queryIntent } from './intent.js';
import { describingTerms, FIELDS, functionText, topicalTerms, type FunctionText } from './fields.js';
import { analyzeQuery } from './query.js';
import { splitWords } from './tokenize.js';
import { topK } from './top.js';
import { DEFAULT_TUNING, type Tuning } from './tuning.js';

/** A deprecated function ranks below its replacement, which usually shares its words. */
const DEPRECATED_FACTOR = 0.5;
/** Asking for a function by its name ("issues.create", "getUserById") puts it first. */
const EXACT_NAME_BOOST = 2;

interface Posting {
  docs: Int32Array;
  /** Field-weighted, length-normalised term frequency per doc (BM25F's pseudo-frequency). */
  weights: Float64Array;
  /** 1 where the term is a word of the function's own name. */
  inName: Uint8Array;
  idf: number;
}

export interface RankedEntry {
  entry: CatalogEntry;
  score: number;
  /** The query spelled this function's name: it stays first whatever else is fused in. */
  exact?: boolean;
}

export interface LexicalIndex {
  readonly size: number;
  /** The functions with a positive score, best first, at most `limit` of them; `accept` narrows the candidates. */
  rank(query: string, accept?: (entry: CatalogEntry) => boolean, limit?: number): RankedEntry[];
}

export function buildLexicalIndex(entries: Iterable<CatalogEntry>, tuning: Tuning = DEFAULT_TUNING): LexicalIndex {
  const docs: CatalogEntry[] = [];
  const texts: FunctionText[] = [];
  const memo = new Map<string, string[]>();
  for (const entry of entries) {
    docs.push(entry);
    texts.push(functionText(entry, memo));
  }
  const postings = buildPostings(texts, tuning);
  const K1 = tuning.k1;
  const vocabulary = [...postings.keys()].sort();
  const has = (term: string) => postings.has(term);
  const cooccurrence = learnCooccurrence(texts.map(topicalTerms));
  const companionsOf = (term: string) => cooccurrence.companionsOf(term);
  // per-query scratch space, reused: a query allocates only its result list
  const total = new Float64Array(docs.length);
  const best = new Float64Array(docs.length);
  const bestName = new Float64Array(docs.length);
  const covered = new Float64Array(docs.length);
  const touched = new Int32Array(docs.length);
  const seen = new Uint8Array(docs.length);
  const final = new Float64Array(docs.length);
  const named = new Uint8Array(docs.length);

  function rank(query: string, accept?: (entry: CatalogEntry) => boolean, limit = Infinity): RankedEntry[] {
    const queryTerms = analyzeQuery(query, { has, vocabulary, companionsOf }, tuning);
    if (queryTerms.length === 0 || docs.length === 0) return [];
    let matched = 0; // docs touched by any term, listed in touched[0..matched)
    total.fill(0);
    covered.fill(0);
    seen.fill(0);
    for (const queryTerm of queryTerms) {
      best.fill(0);
      bestName.fill(0);
      // a rare synonym must not outweigh the word asked for: the asked word's rarity caps every variant's
      const ownIdf = postings.get(queryTerm.own)?.idf ?? Infinity;
      for (const [term, weight] of queryTerm.variants) {
        const posting = postings.get(term);
        if (!posting) continue;
        const termIdf = Math.min(posting.idf, ownIdf) * weight * queryTerm.weight;
        const { docs: list, weights, inName } = posting;
        for (let i = 0; i < list.length; i++) {
          const doc = list[i];
          const tf = weights[i];
          const score = (termIdf * tf * (K1 + 1)) / (K1 + tf);
          if (score > best[doc]) best[doc] = score;
          if (inName[i] === 1 && weight > bestName[doc]) bestName[doc] = weight;
          if (seen[doc] === 0) {
            seen[doc] = 1;
            touched[matched++] = doc;
          }
        }
      }
      for (let i = 0; i < matched; i++) {
        const doc = touched[i];
        total[doc] += best[doc];
        covered[doc] += bestName[doc];
      }
    }
    const intent = tuning.intent > 0 ? queryIntent(query) : undefined;
    const exact = splitWords(query).join(' ').replace(/^api /, ''); // "api.github.issues.create" names github.issues.create
    const candidates: number[] = [];
    for (let i = 0; i < matched; i++) {
      const doc = touched[i];
      if (total[doc] <= 0 || (accept && !accept(docs[doc]))) continue;
      const text = texts[doc];
      // one name word per query word: the share of the function's name the query accounts for
      const coverage = text.nameTerms.size > 0 ? Math.min(1, covered[doc] / text.nameTerms.size) : 0;
      // a query naming all of `repos/get` beats `repos/get-content`
      let score = total[doc] * (1 + tuning.nameCoverage * coverage);
      named[doc] = exact !== '' && text.nameForms.has(exact) ? 1 : 0;
      if (named[doc]) score *= 1 + EXACT_NAME_BOOST;
      if (text.deprecated) score *= DEPRECATED_FACTOR;
      const readOnly = docs[doc].tool.annotations?.readOnly;
      // a question is answered by a function that reads; a command by one that changes something
      if (intent && readOnly !== undefined && readOnly === (intent === 'read')) score *= 1 + tuning.intent;
      final[doc] = score;
      candidates.push(doc);
    }
    // best score first; on a tie the shorter, then alphabetically first, name: the general function before its variants
    const before = (a: number, b: number) => {
      if (final[a] !== final[b]) return final[a] > final[b];
      const x = docs[a].id;
      const y = docs[b].id;
      return x.length !== y.length ? x.length < y.length : x < y;
    };
    return topK(candidates, Math.min(limit, candidates.length), before).map((doc) =>
      named[doc] ? { entry: docs[doc], score: final[doc], exact: true } : { entry: docs[doc], score: final[doc] });
  }

  return { size: docs.length, rank };
}

function buildPostings(texts: readonly FunctionText[], { fieldWeight, fieldB, rarityWhereDescribed }: Tuning): Map<string, Posting> {
  const averages = FIELDS.map((_, f) => texts.reduce((sum, text) => sum + text.fields[f].length, 0) / Math.max(1, texts.length) || 1);
  const lists = new Map<string, { docs: number[]; weights: number[]; inName: number[] }>();
  // rarity counted where a word says what a function is about: "owner" in every parameter list must
  // not make it worthless in the one function named for owners
  const describedDf = new Map<string, number>();
  for (const text of texts) for (const term of describingTerms(text)) describedDf.set(term, (describedDf.get(term) ?? 0) + 1);
  texts.forEach((text, doc) => {
    const pseudo = new Map<string, number>();
    text.fields.forEach((fieldTerms, f) => {
      const norm = 1 - fieldB[f] + (fieldB[f] * fieldTerms.length) / averages[f];
      for (const term of fieldTerms) pseudo.set(term, (pseudo.get(term) ?? 0) + fieldWeight[f] / norm);
    });
    for (const [term, weight] of pseudo) {
      let list = lists.get(term);
      if (!list) lists.set(term, (list = { docs: [], weights: [], inName: [] }));
      list.docs.push(doc);
      list.weights.push(weight);
      list.inName.push(text.nameTerms.has(term) ? 1 : 0);
    }
  });
  const postings = new Map<string, Posting>();
  for (const [term, list] of lists) {
    const df = rarityWhereDescribed ? (describedDf.get(term) ?? list.docs.length) : list.docs.length;
    postings.set(term, {
      docs: Int32Array.from(list.docs),
      weights: Float64Array.from(list.weights),
      inName: Uint8Array.from(list.inName),
      idf: Math.log(1 + (texts.length - df + 0.5) / (df + 0.5)),
    });
  }
  return postings;
}
