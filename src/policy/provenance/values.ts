// Where a value came from, found by matching it on the host against every value that entered the sandbox: the
// sandbox can compute anything (eval included), so nothing inside it is trusted to carry a label. A value is
// found when it is equal to one that entered (any length: numbers, short strings), when it holds a whole one
// as words (case ignored), or when it shares a run of `minMatch` letters and digits with one, forwards or
// reversed, also inside base64 or JSON text it carries.

/** Where a value that entered the sandbox came from, and who may read it when it is restricted. */
export interface Label {
  /** `tool:crm.getCustomer`, `llm`, `client-tool`. */
  origin: string;
  /** Set when the value is restricted data: the readers named by the call that read it (lower-case). */
  readers?: ReadonlySet<string>;
  /** Remembered from an earlier execution of the client: a literal in this program does not clear it. */
  remembered?: boolean;
}

export type MatchKind = 'equal' | 'words' | 'fragment' | 'reversed' | 'base64' | 'json' | 'url-encoded';

export interface Match {
  label: Label;
  how: MatchKind;
  /**
   * Every label the same matched value carries (the same word, the same run of text): a value that several
   * sources gave (a city a weather tool named too, a status two customers share) may have come from any.
   */
  siblings: readonly Label[];
  /** fragment and reversed: the runs of the normalised value it shares with the label's text, [start, end). */
  spans?: readonly (readonly [number, number])[];
}

/** Strings this short are matched only when equal: as words inside longer text they are too common. */
export const MIN_WORDS_CHARS = 4;
/** Longer strings are matched as words only up to this length; past it, fragments find them. */
const MAX_WORDS_CHARS = 64;
const MAX_DEPTH = 64;
/** Text indexed per value at most: past it, only its start is indexed. */
const MAX_TEXT_CHARS = 1024 * 1024;
const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;

const normalise = (text: string): string => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
const isWordChar = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code > 127;

export class ValueIndex {
  /** `s<text>` and `n<number>` of every leaf. */
  private readonly equal = new Map<string, Label[]>();
  /** Lower-cased strings of MIN_WORDS_CHARS..MAX_WORDS_CHARS (and long numbers), matched at word boundaries. */
  private readonly words = new Map<string, Label[]>();
  /** The lengths of the keys of `words`: only runs of these lengths are looked up. */
  private readonly wordLengths = new Set<number>();
  /** Normalised texts of at least minMatch characters, with k-grams sampled every k characters. */
  private readonly texts: { text: string; label: Label }[] = [];
  private readonly grams = new Map<string, number[]>();
  private readonly k: number;
  /** Characters indexed so far, for the memory figure. */
  indexedChars = 0;

  constructor(readonly minMatch = 16) {
    // a common run of minMatch characters always holds one whole sampled k-gram when 2k - 1 <= minMatch
    this.k = Math.max(4, Math.floor((minMatch + 1) / 2));
  }

  get size(): number {
    return this.equal.size;
  }

  /**
   * Indexes every string and number of `value` under `label`; `skip` leaves a leaf out. Object keys are not
   * indexed: they name fields (account, notes, email), and as words they would be found in any sentence.
   */
  add(value: unknown, label: Label, skip?: (leaf: string | number) => boolean): void {
    walkLeaves(value, (leaf) => {
      if (!skip?.(leaf)) this.addLeaf(leaf, label);
    }, 0, false);
  }

  /** Every label a leaf value carries, and how it was found. */
  find(leaf: string | number): Match[] {
    const out: Match[] = [];
    const seen = new Set<Label>();
    const push = (labels: readonly Label[] | undefined, how: MatchKind, spans?: Map<Label, [number, number][]>) => {
      if (!labels) return;
      for (const label of labels) {
        if (seen.has(label)) continue;
        seen.add(label);
        out.push({ label, how, siblings: labels, ...(spans && { spans: spans.get(label) }) });
      }
    };
    if (typeof leaf === 'number') {
      push(this.equal.get(`n${leaf}`), 'equal');
      push(this.equal.get(`s${leaf}`), 'equal');
      return out;
    }
    this.findText(leaf, push, 0);
    return out;
  }

