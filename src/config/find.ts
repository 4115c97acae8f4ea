// Which file is the config: -c wins, else cosmiconfig searches the usual names.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { parse } from 'yaml';
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
  const parseAny = (_filepath: string, content: string) => parse(content) as unknown;
  const explorer = cosmiconfig('atp', {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'project',
    packageProp: 'atp',
    cache: false,
    loaders: { '.yaml': parseAny, '.yml': parseAny, '.json': parseAny, noExt: parseAny },
  });
  let result;
  try {
    result = await explorer.search(cwd);
  } catch (error) {
    throw new ConfigFileError(`cannot read the config: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!result) {
    throw new ConfigFileError(
      `no config found in ${cwd}: create atp.yaml (start from atp.config.example.yaml) or pass -c <file>; searched ${SEARCH_PLACES.join(', ')}`,
    );
  }
  const filepath = result.filepath;
  return { filepath, text: await readConfigFile(filepath, filepath), root: isPackageJson(filepath) ? ['atp'] : [] };
}

function isPackageJson(filepath: string): boolean {
  return path.basename(filepath) === 'package.json';
}

async function readConfigFile(filepath: string, shown: string): Promise<string> {
  try {
    return await readFile(filepath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigFileError(`${shown}: no such file; check the path given to -c`);
    if (code === 'EISDIR') throw new ConfigFileError(`${shown}: is a directory; give the config file itself`);
    if (code === 'EACCES') throw new ConfigFileError(`${shown}: permission denied; make the file readable`);
    throw new ConfigFileError(`${shown}: cannot read (${code ?? (error as Error).message})`);
  }
}
