// The `atp` command line: one file per command, each returning its exit code.

import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { EXIT } from './output.js';

type Register = (program: Command, setExit: (code: number) => void) => void;

// Each command's module is imported only when that command runs (or for help), so `atp validate` does not
// load the server, the sandbox or the loaders.
const COMMANDS: Record<string, () => Promise<Register>> = {
  validate: () => import('./validate.js').then((m) => m.registerValidate),
  serve: () => import('./serve.js').then((m) => m.registerServe),
  exec: () => import('./exec.js').then((m) => m.registerExec),
  search: () => import('./search.js').then((m) => m.registerSearch),
  definitions: () => import('./definitions.js').then((m) => m.registerDefinitions),
  login: () => import('./login.js').then((m) => m.registerLogin),
  logout: () => import('./logout.js').then((m) => m.registerLogout),
  mcp: () => import('./mcp.js').then((m) => m.registerMcp),
};
const OPTIONS_WITH_VALUE = new Set(['-c', '--config', '--log-level']);

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** The command named on the command line, skipping global options and their values. */
function requestedCommand(argv: string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return undefined;
    if (OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

export async function buildProgram(argv: string[], setExit: (code: number) => void): Promise<Command> {
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
  const requested = requestedCommand(argv);
  const versionOnly = !requested && (argv.includes('-V') || argv.includes('--version'));
  const names = requested && requested in COMMANDS ? [requested] : versionOnly ? [] : Object.keys(COMMANDS);
  for (const register of await Promise.all(names.map((name) => COMMANDS[name]()))) register(program, setExit);
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
  try {
    const program = await buildProgram(argv, (value) => (code = value));
    // `atp help help` asks about the help command itself, which commander does not count among its commands
    const [first, second, ...rest] = argv.slice(2);
    await program.parseAsync(first === 'help' && second === 'help' ? [...argv.slice(0, 2), 'help', ...rest] : argv);
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
