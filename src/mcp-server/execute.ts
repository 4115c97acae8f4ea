// execute_code: run the program as this session's ATP client, answer its pauses over MCP until it ends, and turn
// its outcome into a tool result. A cancelled tool call cancels the execution; logs and progress are notifications.

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { LoggingLevelSchema, type CallToolResult, type LoggingLevel, type RequestId, type ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { ClientServices, LogEvent, ProgressEvent } from '../execution/index.js';
import type { McpDeps } from './types.js';
import { answerPause } from './pauses.js';
import { executionToolResult, LogBook, toolError } from './results.js';

// what a pause may ask: all of it is answered over MCP, or refused naming the capability the client lacks
export const SERVICES: ClientServices = { hasLLM: true, hasApproval: true, hasEmbedding: true, hasTools: false };
const SEVERITY = new Map(LoggingLevelSchema.options.map((level, i) => [level, i]));
const MCP_LEVEL: Record<LogEvent['level'], LoggingLevel> = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' };

/** What the SDK hands a request handler, as far as a tool call needs it. */
export interface CallExtra {
  signal: AbortSignal;
  requestId: RequestId;
  _meta?: { progressToken?: string | number };
  sendNotification(notification: ServerNotification): Promise<void>;
}

export interface ExecuteContext extends McpDeps {
  server: Server;
  atpClientId(): Promise<string>;
  /** The level the client set with logging/setLevel. */
  logLevel(): LoggingLevel;
}

export async function executeCode(context: ExecuteContext, args: Record<string, unknown>, extra: CallExtra): Promise<CallToolResult> {
  const { code } = args;
  if (typeof code !== 'string' || code.trim() === '') return toolError('code must be a non-empty string of TypeScript: the body of an async function that returns a value');
  if (context.lifecycle?.draining) return toolError('the server is shutting down; run the code again once it is back');
  const { execution } = context.config;
  const logs = new LogBook();
  const hooks = { onLog: (event: LogEvent) => notifyLog(event, logs, context.logLevel(), extra), onProgress: progressNotifier(extra) };
  let running: string | undefined;
  let cancel: () => void = () => undefined;
  // the client cancelled the tool call (notifications/cancelled): the execution ends, running or paused
  const onCancelled = () => cancel();
  extra.signal.addEventListener('abort', onCancelled, { once: true });
  try {
    const clientId = await context.atpClientId();
    cancel = () => {
      if (running) context.executor.cancel(running, clientId, 'request').catch(() => undefined);
    };
    let result = await context.executor.execute({
      code, clientId, clientTools: [], services: SERVICES, ...hooks,
      limits: { timeout: execution.timeout, memory: execution.memory, llmCalls: execution.llmCalls },
      // a group the person has not signed in to: asked through elicitation (the link, then approve), else an error with the link
      authorization: context.server.getClientCapabilities()?.elicitation?.form ? 'pause' : 'fail',
      onStart: (executionId) => {
        running = executionId;
        if (extra.signal.aborted) cancel();
      },
    });
    const pause = { server: context.server, requestId: extra.requestId, signal: extra.signal, timeoutMs: context.config.state.maxPauseDuration };
    while (result.status === 'paused') {
      result = await context.executor.resume(result.executionId, clientId, await answerPause(result, pause), hooks);
    }
    return executionToolResult(result, logs.list(), context.toolCalls.calls(result.executionId, true));
  } catch (error) {
    if (running) context.toolCalls.calls(running, true);
    if (extra.signal.aborted) return toolError('cancelled by the client');
    context.logger.warn(`execute_code could not finish: ${(error as Error).message}`);
    return toolError(`the code could not be run to its end: ${(error as Error).message}; try again`);
  } finally {
    extra.signal.removeEventListener('abort', onCancelled);
  }
}

/** Kept for the result, and sent at once when at or above the level the client set. */
function notifyLog(event: LogEvent, logs: LogBook, threshold: LoggingLevel, extra: CallExtra): void {
  logs.add(event);
  const level = MCP_LEVEL[event.level];
  if (SEVERITY.get(level)! < SEVERITY.get(threshold)!) return;
  const data = event.data === undefined ? event.message : { message: event.message, data: event.data };
  extra.sendNotification({ method: 'notifications/message', params: { level, logger: 'atp', data } }).catch(() => undefined); // the client may be gone
}

/** atp.progress as MCP progress on the tool call, when the client asked for it (a progressToken); always increasing. */
function progressNotifier(extra: CallExtra): ((event: ProgressEvent) => void) | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let last = 0;
  return (event) => {
    const reported = event.current ?? (event.fraction !== undefined ? event.fraction * 100 : undefined);
    const total = event.current !== undefined ? event.total : event.fraction !== undefined ? 100 : undefined;
    last = reported !== undefined && reported > last ? reported : last + 1e-3;
    const params = { progressToken: token, progress: last, ...(total !== undefined && { total }), ...(event.message && { message: event.message }) };
    extra.sendNotification({ method: 'notifications/progress', params }).catch(() => undefined);
  };
}
