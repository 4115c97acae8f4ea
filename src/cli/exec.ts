// `atp exec`: run agent code against the configured APIs from a terminal. The result goes to stdout, logs and
// progress to stderr; LLM and approval callbacks are answered at the terminal, or fail clearly without one.

import { readFile } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline/promises';
import type { Command } from 'commander';
import Keyv from 'keyv';
import { createAudit, type Audit } from '../audit/index.js';
import { formatDuration, parseDuration, parseSize, type Config } from '../config/index.js';
import { type CallbackRequest, type ExecutionResult, type ExecutionStatus, type LogEvent, type ProgressEvent } from '../execution/index.js';
import { createLogger, type Logger } from '../logging/index.js';
import { stackIn } from '../sandbox/index.js';
import { secretsOf } from '../secrets/index.js';
import { createEngine, openTools, type Tools } from '../server/index.js';
import { openStore, type Store } from '../store/index.js';
import { terminalDelegation, type TerminalDelegation } from '../oauth/index.js';
import { EXIT, globalOptions, loadConfigOrReport, printJson } from './output.js';

/** One exit code per outcome, so scripts can tell them apart. */
export const EXEC_EXIT: Record<ExecutionStatus, number> = {
  completed: 0, failed: 3, parse_error: 4, timeout: 5, memory_exceeded: 6, llm_calls_exceeded: 7, security_violation: 8,
  network_error: 9, cancelled: 10, rate_limited: 11, validation_failed: 12, loop_detected: 13, paused: 14,
};

interface ExecOptions { timeout?: string; memory?: string; llmCalls?: string }

export function registerExec(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('exec <file>')
    .description('run agent code (a .ts/.js file, or - for stdin) against the configured APIs and print its result')
    .option('-t, --timeout <duration>', 'wall-clock limit, e.g. 5s (default execution.timeout, at most execution.maxTimeout)')
    .option('-m, --memory <size>', 'heap limit, e.g. 64MB (default execution.memory, at most execution.maxMemory)')
    .option('--llm-calls <n>', 'atp.llm calls allowed (default execution.llmCalls, at most execution.maxLLMCalls)')
    .action(async (file: string, options: ExecOptions) => setExit(await runExec(command, file, options)));
  command.addHelpText('after', `
The code is the body of an async function: top-level await and return work, TypeScript is accepted.
It calls api.<group>.<function>(input) and atp.* (see GET /api/runtime). The returned value is printed
(strings as they are, anything else as JSON); with --json the whole ExecutionResult is. Logs and progress
go to stderr. On a terminal, atp.llm.* and atp.approval.request are asked at the prompt; without one
(stdin piped, or code read from -) they throw "service not provided" inside the code.

Exit codes:
  0  completed            5  timeout               10  cancelled
  1  atp could not run    6  memory_exceeded       11  rate_limited
     (config, file, APIs) 7  llm_calls_exceeded    12  validation_failed
  2  usage error          8  security_violation    13  loop_detected
  3  failed               9  network_error         14  paused (a callback went unanswered)
  4  parse_error

Examples:
  atp exec -c atp.yaml script.ts
  echo 'return await api.github.repos.get({ owner: "octocat", repo: "hello-world" })' | atp exec -
  atp exec --timeout 5s --memory 64MB --json job.ts`);
}

