// Agent code is the body of an async function, TypeScript allowed. oxc strips types in this thread (esbuild
// took about 1 ms a program, most of it the round trip to its own process); a source map brings positions back
// to the user's own lines. Results are cached by the code.

import { SourceMap } from 'node:module';
import { transformSync, type OxcError, type TransformOptions } from 'oxc-transform';
import { START_GLOBAL } from './protocol.js';

/** The wrapper puts the user's first line on line 2 of what the transpiler sees. */
const PREFIX = `${START_GLOBAL}(async () => {\n`;
const SUFFIX = '\n});\n';
const CACHE_ENTRIES = 512;
/** Code and output kept in the cache at most, roughly (characters of code and JavaScript). */
const CACHE_CHARS = 32 * 1024 * 1024;
/**
 * Types stripped, enums and parameter properties made into JavaScript, nothing else lowered. Class fields
 * keep define semantics (a field without initializer is still declared), as useDefineForClassFields does.
 */
const OPTIONS: TransformOptions = { lang: 'ts', sourceType: 'script', target: 'esnext', sourcemap: true };

export interface Transpiled {
  /** JavaScript to compile in the isolate: one call of __atp_start with the program as an async arrow. */
  script: string;
  /** Maps a position in `script` (1-based line and column) to the user's code, or undefined outside it. */
  original(line: number, column: number): { line: number; column: number } | undefined;
}

/** The code is not valid TypeScript/JavaScript; line and column are in the user's code (1-based). */
export class CodeSyntaxError extends Error {
  readonly line?: number;
  readonly column?: number;
  constructor(message: string, line?: number, column?: number) {
    super(message);
    this.name = 'CodeSyntaxError';
    this.line = line;
    this.column = column;
  }
}

const cache = new Map<string, { entry: Transpiled | CodeSyntaxError; chars: number }>();
let cachedChars = 0;

/** Transpiles agent code, or throws CodeSyntaxError. */
export function transpile(code: string): Transpiled {
  // keyed by the code itself (counted in `chars`): a Map hashes a string far faster than sha256 does
  let cached = cache.get(code);
  if (cached) {
    cache.delete(code); // re-inserted below: most recently used last
  } else {
    const entry = compile(code);
    cached = { entry, chars: code.length * 2 + (entry instanceof CodeSyntaxError ? 0 : entry.script.length) };
    cachedChars += cached.chars;
  }
  cache.set(code, cached);
  while (cache.size > CACHE_ENTRIES || (cachedChars > CACHE_CHARS && cache.size > 1)) {
    const oldest = cache.keys().next().value as string;
    cachedChars -= cache.get(oldest)!.chars;
    cache.delete(oldest);
  }
  if (cached.entry instanceof CodeSyntaxError) throw cached.entry;
  return cached.entry;
}

function compile(code: string): Transpiled | CodeSyntaxError {
  const wrapped = PREFIX + code + SUFFIX;
  let output: ReturnType<typeof transformSync>;
  try {
    output = transformSync('agent.ts', wrapped, OPTIONS);
  } catch (error) {
    return new CodeSyntaxError(`the code could not be transpiled: ${(error as Error).message}`);
  }
  // the parser recovers from some errors and still makes code: any error rejects the program
  const problem = output.errors.find((error) => error.severity === 'Error');
  if (problem) return syntaxError(problem, wrapped, code);
  const payload = output.map!;
  const userLines = code.split('\n').length;
  let map: SourceMap | undefined; // only a failure needs it: decoding it costs more than the rest
  return {
    script: output.code,
    original(line, column) {
      map ??= new SourceMap(payload as unknown as ConstructorParameters<typeof SourceMap>[0]);
      const entry = map.findEntry(line - 1, Math.max(0, column - 1)) as { originalLine?: number; originalColumn?: number };
      if (entry.originalLine === undefined) return undefined;
      const userLine = entry.originalLine; // 0-based wrapped line == 1-based user line
      if (userLine < 1 || userLine > userLines) return undefined;
      return { line: userLine, column: (entry.originalColumn ?? 0) + 1 };
    },
  };
}

/** The parser's first error, at the user's line and column (its offsets count UTF-8 bytes of `wrapped`). */
function syntaxError(problem: OxcError, wrapped: string, code: string): CodeSyntaxError {
  const label = problem.labels[0];
  const help = problem.helpMessage ? `. ${problem.helpMessage}` : '';
  if (!label) return new CodeSyntaxError(problem.message + help);
  const bytes = Buffer.from(wrapped, 'utf8');
  const offset = bytes.subarray(0, label.start).toString('utf8').length;
  const token = bytes.subarray(label.start, label.end).toString('utf8');
  // "Unexpected token" alone does not say which
  const named = problem.message === 'Unexpected token' && token.length > 0 && token.length <= 40 && !token.includes('\n');
  const message = (named ? `Unexpected token ${JSON.stringify(token)}` : problem.message) + help;
  const lineStart = wrapped.lastIndexOf('\n', offset - 1) + 1;
  let wrappedLine = 1;
  for (let i = wrapped.indexOf('\n'); i !== -1 && i < offset; i = wrapped.indexOf('\n', i + 1)) wrappedLine++;
  // the user's line n is wrapped line n + 1
  if (wrappedLine - 1 > code.split('\n').length) {
    // in the wrapper's closing line: the code ended while something was still open
    const lastCodeLine = Math.max(1, code.trimEnd().split('\n').length);
    return new CodeSyntaxError(`the code ends too early (${problem.message}): is a bracket, brace or expression left open?`, lastCodeLine);
  }
  return new CodeSyntaxError(message, Math.max(wrappedLine - 1, 1), offset - lineStart + 1);
}
