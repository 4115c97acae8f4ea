// Agent code is the body of an async function, TypeScript allowed. esbuild strips types; a source map brings
// positions back to the user's own lines. Results are cached by the code.

import { SourceMap } from 'node:module';
import { transformSync, type TransformFailure } from 'esbuild';

/** The wrapper puts the user's first line on line 2 of what esbuild sees. */
const PREFIX = '__atp_start(async () => {\n';
const SUFFIX = '\n});\n';
const CACHE_ENTRIES = 512;
/** Code and output kept in the cache at most, roughly (characters of code and JavaScript). */
const CACHE_CHARS = 32 * 1024 * 1024;

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
  const userLines = code.split('\n').length;
  const lastCodeLine = Math.max(1, code.trimEnd().split('\n').length);
  let output: { code: string; map: string };
  try {
    output = transformSync(PREFIX + code + SUFFIX, {
      loader: 'ts',
      sourcemap: 'external',
      sourcefile: 'agent.ts',
      target: 'esnext',
      logLevel: 'silent',
      tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
    });
  } catch (error) {
    const first = (error as TransformFailure).errors?.[0];
    if (!first) return new CodeSyntaxError(String((error as Error).message));
    const location = first.location;
    if (!location) return new CodeSyntaxError(first.text);
    // esbuild lines are 1-based in the wrapped text; the user's line n is wrapped line n + 1
    if (location.line - 1 > userLines) {
      // in the wrapper's closing line: the code ended while something was still open
      return new CodeSyntaxError(`the code ends too early (${first.text}): is a bracket, brace or expression left open?`, lastCodeLine);
    }
    return new CodeSyntaxError(first.text, Math.max(location.line - 1, 1), location.column + 1);
  }
  const map = new SourceMap(JSON.parse(output.map));
  return {
    script: output.code,
    original(line, column) {
      const entry = map.findEntry(line - 1, Math.max(0, column - 1)) as { originalLine?: number; originalColumn?: number };
      if (entry.originalLine === undefined) return undefined;
      const userLine = entry.originalLine; // 0-based wrapped line == 1-based user line
      if (userLine < 1 || userLine > userLines) return undefined;
      return { line: userLine, column: (entry.originalColumn ?? 0) + 1 };
    },
  };
}
