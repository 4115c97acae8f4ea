// A small vocabulary of API verbs and abbreviations: people ask to "fetch a repo", specs say
// "Get a repository". Kept short on purpose: every entry here changes every ranking.

import { stem } from './tokenize.js';

/** Words that mean the same action or thing, and how much a match on a sibling counts. */
const GROUPS: { words: string[]; weight: number }[] = [
  { words: ['get', 'fetch', 'retrieve', 'read', 'show', 'view', 'obtain', 'lookup', 'describe', 'inspect'], weight: 0.7 },
  { words: ['list', 'all', 'enumerate', 'browse'], weight: 0.7 },
  { words: ['create', 'add', 'new', 'make', 'insert', 'register', 'post'], weight: 0.7 },
  { words: ['update', 'edit', 'modify', 'patch', 'change', 'alter', 'set', 'rename'], weight: 0.7 },
  { words: ['delete', 'remove', 'destroy', 'erase', 'drop', 'purge', 'discard', 'unset'], weight: 0.7 },
  { words: ['search', 'find', 'query', 'lookup', 'filter'], weight: 0.7 },
  { words: ['run', 'execute', 'trigger', 'invoke', 'start', 'launch', 'dispatch'], weight: 0.6 },
  { words: ['stop', 'cancel', 'abort', 'halt', 'terminate', 'kill'], weight: 0.7 },
  { words: ['send', 'submit', 'deliver', 'publish'], weight: 0.6 },
  { words: ['watch', 'subscribe', 'subscription'], weight: 0.6 },
  { words: ['repo', 'repository'], weight: 0.95 },
  { words: ['org', 'organization', 'organisation'], weight: 0.95 },
  { words: ['config', 'configuration', 'settings', 'preferences'], weight: 0.8 },
  { words: ['info', 'information', 'details', 'metadata'], weight: 0.7 },
  { words: ['env', 'environment'], weight: 0.95 },
  { words: ['auth', 'authentication', 'authorization'], weight: 0.9 },
  { words: ['id', 'identifier'], weight: 0.9 },
  { words: ['dir', 'directory', 'folder'], weight: 0.9 },
  { words: ['msg', 'message'], weight: 0.95 },
  { words: ['doc', 'document', 'docs'], weight: 0.9 },
  { words: ['desc', 'description'], weight: 0.95 },
  { words: ['img', 'image', 'picture'], weight: 0.9 },
  { words: ['db', 'database'], weight: 0.95 },
  { words: ['app', 'application'], weight: 0.9 },
  { words: ['pkg', 'package'], weight: 0.95 },
  { words: ['email', 'mail'], weight: 0.9 },
  { words: ['stats', 'statistics', 'metrics'], weight: 0.8 },
  { words: ['perm', 'permission'], weight: 0.95 },
  { words: ['ref', 'reference'], weight: 0.8 },
];

/** One-way hints: closing or reopening something is usually a state change through its update. */
const HINTS: { from: string; to: string[]; weight: number }[] = [
  { from: 'close', to: ['update', 'edit', 'state'], weight: 0.45 },
  { from: 'reopen', to: ['update', 'edit', 'state'], weight: 0.45 },
  { from: 'open', to: ['create'], weight: 0.4 },
  { from: 'pr', to: ['pull'], weight: 0.9 },
  { from: 'rm', to: ['delete', 'remove'], weight: 0.8 },
  { from: 'ls', to: ['list'], weight: 0.8 },
];

const TABLE = buildTable();

function buildTable(): Map<string, Map<string, number>> {
  const table = new Map<string, Map<string, number>>();
  const add = (from: string, to: string, weight: number) => {
    const a = stem(from);
    const b = stem(to);
    if (a === b) return;
    const row = table.get(a) ?? new Map<string, number>();
    row.set(b, Math.max(row.get(b) ?? 0, weight));
    table.set(a, row);
  };
  for (const group of GROUPS) {
    for (const from of group.words) for (const to of group.words) add(from, to, group.weight);
  }
  for (const hint of HINTS) for (const to of hint.to) add(hint.from, to, hint.weight);
  return table;
}

/** The stems a query stem may also match, with the weight a match on each counts (itself at 1). */
export function synonymsOf(term: string): Map<string, number> {
  const out = new Map<string, number>([[term, 1]]);
  for (const [other, weight] of TABLE.get(term) ?? []) out.set(other, weight);
  return out;
}

/** Stems of the delete/remove family: "unwatch" means removing a watch. */
export const UNDO_TERMS: readonly string[] = ['delete', 'remove', 'stop'].map(stem);