async function runExec(command: Command, file: string, options: ExecOptions): Promise<number> {
  const global = globalOptions(command);
  let code: string;
  try {
    code = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    process.stderr.write(`atp exec: cannot read ${file === '-' ? 'stdin' : file}: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
  const config = await loadConfigOrReport(global);
  if (typeof config === 'number') return config;
  const limits = requestLimits(config, options);
  if (typeof limits === 'string') return usage(limits);
  const { secrets } = secretsOf(config);
  const logger = createLogger({ level: global.logLevel ?? 'warn', format: config.logging.format, secrets });
  config.execution.pool = 0; // one execution: no warm isolates to keep
  // one client: the shares that keep clients of a server from starving each other would only slow it down
  for (const group of config.apis) group.clientConcurrency = group.concurrency;
  const interactive = file !== '-' && Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY);

  let tools: Tools | undefined;
  let cache: Store | undefined;
  let audit: Audit | undefined;
  let oauth: TerminalDelegation | undefined;
  try {
    audit = createAudit(config, { logger, stdout: process.stderr, secrets }); // standard output carries the result
    // groups that act for a user call as the one atp login signed in
    // without them (no oauth.encryptionKey) only those groups' calls fail, each saying why
    oauth = await terminalDelegation(config, { secrets, logger, configArg: global.config ? `-c ${global.config}` : undefined }).catch((error: Error) => {
      logger.warn(`groups that act for a signed-in user cannot: ${error.message}`);
      return undefined;
    });
    tools = await openTools(config, { logger, secrets, credentials: oauth?.delegation });
    cache = await openStore(config.cache.store, { namespace: `${config.cache.namespace}:cache` });
  } catch (error) {
    await Promise.all([closeAll(tools, cache, audit), oauth?.close()]);
    process.stderr.write(`atp exec: ${secrets.mask((error as Error).message)}\n`);
    return EXIT.failure;
  }
  // traced like a server's executions when telemetry.endpoint is set, under TRACEPARENT if the caller is traced;
  // OpenTelemetry is loaded only then
  const telemetry = config.telemetry.endpoint
    ? (await import('../telemetry/index.js')).createTelemetry(config.telemetry, { logger, version: command.parent?.version() ?? 'unknown' })
    : undefined;
  const traced = <T>(work: () => Promise<T>) => (telemetry ? telemetry.within(process.env.TRACEPARENT, work) : work());
  const executor = createEngine(config, tools.catalog, { stateStore: new Keyv(), cacheStore: cache.keyv, logger, audit, telemetry });
  const prompt = interactive ? createInterface({ input: process.stdin, output: process.stderr }) : undefined;
  try {
    const hooks = { onLog: printLog, onProgress: printProgress };
    let result = await traced(() => executor.execute({
      code, clientId: 'atp-exec', limits, clientTools: [], ...hooks,
      services: { hasLLM: interactive, hasApproval: interactive, hasEmbedding: false, hasTools: false },
    }));
    while (result.status === 'paused' && prompt) {
      const answer = result.needsCallbacks
        ? { results: await sequential(result.needsCallbacks, async (callback) => ({ id: callback.id, result: await ask(prompt, callback) })) }
        : { result: await ask(prompt, result.needsCallback!) };
      const { executionId } = result;
      result = await traced(() => executor.resume(executionId, 'atp-exec', answer, hooks));
    }
    return report(result, file === '-' ? '<stdin>' : file, global.json);
  } finally {
    prompt?.close();
    await executor.close(0);
    await Promise.all([closeAll(tools, cache, audit), oauth?.close()]);
    await telemetry?.close(); // the spans go out before the process exits
  }
}

/** Each limit from its option, else from the config; a message names the one that was read (`--memory 4MB`, `execution.memory (4000000)`). */
function requestLimits(config: Config, options: ExecOptions): { timeout: number; memory: number; llmCalls: number } | string {
  const { execution } = config;
  const named = (option: string, setting: string, given: string | undefined, value: number) => (given === undefined ? `${setting} (${value})` : `${option} ${given}`);
  const timeout = options.timeout === undefined ? execution.timeout : parseDuration(options.timeout);
  const timeoutFrom = named('--timeout', 'execution.timeout', options.timeout, execution.timeout);
  if (timeout === undefined || timeout <= 0) return `${timeoutFrom}: the timeout must be a duration such as 5s or 500ms`;
  if (timeout > execution.maxTimeout) return `${timeoutFrom} is above execution.maxTimeout (${formatDuration(execution.maxTimeout)})`;
  const memory = options.memory === undefined ? execution.memory : parseSize(options.memory);
  const memoryFrom = named('--memory', 'execution.memory', options.memory, execution.memory);
  if (memory === undefined || memory < 8e6) return `${memoryFrom}: the memory must be a size of at least 8MB, such as 64MB`;
  if (memory > execution.maxMemory) return `${memoryFrom} is above execution.maxMemory (${execution.maxMemory} bytes)`;
  const llmCalls = options.llmCalls === undefined ? execution.llmCalls : Number(options.llmCalls);
  const llmCallsFrom = named('--llm-calls', 'execution.llmCalls', options.llmCalls, execution.llmCalls);
  if (!Number.isInteger(llmCalls) || llmCalls < 0) return `${llmCallsFrom}: the number of LLM calls must be a whole number`;
  if (llmCalls > execution.maxLLMCalls) return `${llmCallsFrom} is above execution.maxLLMCalls (${execution.maxLLMCalls})`;
  return { timeout, memory, llmCalls };
}

async function closeAll(tools?: Tools, store?: Store, audit?: Audit): Promise<void> {
  await Promise.allSettled([tools?.catalog.close(), store?.close(), audit?.close()]);
}

/** Asks one callback at the terminal; what cannot be answered by hand is refused with an __error. */
async function ask(prompt: Interface, callback: CallbackRequest): Promise<unknown> {
  const payload = callback.payload as Record<string, unknown>;
  const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  try {
    if (callback.type === 'llm' && callback.operation === 'extract') {
      process.stderr.write(`\natp.llm.extract asks:\n${show(payload.prompt)}\nschema: ${show(payload.schema)}\n`);
      for (;;) {
        const text = await prompt.question('answer (JSON)> ');
        try {
          return JSON.parse(text);
        } catch {
          process.stderr.write('that is not JSON; try again\n');
        }
      }
    }
    if (callback.type === 'llm' && callback.operation === 'classify') {
      process.stderr.write(`\natp.llm.classify asks:\n${show(payload.text)}\ncategories: ${(payload.categories as unknown[]).join(', ')}\n`);
      return await prompt.question('category> ');
    }
    if (callback.type === 'llm') {
      process.stderr.write(`\natp.llm.call asks:\n${show(payload.prompt)}\n`);
      return await prompt.question('answer> ');
    }
    if (callback.type === 'approval') {
      const context = payload.context && Object.keys(payload.context).length > 0 ? `\ncontext: ${show(payload.context)}` : '';
      process.stderr.write(`\natp.approval.request:\n${show(payload.message)}${context}\n`);
      const answer = (await prompt.question('approve? [y/N] ')).trim().toLowerCase();
      return { approved: answer === 'y' || answer === 'yes', timestamp: Date.now() };
    }
  } catch {
    return { __error: true, message: 'no answer: the terminal input ended' };
  }
  return { __error: true, message: `${callback.type} service not provided by client: atp exec cannot answer ${callback.type} callbacks` };
}

/** `shown`: the file as given (or <stdin>), so that an editor can jump to the places an error names. */
function report(result: ExecutionResult, shown: string, json: boolean | undefined): number {
  if (result.error?.stack) result.error.stack = stackIn(result.error.stack, shown);
  if (json) printJson(result);
  else if (result.status === 'completed') {
    if (result.result !== undefined) process.stdout.write((typeof result.result === 'string' ? result.result : JSON.stringify(result.result, null, 2)) + '\n');
  } else {
    const error = result.error;
    process.stderr.write(`atp exec: ${result.status}${error?.code ? ` ${error.code}` : ''}: ${error?.message ?? 'no details'}\n`);
    const frames = error?.stack?.split('\n').slice(1) ?? [];
    if (frames.length === 0 && error?.line !== undefined) frames.push(`    at ${shown}:${error.line}:${error.column ?? 1}`); // a syntax error, a timeout
    if (frames.length > 0) process.stderr.write(frames.join('\n') + '\n');
    if (error?.suggestion) process.stderr.write(`hint: ${error.suggestion}\n`);
    if (/^(llm|approval|embedding) service not provided/.test(error?.message ?? '')) {
      process.stderr.write('hint: atp exec answers atp.llm and atp.approval at a terminal only: run it on a TTY with the code in a file\n');
    }
  }
  return EXEC_EXIT[result.status] ?? EXIT.failure;
}

function printLog(event: LogEvent): void {
  const data = event.data === undefined ? '' : ` ${JSON.stringify(event.data)}`;
  process.stderr.write(`[${event.level}] ${event.message}${data}\n`);
}

function printProgress(event: ProgressEvent): void {
  const percent = event.fraction === undefined ? '' : ` ${Math.round(event.fraction * 100)}%`;
  process.stderr.write(`[progress${percent}] ${event.message}\n`);
}

async function sequential<T, R>(items: T[], each: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await each(item));
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function usage(message: string): number {
  process.stderr.write(`atp exec: ${message}\n`);
  return EXIT.usage;
}
