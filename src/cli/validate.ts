// `atp validate`: every problem in the config with file:line:col and what to do; --connect loads each group too.

import type { Command } from 'commander';
import { ConfigError, ConfigFileError, displayName, formatProblem, loadConfig, notInEffect, type Config, type ConfigProblem } from '../config/index.js';
import { unmatchedPatternProblems } from '../policy/index.js';
import { EXIT, globalOptions, printJson } from './output.js';

interface GroupReport { name: string; type: string; ok: boolean; optional?: boolean; functions?: number; ms: number; error?: string }

/** What --connect found: each group's report, and the names of all functions when every group loaded. */
interface Connected { groups: GroupReport[]; ids?: string[] }

export function registerValidate(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('validate')
    .description('check a config: every mistake with file:line:col and a hint; exit 0 valid, 1 invalid, 2 unreadable')
    .option('--connect', 'also load every API group (fetch specs, spawn MCP servers) and report what loaded')
    .action(async (options: { connect?: boolean }) => setExit(await runValidate(command, options)));
  command.addHelpText('after', '\nExamples:\n  atp validate -c atp.yaml\n  atp validate --json --connect');
}

async function runValidate(command: Command, options: { connect?: boolean }): Promise<number> {
  const global = globalOptions(command);
  let config: Config;
  try {
    config = await loadConfig({ configPath: global.config });
  } catch (error) {
    if (error instanceof ConfigError) return reportProblems(error.problems, error.file, EXIT.failure, global.json);
    if (error instanceof ConfigFileError) return reportProblems(error.problems, error.file, EXIT.usage, global.json, error.message);
    throw error;
  }
  const connected = options.connect ? await connectAll(config, global.logLevel ?? 'silent') : undefined;
  const groups = connected?.groups;
  // only against every group's functions: a pattern may be meant for a group that failed to load
  const problems = connected?.ids ? unmatchedPatternProblems(config, connected.ids) : [];
  // an optional group that fails to load is a warning: `atp serve` starts without it and retries it
  const ok = (!groups || groups.every((group) => group.ok || group.optional)) && problems.length === 0;
  const notes = notInEffect(config);
  if (global.json) {
    printJson({ valid: ok, file: displayName(config.file), apis: config.apis.map((g) => ({ name: g.name, type: g.type })), problems, notes, ...(groups && { groups }) });
  } else {
    const list = config.apis.map((g) => `${g.name} (${g.type})`).join(', ') || 'none';
    process.stdout.write(`${displayName(config.file)}: ${problems.length > 0 ? 'invalid' : 'valid'}; ${config.apis.length} API group${config.apis.length === 1 ? '' : 's'}: ${list}\n`);
    for (const note of notes) process.stdout.write(`  note  ${note}\n`);
    for (const group of groups ?? []) {
      process.stdout.write(group.ok
        ? `  ok    ${group.name}: ${group.functions} function${group.functions === 1 ? '' : 's'} in ${group.ms} ms\n`
        : `  ${group.optional ? 'WARN' : 'FAIL'}  ${group.name}: ${group.error}${group.optional ? ' (optional: atp serve starts without it and retries it)' : ''}\n`);
    }
    for (const problem of problems) process.stdout.write(formatProblem(problem) + '\n');
    if (problems.length > 0) process.stdout.write(`${problems.length} problem${problems.length === 1 ? '' : 's'} found\n`);
  }
  return ok ? EXIT.ok : EXIT.failure;
}

/** The same shape as a valid answer, so scripts read one format: file is null when no config was found. */
function reportProblems(problems: ConfigProblem[], file: string | undefined, code: number, json: boolean | undefined, fallback?: string): number {
  if (json) {
    printJson({ valid: false, file: file ?? null, apis: [], problems, ...(problems.length === 0 && fallback ? { error: fallback } : {}) });
    return code;
  }
  const out = code === EXIT.usage ? process.stderr : process.stdout;
  if (problems.length === 0) out.write(`atp: ${fallback}\n`);
  for (const problem of problems) out.write(formatProblem(problem) + '\n');
  if (problems.length > 0 && code === EXIT.failure) out.write(`${problems.length} problem${problems.length === 1 ? '' : 's'} found\n`);
  return code;
}

/** Loads every group in parallel, closing each afterwards; a failure names the group and the cause. */
async function connectAll(config: Config, level: NonNullable<ReturnType<typeof globalOptions>['logLevel']>): Promise<Connected> {
  // Loaded here, not at the top: plain `atp validate` should not pay for the loaders' start-up.
  const [{ functionIds, loadGroup }, { createLogger }, { secretsOf }] = await Promise.all([import('../catalog/index.js'), import('../logging/index.js'), import('../secrets/index.js')]);
  const { secrets } = secretsOf(config);
  const logger = createLogger({ level, format: config.logging.format, secrets });
  const ids: string[][] = []; // per group, in config order: suggestions do not depend on which group loaded first
  const groups = await Promise.all(config.apis.map(async (group, index): Promise<GroupReport> => {
    const started = performance.now();
    try {
      const loaded = await loadGroup(group, { logger: logger.child({ group: group.name }), configDir: config.dir, secrets });
      ids[index] = functionIds([loaded]);
      await loaded.close();
      return { name: group.name, type: group.type, ok: true, functions: loaded.tools.length, ms: Math.round(performance.now() - started) };
    } catch (error) {
      return { name: group.name, type: group.type, ok: false, ...(group.optional && { optional: true }), error: secrets.mask((error as Error).message), ms: Math.round(performance.now() - started) };
    }
  }));
  return { groups, ids: groups.every((group) => group.ok) ? ids.flat() : undefined };
}
