// Node module hooks, registered once for module groups: .ts files are transpiled with esbuild as they are
// imported, so their relative imports and packages resolve as for any module; and `atp-daemon` resolves to
// the running daemon's own package where the project has none (atp installed globally).

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type ResolveContext = { parentURL?: string; conditions: string[]; importAttributes?: Record<string, string> };
type NextResolve = (specifier: string, context: ResolveContext) => Promise<Resolved>;
type Loaded = { format: string; source?: string | ArrayBuffer | Uint8Array; shortCircuit?: boolean };
type NextLoad = (url: string, context: { format?: string | null }) => Promise<Loaded>;

const TS_FILE = /\.(?:ts|mts|tsx)$/;
/** dist/index.js of the daemon running these hooks: what `import { defineTool } from 'atp-daemon'` means. */
const DAEMON_PACKAGE = new URL('../../../index.js', import.meta.url).href;

function isTypeScript(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('file:') && TS_FILE.test(new URL(url).pathname);
}

/** TypeScript sources import `./x.js` (or `./x`) meaning `./x.ts`: try that when the import as written fails. */
export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<Resolved> {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (specifier === 'atp-daemon') return { url: DAEMON_PACKAGE, shortCircuit: true };
    if (!isTypeScript(context.parentURL) || !/^\.{1,2}\//.test(specifier)) throw error;
    const candidates = /\.[cm]?js$/.test(specifier) ? [specifier.replace(/\.([cm]?)js$/, '.$1ts')] : [`${specifier}.ts`, `${specifier}/index.ts`];
    for (const candidate of candidates) {
      try {
        return await nextResolve(candidate, context);
      } catch {
        // try the next spelling; the original error is the one worth reporting
      }
    }
    throw error;
  }
}

export async function load(url: string, context: { format?: string | null }, nextLoad: NextLoad): Promise<Loaded> {
  if (!isTypeScript(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  const { code } = await transform(source, {
    loader: file.endsWith('.tsx') ? 'tsx' : 'ts',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: file,
  });
  return { format: 'module', source: code, shortCircuit: true };
}
