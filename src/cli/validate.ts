// `atp validate`: every problem in the config with file:line:col and what to do; --connect loads each group too.

import type { Command } from 'commander';
import { ConfigError, ConfigFileError, displayName, formatProblem, loadConfig, notInEffect, type Config, type ConfigProblem } from '../config/index.js';
import { EXIT, globalOptions, printJson } from './output.js';

interface GroupReport { name: string; type: string; ok: boolean; functions?: number; ms: number; error?: string }

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
  const groups = options.connect ? await connectAll(config, global.logLevel ?? 'silent') : undefined;
  const ok = !groups || groups.every((group) => group.ok);
  const notes = notInEffect(config);
  if (global.json) {
    printJson({ valid: ok, file: displayName(config.file), apis: config.apis.map((g) => ({ name: g.name, type: g.type })), problems: [], notes, ...(groups && { groups }) });
  } else {
    const list = config.apis.map((g) => `${g.name} (${g.type})`).join(', ') || 'none';
    process.stdout.write(`${displayName(config.file)}: valid; ${config.apis.length} API group${config.apis.length === 1 ? '' : 's'}: ${list}\n`);
    for (const note of notes) process.stdout.write(`  note  ${note}\n`);
    for (const group of groups ?? []) {
      process.stdout.write(group.ok
        ? `  ok    ${group.name}: ${group.functions} function${group.functions === 1 ? '' : 's'} in ${group.ms} ms\n`
        : `  FAIL  ${group.name}: ${group.error}\n`);
    }
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
async function connectAll(config: Config, level: NonNullable<ReturnType<typeof globalOptions>['logLevel']>): Promise<GroupReport[]> {
  // Loaded here, not at the top: plain `atp validate` should not pay for the loaders' start-up.
  const [{ loadGroup }, { createLogger }] = await Promise.all([import('../catalog/index.js'), import('../logging/index.js')]);
  const logger = createLogger({ level, format: config.logging.format });
  return Promise.all(config.apis.map(async (group): Promise<GroupReport> => {
    const started = performance.now();
    try {
      const loaded = await loadGroup(group, { logger: logger.child({ group: group.name }), configDir: config.dir });
      await loaded.close();
      return { name: group.name, type: group.type, ok: true, functions: loaded.tools.length, ms: Math.round(performance.now() - started) };
    } catch (error) {
      return { name: group.name, type: group.type, ok: false, error: (error as Error).message, ms: Math.round(performance.now() - started) };
    }
  }));
}
