// Which file is the config: -c wins, else cosmiconfig searches the usual names.

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigFileError } from './errors.js';

export const SEARCH_PLACES = [
  'atp.yaml',
  'atp.yml',
  'atp.config.yaml',
  '.atprc',
  '.atprc.yaml',
  '.atprc.yml',
  '.atprc.json',
  'package.json',
] as const;

export interface FoundConfig {
  filepath: string;
  text: string;
  /** ['atp'] when the config is the "atp" key of package.json. */
  root: string[];
}

/** Finds and reads the config; a missing or unreadable file is a ConfigFileError. */
export async function findConfig(options: { configPath?: string; cwd?: string } = {}): Promise<FoundConfig> {
  const cwd = options.cwd ?? process.cwd();
  if (options.configPath) {
    const filepath = path.resolve(cwd, options.configPath);
    return { filepath, text: await readConfigFile(filepath, options.configPath), root: isPackageJson(filepath) ? ['atp'] : [] };
  }
  // Imported here: with -c (the daemon's usual start) the search library is never needed.
  const { cosmiconfig } = await import('cosmiconfig');
  let result;
  try {
    // cosmiconfig only picks the file: we parse it ourselves to keep positions, so a placeholder stands in for
    // its content. package.json is parsed, to skip it when it has no "atp" key.
    const explorer = cosmiconfig('atp', {
      searchPlaces: [...SEARCH_PLACES],
      searchStrategy: 'project',
      packageProp: 'atp',
      cache: false,
      ignoreEmptySearchPlaces: false,
      loaders: { '.yaml': pickFile, '.yml': pickFile, '.json': pickFile, noExt: pickFile },
    });
    result = await explorer.search(cwd);
  } catch (error) {
    // cosmiconfig reads package.json in the working directory for settings of its own before any search, and
    // one that is not valid JSON stops it; our config is most likely in atp.yaml beside it, so look for that
    const broken = /package\.json/.test((error as Error).message);
    const filepath = broken ? await searchBesidePackageJson(cwd) : undefined;
    if (!filepath) throw new ConfigFileError(`cannot search for the config: ${oneLine((error as Error).message)}; fix it or pass -c <file>`);
    result = { filepath };
  }
  if (!result) {
    throw new ConfigFileError(
      `no config found in ${cwd}: create atp.yaml (start from atp.config.example.yaml) or pass -c <file>; searched ${SEARCH_PLACES.join(', ')}`,
    );
  }
  const filepath = result.filepath;
  return { filepath, text: await readConfigFile(filepath, filepath), root: isPackageJson(filepath) ? ['atp'] : [] };
}

/** The search cosmiconfig makes (strategy "project"), for every place but package.json. */
async function searchBesidePackageJson(cwd: string): Promise<string | undefined> {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    for (const place of SEARCH_PLACES) {
      const candidate = path.join(dir, place);
      if (place !== 'package.json' && (await isFile(candidate))) return candidate;
    }
    if ((await isFile(path.join(dir, 'package.json'))) || path.dirname(dir) === dir) return undefined;
  }
}

async function isFile(filepath: string): Promise<boolean> {
  try {
    return (await stat(filepath)).isFile();
  } catch {
    return false;
  }
}

function pickFile(filepath: string, content: string): unknown {
  if (!isPackageJson(filepath)) return {};
  try {
    return JSON.parse(content) as unknown;
  } catch (error) {
    throw new Error(`${filepath} is not valid JSON (${(error as Error).message})`);
  }
}

/** cosmiconfig's messages span lines (file, code frame, cause); the CLI prints one line per problem. */
function oneLine(message: string): string {
  const text = message
    .split('\n')
    .map((line) => line.trim().replace(/ while parsing .*$/, ''))
    .filter((line) => line && !/^(>\s*)?\d*\s*\|/.test(line))
    .join(' ');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

function isPackageJson(filepath: string): boolean {
  return path.basename(filepath) === 'package.json';
}

async function readConfigFile(filepath: string, shown: string): Promise<string> {
  try {
    return await readFile(filepath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigFileError(`${shown}: no such file; check the path given to -c`, [], shown);
    if (code === 'EISDIR') throw new ConfigFileError(`${shown}: is a directory; give the config file itself`, [], shown);
    if (code === 'EACCES') throw new ConfigFileError(`${shown}: permission denied; make the file readable`, [], shown);
    throw new ConfigFileError(`${shown}: cannot read (${code ?? (error as Error).message})`, [], shown);
  }
}
