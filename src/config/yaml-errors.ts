// The YAML parser's errors as config problems: one per mistake, at the line of the mistake, with its fix.
// The parser often reports one mistake several times, and where it gave up rather than where it went wrong.

import type { YAMLError } from 'yaml';
import type { ConfigProblem } from './errors.js';

type At = (offset: number) => { line: number; col: number };

interface Found { offset: number; message: string; hint: string }

const QUOTING_RULE = 'atp.yaml(5), ENVIRONMENT VARIABLES IN VALUES';

/** One problem per mistake: a problem the parser's words alone describe is dropped when its line has a better one. */
export function yamlProblems(errors: readonly YAMLError[], text: string, file: string, at: At): ConfigProblem[] {
  const found = errors.map((error) => {
    const known = recognize(error, text);
    return { ...(known ?? generic(error, text)), specific: known !== undefined };
  });
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const item of found) {
    const { line, col } = at(item.offset);
    const onLine = found.some((other) => other.specific && at(other.offset).line === line);
    if (!item.specific && onLine) continue;
    const key = item.specific ? `${line}:${col}` : `${line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ file, line, col, path: '', message: item.message, hint: item.hint });
  }
  return problems;
}

function recognize(error: YAMLError, text: string): Found | undefined {
  const quote = /Missing closing (["'])quote/.exec(error.message)?.[1];
  // The parser stops at the end of the file; the mistake is where the string opens.
  if (quote) return { offset: openingQuote(text, error.pos[0], quote), message: 'YAML syntax error: this quoted string is never closed', hint: `close it with ${quote}` };
  const offset = skipBlanks(text, error.pos[0]);
  if (error.code === 'MULTIPLE_DOCS') {
    return { offset, message: 'a second YAML document starts here; a config is one document', hint: 'remove this --- line and merge what follows into the first document' };
  }
  if (error.code === 'DUPLICATE_KEY') {
    const key = keyAt(text, offset);
    return { offset, message: `duplicate key${key ? ` "${key}"` : ''}: a key may appear once per mapping`, hint: 'remove or merge the repeated key' };
  }
  return unquotedReference(text, error.pos[0]) ?? misindentedKey(error, text);
}

function generic(error: YAMLError, text: string): Found {
  return { offset: skipBlanks(text, error.pos[0]), message: `YAML syntax error: ${firstLine(error.message)}`, hint: 'fix the YAML syntax; the column points at where the parser gave up' };
}

/**
 * `token: ${VAR}` inside `{ }` or `[ ]`: YAML reads the reference's `{` as a mapping. The parser's errors land on
 * the reference or after it, up to the bracket that closes the collection; the mistake is the reference before.
 */
function unquotedReference(text: string, offset: number): Found | undefined {
  const unquoted = blankQuoted(text);
  let start = -1;
  for (const match of unquoted.slice(0, offset + 2).matchAll(/(?<!\$)\$\{/g)) start = match.index;
  const end = start === -1 ? -1 : text.indexOf('}', start);
  if (end === -1) return undefined;
  const masked = unquoted.replace(/\$\{[^}\n]*\}/g, (match) => ' '.repeat(match.length)); // brackets of references do not count
  const opener = enclosingFlow(masked, start);
  if (!opener) return undefined; // outside { } and [ ], a plain ${VAR} is fine: this error is another mistake
  const lineEnd = text.indexOf('\n', end);
  const last = closingFlow(masked, end + 1) ?? (lineEnd === -1 ? text.length : lineEnd);
  if (offset > last) return undefined; // the error is past the collection: another mistake
  const reference = text.slice(start, end + 1);
  const lineStart = text.lastIndexOf('\n', start) + 1;
  const valueStart = Math.max(masked.lastIndexOf(opener, start), masked.lastIndexOf(',', start), masked.lastIndexOf(': ', start) + 1) + 1;
  const stop = /[,}\]\n]/.exec(masked.slice(end + 1));
  const value = text.slice(valueStart, stop ? end + 1 + stop.index : text.length).trim();
  const key = /([^\s{,[]+):\s*$/.exec(text.slice(lineStart, valueStart))?.[1];
  return {
    offset: start,
    message: `${reference} inside ${opener === '[' ? '[ ]' : '{ }'} must be quoted: unquoted, YAML reads its { as the start of a mapping`,
    hint: `write ${key ? `${key}: ` : ''}"${value}" (see ${QUOTING_RULE})`,
  };
}

/** The `}` or `]` that closes the flow collection `from` is in. */
function closingFlow(masked: string, from: number): number | undefined {
  let depth = 0;
  for (let i = from; i < masked.length; i++) {
    const c = masked[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return undefined;
}

/** The `{` or `[` that opens the flow collection around `offset`. */
function enclosingFlow(masked: string, offset: number): string | undefined {
  let depth = 0;
  for (let i = offset - 1; i >= 0; i--) {
    const c = masked[i];
    if (c === '}' || c === ']') depth++;
    else if (c === '{' || c === '[') {
      if (depth === 0) return c;
      depth--;
    }
  }
  return undefined;
}

/** Quoted strings blanked out (same length): what is inside them is neither a reference nor a bracket. */
function blankQuoted(text: string): string {
  return text.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'/g, (match) => ' '.repeat(match.length));
}

/**
 * A key indented more (or less) than the keys of its mapping. After `host: 127.0.0.1`, a deeper `port: 3333`
 * is read as more of host's value: the parser complains twice about line 2; the mistake is line 3.
 */
function misindentedKey(error: YAMLError, text: string): Found | undefined {
  const lines = text.split('\n');
  const errorLine = text.slice(0, error.pos[0]).split('\n').length - 1;
  const inValue = error.code === 'BLOCK_AS_IMPLICIT_KEY' || error.code === 'MULTILINE_IMPLICIT_KEY';
  let wrong: number | undefined;
  let above: number | undefined;
  if (inValue) {
    above = errorLine;
    wrong = nextContent(lines, errorLine + 1);
  } else if (error.code === 'BAD_INDENT') {
    wrong = nextContent(lines, errorLine);
    above = wrong === undefined ? undefined : previousContent(lines, wrong - 1);
  }
  if (wrong === undefined || above === undefined) return undefined;
  const key = keyOf(lines[wrong]);
  const aboveKey = keyOf(lines[above]);
  if (!key || !aboveKey || key.col === aboveKey.col) return undefined;
  const offset = lines.slice(0, wrong).reduce((sum, line) => sum + line.length + 1, 0) + key.col;
  const more = key.col > aboveKey.col;
  return {
    offset,
    message: `"${key.name}" is indented ${more ? 'more' : 'less'} than "${aboveKey.name}" above it${inValue && aboveKey.hasValue ? `, so YAML reads it as part of ${aboveKey.name}'s value` : ''}`,
    hint: `keys of one mapping start in the same column: ${aboveKey.col === 0 ? `start "${key.name}" at the beginning of its line` : `indent "${key.name}" by ${aboveKey.col} space${aboveKey.col === 1 ? '' : 's'}`}, as "${aboveKey.name}"`,
  };
}

function keyOf(line: string): { name: string; col: number; hasValue: boolean } | undefined {
  const match = /^(\s*(?:-\s+)?)([^\s:#'"{[\]-][^:#]*?|"[^"]*"|'[^']*')\s*:(?:\s+([^#\s].*)?)?$/.exec(line.replace(/\s+#.*$/, ''));
  if (!match) return undefined;
  return { name: match[2].replace(/^["']|["']$/g, ''), col: match[1].length, hasValue: match[3] !== undefined };
}

function isContent(line: string): boolean {
  return /^\s*[^\s#]/.test(line);
}

function nextContent(lines: string[], from: number): number | undefined {
  for (let i = from; i < lines.length; i++) if (isContent(lines[i])) return i;
  return undefined;
}

function previousContent(lines: string[], from: number): number | undefined {
  for (let i = from; i >= 0; i--) if (isContent(lines[i])) return i;
  return undefined;
}

/** The parser often points at the start of a line; the mistake is at its first visible character. */
function skipBlanks(text: string, offset: number): number {
  let at = offset;
  while (at < text.length && text[at] === ' ') at++;
  return at < text.length && text[at] !== '\n' && text[at] !== '\r' ? at : offset;
}

/** The key written at `offset`: `name:`, `"name":` or `'name':`. */
function keyAt(text: string, offset: number): string | undefined {
  const match = /^(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s:#,{}[\]][^:#\n]*?))\s*:/.exec(text.slice(offset, offset + 200));
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}

/** The quote that opens the unclosed string ending at `end`: the last one that is not escaped. */
function openingQuote(text: string, end: number, quote: string): number {
  for (let at = Math.min(end, text.length) - 1; at >= 0; at--) {
    if (text[at] !== quote) continue;
    if (quote === '"') {
      let slashes = 0;
      while (text[at - 1 - slashes] === '\\') slashes++;
      if (slashes % 2 === 0) return at;
    } else if (text[at - 1] === "'") at--; // '' is an escaped quote inside single quotes
    else return at;
  }
  return end;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
