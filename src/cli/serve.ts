// `atp serve`: load the config, build the daemon, listen; SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the config.

import type { Command } from 'commander';
import { loadConfig, parseDuration, type Config } from '../config/index.js';
import { createLogger, type Logger } from '../logging/index.js';
import { MIN_SECRET_LENGTH, secretsOf, type Secrets } from '../secrets/index.js';
import { build, DEFAULT_GRACE_MS, summary, type Daemon } from '../server/index.js';
import { EXIT, globalOptions, loadConfigOrReport } from './output.js';

interface ServeOptions { port?: string; host?: string; grace?: string }

// bin/atp.js forwards signals to this re-executed process and a terminal's Ctrl-C reaches both: the same
// press can arrive twice, so a repeat within this window is the same request
const SAME_SIGNAL_MS = 1_000;

export function registerServe(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('serve')
    .description('start the ATP HTTP server on the configured APIs')
    .option('-p, --port <port>', 'port to listen on, overriding server.port (0 picks a free port)')
    .option('--host <host>', 'interface to bind, overriding server.host')
    .option('--grace <duration>', `on SIGTERM/SIGINT, how long executions in flight may finish (default ${DEFAULT_GRACE_MS / 1000}s)`)
    .action(async (options: ServeOptions) => setExit(await runServe(command, options)));
  command.addHelpText('after', '\nExamples:\n  atp serve -c atp.yaml\n  atp serve --port 0 --log-level debug\n\nSend SIGTERM or SIGINT to drain and exit 0; a second one (after a second) exits at once.\nSIGHUP reloads the config: when valid, new executions use it and those under way finish on the old one;\nwhen not, its problems are logged (as atp validate prints them) and the running config keeps serving.');
}

async function runServe(command: Command, options: ServeOptions): Promise<number> {
  const startedAt = Date.now();
  const global = globalOptions(command);
  const settings = parseOptions(options);
  if (typeof settings === 'string') return usage(settings);
  const config = await loadConfigOrReport(global);
  if (typeof config === 'number') return config;
  const overridden = (read: Config) => {
    if (settings.port !== undefined) read.server.port = settings.port;
    if (settings.host !== undefined) read.server.host = settings.host;
    return read;
  };
  overridden(config);
  // a reload reads the same file, with the same overrides
  const readConfig = async () => overridden(await loadConfig({ configPath: global.config }));
  const { secrets, short } = secretsOf(config);
  const logger = createLogger({ level: global.logLevel ?? config.logging.level, format: config.logging.format, secrets });
  if (short.length > 0) logger.warn(`${short.join(', ')}: shorter than ${MIN_SECRET_LENGTH} characters, too short to be told from ordinary text, so not masked in answers and logs; use a longer secret`);
  let daemon: Daemon;
  try {
    daemon = await build(config, logger, { secrets, readConfig });
  } catch (error) {
    return cannotStart(logger, error, global.debug, secrets);
  }
  let url: string;
  try {
    url = await daemon.start();
  } catch (error) {
    await daemon.stop(0);
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${config.server.host}:${config.server.port}`;
    if (code === 'EADDRINUSE') return cannotStart(logger, new Error(`${where} is already in use; stop the other server or choose another server.port (or --port)`), false, secrets);
    if (code === 'EACCES') return cannotStart(logger, new Error(`no permission to listen on ${where}; use a port above 1023`), false, secrets);
    return cannotStart(logger, error, global.debug, secrets);
  }
  // handlers first: a signal sent as soon as the address is printed must find them installed
  const stopped = untilSignalled(daemon, logger, settings.grace);
  summary(daemon, url, startedAt, logger);
  return stopped;
}

function parseOptions(options: ServeOptions): { port?: number; host?: string; grace: number } | string {
  let port: number | undefined;
  if (options.port !== undefined) {
    port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return `--port must be a whole number from 0 to 65535, not ${options.port}`;
  }
  const grace = options.grace === undefined ? DEFAULT_GRACE_MS : parseDuration(options.grace);
  if (grace === undefined) return `--grace must be a duration such as 10s or 500ms, not ${options.grace}`;
  return { port, host: options.host, grace };
}

function untilSignalled(daemon: Daemon, logger: Logger, graceMs: number): Promise<number> {
  return new Promise((resolve) => {
    let firstAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstAt === undefined) {
        firstAt = Date.now();
        logger.info(`${signal}: draining (executions in flight have up to ${graceMs} ms), then exiting; send it again to exit at once`);
        daemon.stop(graceMs).then(
          () => {
            logger.info('stopped');
            done(EXIT.ok);
          },
          (error: Error) => {
            logger.error(`shutdown failed: ${error.message}`);
            done(EXIT.failure);
          },
        );
        return;
      }
      if (Date.now() - firstAt < SAME_SIGNAL_MS) return;
      logger.warn(`${signal} again: exiting without waiting for executions in flight`);
      process.exit(EXIT.failure);
    };
    // exit at once, handlers still installed: a natural exit tears them down first, and the duplicate of a
    // terminal Ctrl-C arriving then would kill us by signal; it also stops a tool module's open handle
    // from keeping a stopped daemon alive
    const done = (code: number) => {
      resolve(code);
      process.exit(code);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // a reload never cuts executions in flight: they finish on the generation they started on
    process.on('SIGHUP', () => {
      if (firstAt !== undefined) return; // draining: nothing to reload into
      logger.info(`SIGHUP: reloading ${daemon.config.source.name}`);
      daemon.reload('SIGHUP').catch((error: Error) => logger.error(`SIGHUP: the reload failed: ${error.message}; the running config keeps serving`, { stack: error.stack }));
    });
  });
}

function usage(message: string): number {
  process.stderr.write(`atp: ${message}\n`);
  return EXIT.usage;
}

function cannotStart(logger: Logger, error: unknown, debug: boolean | undefined, secrets: Secrets): number {
  process.stderr.write(`atp: cannot start: ${secrets.mask((error as Error).message)}\n`);
  if (debug) process.stderr.write(`${secrets.mask(String((error as Error).stack))}\n`);
  logger.debug('start-up failed', { stack: (error as Error).stack });
  return EXIT.failure;
}
