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
  const docsOf = new Map<string, number[]>();
  docTerms.forEach((terms, doc) => {
    for (const term of terms) {
      let list = docsOf.get(term);
      if (!list) docsOf.set(term, (list = []));
      list.push(doc);
    }
  });
  const cache = new Map<string, Map<string, number>>();

  function learn(term: string): Map<string, number> {
    const docs = docsOf.get(term);
    const out = new Map<string, number>();
    if (!docs || docs.length < MIN_SHARED || docs.length > Math.max(MIN_SHARED, MAX_LEARNED_SHARE * docTerms.length)) return out;
    const shared = new Map<string, number>();
    for (const doc of docs) for (const other of docTerms[doc]) if (other !== term) shared.set(other, (shared.get(other) ?? 0) + 1);
    const scored: [string, number][] = [];
    const common = MAX_SHARE * docTerms.length;
    for (const [other, count] of shared) {
      if (count < MIN_SHARED || docsOf.get(other)!.length > common) continue;
      const association = count / Math.sqrt(docs.length * docsOf.get(other)!.length);
      if (association >= MIN_ASSOCIATION) scored.push([other, association]);
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
