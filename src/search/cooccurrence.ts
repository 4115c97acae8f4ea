// Words a catalog uses together, learned from its own text: in a calendar API "event" keeps company with
// "attendee", in a shipping one "parcel" with "label". A query word then also finds, weighted lower, the
// functions that say its usual companions without saying it. Learned per word on first use, not up front.

/** Fields whose words say what a function is about (name, summary, keywords, parameter names), by index. */
export type TopicalTerms = readonly (readonly string[])[];

/** At least this many functions must say both words: one shared function is chance. */
const MIN_SHARED = 2;
/** Companions weaker than this (cosine of the two words' function sets) are not used. */
const MIN_ASSOCIATION = 0.25;
const MAX_COMPANIONS = 6;
/** A word in more than this share of the functions (a group's name, a common tag) keeps company with all. */
const MAX_SHARE = 0.5;
/** A word asked for that is in more than this share of the functions is common enough to need no companions. */
const MAX_LEARNED_SHARE = 0.1;
const CACHE_SIZE = 5_000;

export interface Cooccurrence {
  /** term -> association in (0, 1], strongest first; the term itself is not listed. */
  companionsOf(term: string): Map<string, number>;
}

export function learnCooccurrence(docTerms: TopicalTerms): Cooccurrence {
  // words as numbers, each function's words as a list of them: learning a word counts into one typed array
  const ids = new Map<string, number>();
  const words: string[] = [];
  const docIds = docTerms.map((terms) => Int32Array.from(terms, (term) => {
    let id = ids.get(term);
    if (id === undefined) {
      ids.set(term, (id = words.length));
      words.push(term);
    }
    return id;
  }));
  const docsOf: number[][] = words.map(() => []);
  docIds.forEach((terms, doc) => {
    for (const id of terms) docsOf[id].push(doc);
  });
  const shared = new Int32Array(words.length);
  const cache = new Map<string, Map<string, number>>();

  function learn(term: string): Map<string, number> {
    const out = new Map<string, number>();
    const id = ids.get(term);
    if (id === undefined) return out;
    const docs = docsOf[id];
    if (docs.length < MIN_SHARED || docs.length > Math.max(MIN_SHARED, MAX_LEARNED_SHARE * docTerms.length)) return out;
    const touched: number[] = [];
    for (const doc of docs) {
      for (const other of docIds[doc]) {
        if (other === id) continue;
        if (shared[other]++ === 0) touched.push(other);
      }
    }
    const scored: [string, number][] = [];
    const common = MAX_SHARE * docTerms.length;
    for (const other of touched) {
      const count = shared[other];
      shared[other] = 0;
      const otherDocs = docsOf[other].length;
      if (count < MIN_SHARED || otherDocs > common) continue;
      const association = count / Math.sqrt(docs.length * otherDocs);
      if (association >= MIN_ASSOCIATION) scored.push([words[other], association]);
    }
    scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    for (const [other, association] of scored.slice(0, MAX_COMPANIONS)) out.set(other, association);
    return out;
  }

  return {
    companionsOf(term) {
      let known = cache.get(term);
      if (!known) {
        known = learn(term);
        if (cache.size >= CACHE_SIZE) cache.clear();
        cache.set(term, known);
      }
      return known;
    },
  };
}
