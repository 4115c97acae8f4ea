// `atp mcp`: code mode for any MCP client over stdio. search_api, explore_api and execute_code over everything the
// config declares; standard output carries only MCP messages, every log line goes to standard error.

import { Console } from 'node:console';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { parseDuration } from '../config/index.js';
import { createLogger } from '../logging/index.js';
import { serveStdio } from '../mcp-server/index.js';
import { secretsOf } from '../secrets/index.js';
import { build, DEFAULT_GRACE_MS, type Daemon } from '../server/index.js';
import { EXIT, globalOptions, loadConfigOrReport } from './output.js';

export function registerMcp(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('mcp')
    .description('serve the configured APIs to an MCP client over stdio, in code mode (search_api, explore_api, execute_code)')
    .option('--grace <duration>', `when the client leaves or on SIGTERM, how long executions in flight may finish (default ${DEFAULT_GRACE_MS / 1000}s)`)
    .action(async (options: { grace?: string }) => setExit(await runMcp(command, options)));
  command.addHelpText('after', `
An MCP client starts it and talks to it on stdin/stdout; logs go to stderr. In a desktop client's config:
  { "mcpServers": { "atp": { "command": "npx", "args": ["atp", "mcp", "-c", "/path/to/atp.yaml"] } } }

atp.llm.* in the code is answered through the client's sampling, approvals through its elicitation,
when the client declares them; otherwise they throw inside the code, naming the missing capability.
atp serve offers the same tools over streamable HTTP at /mcp with server.mcp: true.

Examples:
  atp mcp -c atp.yaml
  atp mcp -c atp.yaml --log-level debug 2> atp-mcp.log`);
}

async function runMcp(command: Command, options: { grace?: string }): Promise<number> {
  // standard output is the MCP channel: a module group's console.log must not land there
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
  const global = globalOptions(command);
  const grace = options.grace === undefined ? DEFAULT_GRACE_MS : parseDuration(options.grace);
  if (grace === undefined) {
    process.stderr.write(`atp mcp: --grace must be a duration such as 10s or 500ms, not ${options.grace}\n`);
    return EXIT.usage;
  }
  const config = await loadConfigOrReport({ ...global, json: false });
  if (typeof config === 'number') return config;
  const { secrets } = secretsOf(config);
  const logger = createLogger({ level: global.logLevel ?? config.logging.level, format: config.logging.format, secrets });
  // one client: the shares that keep clients of a server from starving each other would only slow it down
  config.execution.clientConcurrency = config.execution.concurrency;
  config.execution.clientQueue = config.execution.queue;
  for (const group of config.apis) group.clientConcurrency = group.concurrency;
  // the session lives as long as this process and no token leaves it: a secret of its own is enough
  config.auth.jwtSecret ??= randomBytes(32).toString('hex');
  let daemon: Daemon;
  try {
    daemon = await build(config, logger, { secrets, mcp: true });
  } catch (error) {
    process.stderr.write(`atp mcp: ${secrets.mask((error as Error).message)}\n`);
    return EXIT.failure;
  }
  try {
    await Promise.all([daemon.executor.warm(), daemon.discovery.warmUp()]);
    const serving = await serveStdio(daemon.mcp!);
    const groups = daemon.loaded.map((group) => `${group.name} (${group.kind}, ${group.functions})`).join(', ');
    logger.info(`atp mcp: serving ${daemon.catalog.size} functions over MCP on stdio${groups ? `: ${groups}` : ''}`);
    for (const group of daemon.missing) logger.warn(`API group '${group.name}' is optional and failed to load, so its functions are absent: ${group.error}`);
    const signalled = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const why = await Promise.race([serving.closed.then(() => 'the client closed stdin'), signalled]);
    logger.info(`atp mcp: ${why}; stopping`);
    await serving.close();
    return EXIT.ok;
  } catch (error) {
    process.stderr.write(`atp mcp: ${secrets.mask((error as Error).message)}\n`);
    return EXIT.failure;
  } finally {
    await daemon.stop(grace);
  }
}
