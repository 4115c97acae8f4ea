// What every command shares: exit codes, the global options, and loading the config and catalog with
// the same error reporting everywhere.

import type { Command } from 'commander';
import type { Catalog } from '../catalog/index.js';
import { ConfigError, ConfigFileError, formatProblem, loadConfig, type Config } from '../config/index.js';
import type { Logger } from '../logging/index.js';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export interface GlobalOptions {
  config?: string;
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  json?: boolean;
  debug?: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** For repeatable list options (`-g a -g b,c`): commander calls it once per occurrence. */
export function collectList(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((part) => part.trim()).filter(Boolean)];
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A failure a command reports and ends with: `atp: message` on stderr, or `{error, ...}` on stdout with --json. */
export function reportFailure(global: GlobalOptions, code: number, message: string, extra: Record<string, unknown> = {}): number {
  if (global.json) printJson({ error: message, ...extra });
  else process.stderr.write(`atp: ${message}\n`);
  return code;
}

/**
 * The config for a command that needs a valid one, or the exit code after saying why not: invalid (1) or
 * unreadable (2), each problem with file:line:col on stderr (problems in the JSON answer with --json).
 */
export async function loadConfigOrReport(global: GlobalOptions): Promise<Config | number> {
  try {
    return await loadConfig({ configPath: global.config });
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof ConfigFileError)) throw error;
    const code = error instanceof ConfigError ? EXIT.failure : EXIT.usage;
    const count = error.problems.length;
    const message = error instanceof ConfigError
      ? `${count} problem${count === 1 ? '' : 's'} in ${error.file ?? 'the config'}; fix them (atp validate lists them too)`
      : count > 0 ? `cannot read ${error.file ?? 'the config'}` : error.message;
    if (global.json) return reportFailure(global, code, message, { problems: error.problems });
    for (const problem of error.problems) process.stderr.write(formatProblem(problem) + '\n');
    return reportFailure(global, code, message);
  }
}

/**
 * The catalog of the groups that `scopes` (-g: groups, namespaces such as github.issues, or functions) name,
 * every group when there are none; or the exit code after saying why not: a name that is not there, group or
 * not, is a usage error (2), a group that fails to load a failure (1). Close it after use.
 */
export async function loadCatalogOrReport(config: Config, scopes: readonly string[], global: GlobalOptions): Promise<{ catalog: Catalog; logger: Logger } | number> {
  const groups = [...new Set(scopes.map((scope) => scope.split('.')[0]))];
  const names = config.apis.map((api) => api.name);
  const unknown = groups.filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    const hint = names.length > 0 ? `the config has ${names.join(', ')}` : 'the config has no API groups';
    return reportFailure(global, EXIT.usage, `no API group named ${unknown.join(', ')}; ${hint}`);
  }
  // loaded here, not at the top: commands that never load groups should not pay for the loaders
  const [{ openTools }, { createLogger }, { secretsOf }] = await Promise.all([import('../server/index.js'), import('../logging/index.js'), import('../secrets/index.js')]);
  // group loaders log their progress at info: a command printing results keeps stderr for warnings
  const { secrets } = secretsOf(config);
  const logger = createLogger({ level: global.logLevel ?? 'warn', format: config.logging.format, secrets });
  const selected = groups.length > 0 ? config.apis.filter((api) => groups.includes(api.name)) : config.apis;
  let catalog: Catalog;
  try {
    ({ catalog } = await openTools({ ...config, apis: selected }, { logger, secrets, checkPatterns: false }));
  } catch (error) {
    if (global.debug) process.stderr.write(`${secrets.mask(String((error as Error).stack))}\n`);
    return reportFailure(global, EXIT.failure, secrets.mask((error as Error).message));
  }
  const ids = [...catalog.entries()].map((entry) => entry.id);
  const missing = scopes.filter((scope) => !groups.includes(scope) && !ids.some((id) => id === scope || id.startsWith(`${scope}.`)));
  if (missing.length === 0) return { catalog, logger };
  await catalog.close();
  return reportFailure(global, EXIT.usage, `nothing is named ${missing.join(', ')}; atp definitions --index lists every name`);
}
