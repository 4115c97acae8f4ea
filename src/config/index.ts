// The config pipeline: find -> parse with positions -> interpolate -> validate -> typed Config.

import path from 'node:path';
import { findConfig } from './find.js';
import { locate, parseConfigText, type ConfigSource } from './source.js';
import { interpolate, type Environment } from './interpolate.js';
import { schemaTypesAt, validateAgainstSchema } from './schema.js';
import { schemaProblems } from './validate.js';
import { semanticProblems } from './semantic.js';
import { normalize } from './normalize.js';
import { ConfigError, ConfigFileError, formatPath, type ConfigProblem } from './errors.js';
import type { Config } from './types.js';

export type * from './types.js';
export { ConfigError, ConfigFileError, formatProblem, formatPath, type ConfigProblem } from './errors.js';
export { SEARCH_PLACES } from './find.js';

export { CONFIG_SCHEMA_URL, configSchema } from './schema.js';
export { parseDuration, parseSize, formatDuration } from './units.js';
export { closest } from './suggest.js';

export interface LoadOptions {
  /** -c: a path, relative to cwd. Without it the config is searched for. */
  configPath?: string;
  cwd?: string;
  env?: Environment;
}

/**
 * Loads the config. Throws ConfigFileError when it cannot be found, read or parsed, and ConfigError
 * listing every problem when it is not valid.
 */
export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  const cwd = options.cwd ?? process.cwd();
  const found = await findConfig({ configPath: options.configPath, cwd });
  return configFromText(found.text, { filepath: found.filepath, root: found.root, cwd, env: options.env });
}

/** The same pipeline on text already read; `filepath` places relative paths and names the file in problems. */
export function configFromText(text: string, options: { filepath: string; root?: string[]; cwd?: string; env?: Environment }): Config {
  const cwd = options.cwd ?? process.cwd();
  const shown = displayName(options.filepath, cwd);
  const source = parseConfigText(text, shown, options.filepath, options.root ?? []);
  const { problems, unresolved, references } = interpolate(source, options.env ?? process.env, schemaTypesAt);
  const raw = rootValue(source);
  const later = schemaProblems(validateAgainstSchema(raw), raw, source, references);
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) later.push(...semanticProblems(raw as Record<string, unknown>, source));
  // A value whose reference could not be replaced was reported already; what its raw `${...}` text breaks says
  // nothing more. Problems about its key (unknown key) still count.
  const skip = new Set(unresolved.map((at) => {
    const { line, col } = locate(source, at);
    return `${formatPath(at)}@${line}:${col}`;
  }));
  problems.push(...later.filter((p) => !skip.has(`${p.path}@${p.line}:${p.col}`)));
  if (problems.length > 0) throw new ConfigError(sortProblems(problems), source.file);
  return normalize(raw as Record<string, unknown>, options.filepath, { name: shown, text, root: options.root ?? [] });
}

/**
 * Where a value of the config is written, for problems found only once the API groups have loaded (a policy
 * pattern that matches no function). A path not in the file gives its nearest parent. Parses again: rare, and cheap.
 */
export function locateIn(config: Config, at: readonly (string | number)[]): { file: string; line: number; col: number } {
  const source = parseConfigText(config.source.text, config.source.name, config.file, config.source.root);
  return { file: source.file, ...locate(source, at) };
}

function rootValue(source: ConfigSource): unknown {
  let value: unknown;
  try {
    value = source.document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // yaml refuses aliases that expand exponentially ("billion laughs") instead of exhausting memory.
    if (!/alias/i.test((error as Error).message)) throw error;
    throw new ConfigFileError(`${source.file}: YAML aliases (*name) expand to too many values; write the values out instead of nesting aliases`, [], source.file);
  }
  let node = value;
  for (const key of source.root) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  if (node === undefined || node === null) {
    const message = source.root.length > 0
      ? `${source.file} has no "${source.root.join('.')}" key: put the config under it, or pass -c <file>`
      : `${source.file} is empty; a config needs at least an apis list (see atp.config.example.yaml)`;
    throw new ConfigFileError(message, [], source.file);
  }
  return node;
}

/**
 * Settings that have no effect as combined, when they are set: what a user must not rely on. `atp serve` logs
 * them as warnings and `atp validate` lists them.
 */
export function notInEffect(config: Config): string[] {
  const notes: string[] = [];
  if (config.execution.provenance === 'track' && !config.policies.rules?.length && !config.policies.sources?.length) {
    notes.push('execution.provenance is track, but policies has no sources and no rules: values are tracked and nothing is checked; add policies.rules (see atp.yaml(5), DATA-FLOW RULES)');
  }
  return notes;
}

/** How problems name a file: relative to `cwd` when inside it, else absolute. */
export function displayName(filepath: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, filepath);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : filepath;
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = `${p.line}:${p.col}:${p.path}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}