  private findText(text: string, push: (labels: readonly Label[] | undefined, how: MatchKind, spans?: Map<Label, [number, number][]>) => void, depth: number): void {
    push(this.equal.get(`s${text}`), 'equal');
    const trimmed = text.trim();
    if (trimmed !== '' && trimmed.length < 32 && Number.isFinite(Number(trimmed))) push(this.equal.get(`n${Number(trimmed)}`), 'equal');
    if (text.length < MIN_WORDS_CHARS) return;
    if (this.words.size > 0) this.findWords(text, push);
    if (this.texts.length > 0) {
      const norm = normalise(text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) : text);
      const forwards = this.findFragments(norm);
      if (forwards.size > 0) push([...forwards.keys()], 'fragment', forwards);
      const backwards = this.findFragments([...norm].reverse().join(''));
      if (backwards.size > 0) push([...backwards.keys()], 'reversed', backwards);
    }
    if (depth > 0) return;
    if (PERCENT_ESCAPE.test(text)) {
      const decoded = decodePercent(text);
      if (decoded !== text) this.findText(decoded, (labels) => push(labels, 'url-encoded'), 1);
    }
    const json = parsedJson(trimmed);
    if (json !== undefined) walkLeaves(json, (inner) => (typeof inner === 'number' ? push(this.equal.get(`n${inner}`), 'json') : this.findText(inner, (labels) => push(labels, 'json'), 1)));
    for (const run of text.match(BASE64_RUN) ?? []) {
      const decoded = decodeBase64(run);
      if (decoded) this.findText(decoded, (labels) => push(labels, 'base64'), 1);
    }
  }

  /** Every run of whole words (4 to 64 characters, not cut inside a word) of the text, looked up lower-cased. */
  private findWords(text: string, push: (labels: readonly Label[] | undefined, how: MatchKind) => void): void {
    const lower = text.toLowerCase();
    const length = lower.length;
    const space = (i: number) => lower.charCodeAt(i) <= 32;
    // where a run may end: not inside a word, not after a space; found once, walked from each start
    const ends: number[] = [];
    for (let end = 1; end <= length; end++) {
      if (space(end - 1) || (end < length && isWordChar(lower.charCodeAt(end)) && isWordChar(lower.charCodeAt(end - 1)))) continue;
      ends.push(end);
    }
    let first = 0;
    for (let start = 0; start + MIN_WORDS_CHARS <= length; start++) {
      if (space(start) || (start > 0 && isWordChar(lower.charCodeAt(start)) && isWordChar(lower.charCodeAt(start - 1)))) continue;
      while (first < ends.length && ends[first] < start + MIN_WORDS_CHARS) first++;
      for (let i = first; i < ends.length && ends[i] - start <= MAX_WORDS_CHARS; i++) {
        if (!this.wordLengths.has(ends[i] - start)) continue;
        const labels = this.words.get(lower.slice(start, ends[i]));
        if (labels) push(labels, 'words');
      }
    }
  }

  /** Runs of minMatch or more normalised characters shared with indexed texts: for each label, where in `norm`. */
  private findFragments(norm: string): Map<Label, [number, number][]> {
    const { k, minMatch } = this;
    const found = new Map<Label, [number, number][]>();
    if (norm.length < minMatch) return found;
    for (let pos = 0; pos + k <= norm.length; pos++) {
      const places = this.grams.get(norm.slice(pos, pos + k));
      if (!places) continue;
      for (let i = 0; i < places.length; i += 2) {
        const { text, label } = this.texts[places[i]];
        const at = places[i + 1];
        let before = 0;
        while (pos - before > 0 && at - before > 0 && norm.charCodeAt(pos - before - 1) === text.charCodeAt(at - before - 1)) before++;
        let after = k;
        while (pos + after < norm.length && at + after < text.length && norm.charCodeAt(pos + after) === text.charCodeAt(at + after)) after++;
        if (before + after < minMatch) continue;
        let spans = found.get(label);
        if (!spans) found.set(label, (spans = []));
        const last = spans[spans.length - 1];
        if (last && pos - before <= last[1]) last[1] = Math.max(last[1], pos + after);
        else spans.push([pos - before, pos + after]);
      }
    }
    return found;
  }

  private addLeaf(leaf: string | number, label: Label): void {
    if (typeof leaf === 'number') {
      if (!Number.isFinite(leaf)) return;
      this.tag(this.equal, `n${leaf}`, label);
      const digits = String(leaf);
      if (digits.replace(/\D/g, '').length >= MIN_WORDS_CHARS) this.addWords(digits, label);
      this.indexedChars += digits.length;
      return;
    }
    if (leaf === '') return;
    this.tag(this.equal, `s${leaf}`, label);
    const text = leaf.length > MAX_TEXT_CHARS ? leaf.slice(0, MAX_TEXT_CHARS) : leaf;
    this.indexedChars += text.length;
    const trimmed = text.trim();
    if (trimmed.length >= MIN_WORDS_CHARS && trimmed.length <= MAX_WORDS_CHARS) this.addWords(trimmed.toLowerCase(), label);
    const norm = normalise(text);
    if (norm.length >= this.minMatch) this.addText(norm, label);
  }

  private addWords(phrase: string, label: Label): void {
    this.tag(this.words, phrase, label);
    this.wordLengths.add(phrase.length);
  }

  private addText(norm: string, label: Label): void {
    const index = this.texts.push({ text: norm, label }) - 1;
    const { k } = this;
    const sample = (pos: number) => {
      const gram = norm.slice(pos, pos + k);
      let places = this.grams.get(gram);
      if (!places) this.grams.set(gram, (places = []));
      places.push(index, pos);
    };
    for (let pos = 0; pos + k <= norm.length; pos += k) sample(pos);
    if (norm.length % k !== 0) sample(norm.length - k);
  }

  private tag(map: Map<string, Label[]>, key: string, label: Label): void {
    const labels = map.get(key);
    if (!labels) map.set(key, [label]);
    else if (!labels.includes(label)) labels.push(label);
  }
}

/** Calls `visit` with every string and number of a JSON-like value, and its object keys with `keys`. */
export function walkLeaves(value: unknown, visit: (leaf: string | number) => void, depth = 0, keys = true): void {
  if (typeof value === 'string' || typeof value === 'number') return visit(value);
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) walkLeaves(item, visit, depth + 1, keys);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (keys) visit(key);
    walkLeaves(item, visit, depth + 1, keys);
  }
}

function parsedJson(text: string): unknown {
  if (!(text.startsWith('{') && text.endsWith('}')) && !(text.startsWith('[') && text.endsWith(']'))) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The text with its %XX escapes decoded (each valid UTF-8 run of them; others left as they are). */
function decodePercent(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  }).replace(/\+/g, ' ');
}

/** The text a base64 (or base64url) run encodes, when it is mostly printable UTF-8. */
function decodeBase64(run: string): string | undefined {
  const text = Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  if (text.length < 4 || text.includes('\uFFFD')) return undefined;
  let printable = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 32 || code === 9 || code === 10 || code === 13) printable++;
  }
  return printable / text.length > 0.9 ? text : undefined;
}
