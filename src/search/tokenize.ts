// Words from names and prose, reduced to light stems so "repositories", "repository" and
// "Repository" meet, and "listForOrg", "list-for-org" and "list_for_org" split the same way.

const STOPWORDS = new Set([
  'a', 'an', 'the', 'of', 'to', 'in', 'into', 'for', 'on', 'by', 'with', 'and', 'or', 'is', 'are', 'be', 'been',
  'this', 'that', 'these', 'those', 'it', 'its', 'from', 'as', 'at', 'your', 'you', 'can', 'will', 'if', 'not',
  'my', 'me', 'i', 'we', 'our', 'some', 'any', 'how', 'do', 'does', 'which', 'what', 'when', 'there', 'their',
  'them', 'they', 'than', 'then', 'also', 'only', 'such', 'via', 'use', 'using', 'used', 'should', 'would', 'could',
  'may', 'must', 'has', 'have', 'had', 'was', 'were', 'but', 'so', 'up', 'out', 'about', 'more', 'see', 'e', 'g',
  'want', 'need', 'please', 'api', 'endpoint', 'function', 'who', 'whom', 'whose', 'where', 'why',
]);

/** Splits camelCase, acronyms, digits and every separator: `getUserByID2` -> [get, user, by, id, 2]. */
export function splitWords(text: string): string[] {
  // one pass over the characters: regex replace chains were the index build's hot spot
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const kind = i < text.length ? charKind(text.charCodeAt(i)) : OTHER;
    if (kind === OTHER) {
      if (start >= 0) words.push(text.slice(start, i).toLowerCase());
      start = -1;
      continue;
    }
    if (start < 0) {
      start = i;
      continue;
    }
    const previous = charKind(text.charCodeAt(i - 1));
    const next = i + 1 < text.length ? charKind(text.charCodeAt(i + 1)) : OTHER;
    const boundary =
      (kind === UPPER && (previous === LOWER || previous === DIGIT)) || // fooBar, v2Api
      (kind === UPPER && previous === UPPER && next === LOWER) || // URLPath -> URL Path
      (kind === DIGIT && previous !== DIGIT); // repo2 -> repo 2
    if (boundary) {
      words.push(text.slice(start, i).toLowerCase());
      start = i;
    }
  }
  return words;
}

const OTHER = 0;
const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;

function charKind(code: number): number {
  if (code >= 97 && code <= 122) return LOWER;
  if (code >= 65 && code <= 90) return UPPER;
  if (code >= 48 && code <= 57) return DIGIT;
  if (code < 128) return OTHER;
  const char = String.fromCharCode(code);
  if (/\p{Lu}/u.test(char)) return UPPER;
  return /[\p{L}\p{M}]/u.test(char) ? LOWER : OTHER; // accented and non-Latin letters are word characters
}

const stems = new Map<string, string>();
const STEM_CACHE_SIZE = 50_000;

/** Plural, -ing, -ed and a final e removed, so each family of forms meets at one stem. */
export function stem(word: string): string {
  let known = stems.get(word);
  if (known === undefined) {
    known = stemUncached(word);
    if (stems.size >= STEM_CACHE_SIZE) stems.clear();
    stems.set(word, known);
  }
  return known;
}

// plain character tests, not regular expressions: a query's first sight of WordNet's related words stems
// hundreds of new words
function stemUncached(word: string): string {
  let w = word;
  if (w.length <= 3 || hasDigit(w) || KEEP.has(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('es') && (w.endsWith('sses') || w.endsWith('shes') || w.endsWith('ches') || w.endsWith('xes') || w.endsWith('zes'))) w = w.slice(0, -2);
  else if (w.endsWith('uses') && w.length > 6) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  if (KEEP.has(w)) return w;
  if (w.endsWith('ee') && w.length >= 7) return w.slice(0, -2); // assignee -> assign, employee -> employ
  if (w.endsWith('ied') && w.length > 4) w = w.slice(0, -3) + 'y';
  else w = stripSuffix(w, 'ing') ?? stripSuffix(w, 'ed') ?? w;
  if (w.length > 3 && w.endsWith('e') && !w.endsWith('ee')) w = w.slice(0, -1);
  return w;
}

function hasDigit(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i);
    if (code >= 48 && code <= 57) return true;
  }
  return false;
}

function hasVowel(word: string): boolean {
  for (let i = 0; i < word.length; i++) if ('aeiouy'.includes(word[i])) return true;
  return false;
}

// Words the suffix rules would damage ("embed" is not "emb" + "ed").
const KEEP = new Set(['embed', 'need', 'feed', 'seed', 'speed', 'shed', 'bring', 'thing', 'during', 'news', 'series', 'setting']);

// "running" -> "run", "watched" -> "watch"; stems shorter than three letters are not trusted ("used" stays).
function stripSuffix(word: string, suffix: string): string | undefined {
  if (!word.endsWith(suffix)) return undefined;
  let base = word.slice(0, -suffix.length);
  if (base.length < 3 || !hasVowel(base)) return undefined;
  // a doubled final consonant other than l, s, z goes with the suffix ("running" -> "run", "calling" stays "call")
  const last = base[base.length - 1];
  if (base.length >= 4 && last === base[base.length - 2] && !'aeiouylsz'.includes(last)) base = base.slice(0, -1);
  return base;
}

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}

/** Stems of the meaningful words of a text, in order, repeats kept (term frequency matters). */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of splitWords(text)) {
    if (isStopword(word)) continue;
    out.push(stem(word));
  }
  return out;
}
