// The `atp` command line: one file per command, each returning its exit code.

import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { registerValidate } from './validate.js';
import { registerPending } from './pending.js';
import { registerServe } from './serve.js';
import { registerExec } from './exec.js';
import { registerSearch } from './search.js';
import { registerDefinitions } from './definitions.js';
import { EXIT } from './output.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('atp')
    .description('Agent Tool Protocol server: agents run TypeScript against your APIs, configured by one YAML file.')
    .version(pkg.version, '-V, --version', 'print the version')
    .option('-c, --config <file>', 'config file (default: search atp.yaml, atp.yml, atp.config.yaml, .atprc*, package.json "atp")')
    .addOption(new Option('--log-level <level>', 'log level, overriding logging.level').choices(LOG_LEVELS))
    .option('--json', 'machine-readable output on stdout')
    .option('--debug', 'print stack traces of unexpected errors')
    .showSuggestionAfterError(true)
    .helpCommand('help [command]', 'show help for a command')
    .exitOverride();
  program.addHelpText('after', '\nExit codes: 0 success, 1 failure (e.g. invalid config), 2 usage error or unreadable config.\nMore: man atp, man atp.yaml');
  registerValidate(program, setExit);
  registerServe(program, setExit);
  registerExec(program, setExit);
  registerSearch(program, setExit);
  registerDefinitions(program, setExit);
  registerPending(program, setExit);
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  // `atp search x | head` closes our stdout early: that is the reader's choice, not an error
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(code);
    throw error;
  });
  const program = buildProgram((value) => (code = value));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and --version end through here with exit code 0
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const debug = argv.includes('--debug');
    process.stderr.write(`atp: unexpected error: ${(error as Error).message}\n`);
    if (debug) process.stderr.write(`${(error as Error).stack}\n`);
    else process.stderr.write('run again with --debug for details, and please report it\n');
    return EXIT.failure;
  }
}
