// Whether a query asks to read something or to change it, from its first words: a question ("who can
// ...?", "is it finished?") or a reading verb ("list", "show") asks to read; another verb in command position
// ("archive", "file a ...") asks to change. Functions say which they do (OpenAPI GET, MCP readOnlyHint).

import { splitWords } from './tokenize.js';
import { relatedWords, verbUse } from './wordnet.js';

export type Intent = 'read' | 'change';

const QUESTION_WORDS = new Set([
  'who', 'whom', 'whose', 'what', 'which', 'where', 'when', 'why', 'how', 'is', 'are', 'was', 'were', 'does', 'do',
  'did', 'has', 'have', 'can', 'could', 'will', 'would', 'should', 'whats', 'wheres', 'whos',
]);
const READING_VERBS = new Set([
  'get', 'show', 'list', 'see', 'view', 'find', 'look', 'check', 'fetch', 'read', 'search', 'display', 'tell', 'count',
  'lookup', 'browse', 'retrieve', 'inspect', 'describe', 'download', 'print', 'query', 'know', 'watch', 'monitor',
  'consult', 'research', 'investigate', 'examine', 'review', 'explore', 'scan', 'determine', 'learn',
]);
/** A phrase reads when one of its close relations (not a loose, broader one) is a reading verb. */
const CLOSE_RELATION = 0.6;
/** Words that follow a verb in command position ("file a ...", "move my ..."), not a noun ("size, colour"). */
const OBJECT_STARTS = new Set(['a', 'an', 'the', 'my', 'our', 'your', 'this', 'that', 'these', 'those', 'all', 'every', 'each', 'some', 'it', 'them', 'me', 'us', 'up', 'out', 'off', 'down', 'back', 'over']);
const LEADING_FILLER = new Set(['please', 'i', 'we', 'want', 'to', 'need', 'just', 'now', 'also', 'lets', 'let', 'us', 'can', 'you']);

export function queryIntent(query: string): Intent | undefined {
  if (query.includes('?')) return 'read';
  const words = splitWords(query.replace(/['’]/g, ''));
  if (words.length === 0) return undefined;
  let at = 0;
  // "please archive", "quickly file": the command's verb is past the filler; "can you" is a request, not a question
  while (at < words.length - 1 && (LEADING_FILLER.has(words[at]) || words[at].endsWith('ly'))) at++;
  const verb = words[at];
  // "do away with", "find out": a phrase is one act, read or not by what it means
  for (const length of [3, 2]) {
    const related = relatedWords(words.slice(at, at + length).join('_'));
    if (at + length <= words.length && related.length > 0) return related.some((r) => r.weight >= CLOSE_RELATION && READING_VERBS.has(r.word)) ? 'read' : 'change';
  }
  if (at === 0 && QUESTION_WORDS.has(verb)) return 'read';
  if (READING_VERBS.has(verb)) return 'read';
  const use = verbUse(verb);
  if (use === 'usual' || (use === 'possible' && OBJECT_STARTS.has(words[at + 1] ?? ''))) return 'change';
  return undefined;
}
