#!/usr/bin/env node
// Checks the search evaluation sets in this folder against the API catalogs they were written for:
// every answer's operationId exists with that method and path, the package version is the installed
// one, ids and questions are unique (within a file and across the files of one catalog), and the
// tune/test split is the seeded, stratified one below. A held-out file (every question "holdout",
// e.g. github-fresh.json) has no split: it is checked for the rest and `--write` leaves it alone.
// `node bench/search-eval/check.js` fails (exit 1) on any problem; `--write` (re)assigns the halves.
// It never runs the search ranking: it only reads the sets and the catalogs.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const MIN_QUESTIONS = 60;

/** operationId -> { method, path, tag } for one OpenAPI 3.x or Swagger 2.0 document. */
function operationsOf(document) {
  const byId = new Map();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (!op?.operationId) continue;
      if (byId.has(op.operationId)) throw new Error(`the catalog itself repeats operationId ${op.operationId}`);
      byId.set(op.operationId, { method: method.toUpperCase(), path, tag: op.tags?.[0] ?? '(untagged)' });
    }
  }
  return byId;
}

function loadCatalog(set) {
  const at = set.package.lastIndexOf('@');
  const name = set.package.slice(0, at);
  const version = set.package.slice(at + 1);
  const dir = join(root, 'node_modules', ...name.split('/'));
  const installed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  if (installed !== version) {
    throw new Error(`${set.package} is written against ${version} but ${installed} is installed: re-check the answers, then update "package"`);
  }
  const text = readFileSync(join(dir, set.document), 'utf8');
  return operationsOf(/\.ya?ml$/i.test(set.document) ? parseYaml(text) : JSON.parse(text));
}

// Small seeded PRNG (mulberry32) and string hash (FNV-1a): the same split on every machine.
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * id -> 'tune' | 'test'. Questions are grouped by the tag of their first answer (groups in name
 * order, questions in id order), each group shuffled with a PRNG seeded by the catalog's name, and
 * the concatenation dealt alternately: each tag splits within one, and so does the whole set.
 */
export function splitHalves(catalog, questions, operations) {
  const random = mulberry32(hash(`search-eval:${catalog}`));
  const groups = new Map();
  for (const q of [...questions].sort((a, b) => a.id.localeCompare(b.id))) {
    const tag = operations.get(q.answers[0].operationId)?.tag ?? '(unknown)';
    if (!groups.has(tag)) groups.set(tag, []);
    groups.get(tag).push(q.id);
  }
  const order = [];
  for (const tag of [...groups.keys()].sort()) {
    const ids = groups.get(tag);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [ids[i], ids[j]] = [ids[j], ids[i]];
    }
    order.push(...ids);
  }
  const first = random() < 0.5 ? 0 : 1;
  return new Map(order.map((id, i) => [id, (i + first) % 2 === 0 ? 'tune' : 'test']));
}

function checkSet(file, write) {
  const problems = [];
  const set = JSON.parse(readFileSync(join(here, file), 'utf8'));
  for (const field of ['catalog', 'package', 'document', 'written', 'questions']) {
    if (set[field] === undefined) problems.push(`missing "${field}"`);
  }
  if (problems.length > 0) return { problems };
  const operations = loadCatalog(set);
  const ids = new Set();
  const texts = new Set();
  for (const q of set.questions) {
    if (ids.has(q.id)) problems.push(`${q.id}: id used twice`);
    ids.add(q.id);
    const text = String(q.q ?? '').trim().toLowerCase();
    if (text === '') problems.push(`${q.id}: empty question`);
    if (texts.has(text)) problems.push(`${q.id}: the same question twice`);
    texts.add(text);
    if (!Array.isArray(q.answers) || q.answers.length === 0) {
      problems.push(`${q.id}: no answers`);
      continue;
    }
    for (const a of q.answers) {
      const op = operations.get(a.operationId);
      if (!op) problems.push(`${q.id}: unknown operationId ${a.operationId}`);
      else if (op.method !== a.method || op.path !== a.path) {
        problems.push(`${q.id}: ${a.operationId} is ${op.method} ${op.path}, not ${a.method} ${a.path}`);
      }
    }
  }
  if (set.questions.length < MIN_QUESTIONS) problems.push(`${set.questions.length} questions, fewer than ${MIN_QUESTIONS}`);
  if (problems.length > 0) return { problems, set };

  const count = (half) => set.questions.filter((q) => q.half === half).length;
  const tags = new Set(set.questions.flatMap((q) => q.answers.map((a) => operations.get(a.operationId).tag)));
  const answered = new Set(set.questions.flatMap((q) => q.answers.map((a) => a.operationId)));
  const coverage = `${answered.size} of ${operations.size} operations and ${tags.size} tags answered`;

  // A held-out file: every question is "holdout", none is tuned on, so there is no split to check.
  const holdout = count('holdout');
  if (holdout > 0) {
    if (holdout < set.questions.length) {
      problems.push(`${holdout} of ${set.questions.length} questions are "holdout": a file is held out as a whole or not at all`);
    }
    return { problems, set, summary: `${set.catalog}: ${set.questions.length} questions (all holdout), ${coverage}` };
  }

  const halves = splitHalves(set.catalog, set.questions, operations);
  if (write) {
    for (const q of set.questions) q.half = halves.get(q.id);
    writeFileSync(join(here, file), `${JSON.stringify(set, null, 2)}\n`);
  }
  for (const q of set.questions) {
    if (q.half !== halves.get(q.id)) problems.push(`${q.id}: half is ${q.half}, the seeded split says ${halves.get(q.id)} (run with --write)`);
  }
  return {
    problems,
    set,
    summary: `${set.catalog}: ${set.questions.length} questions (tune ${count('tune')}, test ${count('test')}), ${coverage}`,
  };
}

/** Problems with ids or questions that two files of the same catalog share (file -> [problem]). */
function crossFileProblems(sets) {
  const problems = new Map();
  const seen = new Map(); // JSON [catalog, 'id:...' or 'q:...'] -> where it was first seen
  for (const [file, set] of sets) {
    for (const q of set.questions ?? []) {
      const keys = [[`id:${q.id}`, 'id'], [`q:${String(q.q ?? '').trim().toLowerCase()}`, `question "${q.q}"`]];
      for (const [key, what] of keys) {
        const at = JSON.stringify([set.catalog, key]);
        const first = seen.get(at);
        if (first === undefined) seen.set(at, { file, id: q.id });
        else if (first.file !== file) {
          if (!problems.has(file)) problems.set(file, []);
          problems.get(file).push(`${q.id}: the same ${what} as ${first.id} in ${first.file} (both are ${set.catalog} sets)`);
        }
      }
    }
  }
  return problems;
}

const write = process.argv.includes('--write');
let failed = false;
const sets = new Map();
for (const file of readdirSync(here).filter((f) => f.endsWith('.json')).sort()) {
  let result;
  try {
    result = checkSet(file, write);
  } catch (error) {
    result = { problems: [error.message] };
  }
  if (result.set) sets.set(file, result.set);
  if (result.summary) console.log(`${file}: ${result.summary}`);
  for (const p of result.problems) console.error(`${file}: ${p}`);
  if (result.problems.length > 0) failed = true;
}
for (const [file, problems] of crossFileProblems(sets)) {
  for (const p of problems) console.error(`${file}: ${p}`);
  failed = true;
}
process.exitCode = failed ? 1 : 0;
