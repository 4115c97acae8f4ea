// One MCP session: an SDK Server answering search_api, explore_api and execute_code, bound to one ATP client
// session (its clientId scopes atp.cache, fairness and isolates as for any ATP client). Pauses are answered
// over MCP (pauses.ts); logs and progress go out as notifications on the tool call they belong to.

import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, LoggingLevelSchema, McpError, SetLevelRequestSchema,
  type CallToolResult, type LoggingLevel, type RequestId, type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import type { ClientServices, ExecutionResult, LogEvent, ProgressEvent } from '../execution/index.js';
import type { Catalog } from '../catalog/index.js';
import type { McpDeps } from './types.js';
import { TOOL_NAMES, toolDefinitions } from './descriptions.js';
import { answerPause } from './pauses.js';
import { executionToolResult, LogBook, toolError } from './results.js';

const INSTRUCTIONS = `Code mode over the APIs this server declares: find functions with ${TOOL_NAMES.search} (or browse with ${TOOL_NAMES.explore}), then write one TypeScript program that calls them and run it with ${TOOL_NAMES.execute}. One program with several calls beats many tool calls.`;
const MAX_RESULTS = 50;
// what a pause may ask: all of it is answered over MCP, or refused naming the capability the client lacks
const SERVICES: ClientServices = { hasLLM: true, hasApproval: true, hasEmbedding: true, hasTools: false };
const SEVERITY = new Map(LoggingLevelSchema.options.map((level, i) => [level, i]));
const MCP_LEVEL: Record<LogEvent['level'], LoggingLevel> = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' };

export interface McpOpener {
  transport: 'stdio' | 'http';
  /** Whose OAuth tokens the session's calls use, when that is not the session itself (oauth.user: apiKey). */
  user?: string;
}

interface CallExtra {
  signal: AbortSignal;
  requestId: RequestId;
  _meta?: { progressToken?: string | number };
  sendNotification(notification: ServerNotification): Promise<void>;
}

export class McpSession {
  readonly server: Server;
  private atpClient?: Promise<string>;
  private clientId?: string;
  private level: LoggingLevel = 'debug';
  /** The catalog whose changes tell the client to list the tools again: a reload of the config brings another. */
  private followed?: { catalog: Catalog; unsubscribe(): void };

  constructor(private readonly deps: McpDeps, private readonly opener: McpOpener) {
    this.server = new Server({ name: 'atp', version: deps.version }, { capabilities: { tools: { listChanged: true }, logging: {} }, instructions: INSTRUCTIONS });
    // the SDK keeps the level for its own sendLoggingMessage; ours go out on the tool call's stream, filtered here
    this.server.removeRequestHandler('logging/setLevel');
    this.server.setRequestHandler(SetLevelRequestSchema, (request) => {
      this.level = request.params.level;
      return {};
    });
    this.server.setRequestHandler(ListToolsRequestSchema, () => {
      this.follow();
      return { tools: toolDefinitions(deps.catalog, deps.config.execution) };
    });
    this.server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
      if (this.followed && this.followed.catalog !== deps.catalog) this.toolsChanged(extra.requestId); // the config was reloaded
      return this.call(request.params.name, request.params.arguments ?? {}, extra);
    });
  }

  /** The ATP client this session runs as, opened at its first execution. */
  atpClientId(): Promise<string> {
    this.atpClient ??= this.deps.sessions.create({
      tools: [],
      services: SERVICES,
      clientInfo: { ...this.server.getClientVersion(), via: `mcp-${this.opener.transport}` },
      ...(this.opener.user && { user: this.opener.user }),
    }).then(({ session }) => {
      this.clientId = session.clientId;
      this.deps.toolCalls.watch(session.clientId);
      return session.clientId;
    }, (error: unknown) => {
      this.atpClient = undefined; // the store may be back for the next call
      throw error;
    });
    return this.atpClient;
  }

  async close(): Promise<void> {
    this.followed?.unsubscribe();
    this.followed = undefined;
    if (this.clientId) this.deps.toolCalls.unwatch(this.clientId);
    await this.server.close();
  }

  /** Watches the catalog the tools were listed from: a lazily listed MCP group that changes its tools changes the index. */
  private follow(): void {
    const { catalog } = this.deps;
    if (this.followed?.catalog === catalog) return;
    this.followed?.unsubscribe();
    this.followed = { catalog, unsubscribe: catalog.onChange(() => this.toolsChanged()) };
  }

  /** `relatedRequestId`: the call to send it with (over HTTP, the only stream there is). */
  private toolsChanged(relatedRequestId?: RequestId): void {
    this.follow();
    // a client gone, or one not initialized yet, is told nothing
    this.server.notification({ method: 'notifications/tools/list_changed' }, relatedRequestId === undefined ? undefined : { relatedRequestId }).catch(() => undefined);
  }

  private async call(name: string, args: Record<string, unknown>, extra: CallExtra): Promise<CallToolResult> {
    switch (name) {
      case TOOL_NAMES.search: return this.search(args);
      case TOOL_NAMES.explore: return this.explore(args);
      case TOOL_NAMES.execute: return this.execute(args, extra);
      default: throw new McpError(ErrorCode.InvalidParams, `no tool named ${name}; this server has ${Object.values(TOOL_NAMES).join(', ')}`);
    }
  }

  private async search(args: Record<string, unknown>): Promise<CallToolResult> {
    const { query, apiGroups, maxResults } = args;
    if (typeof query !== 'string' || query.trim() === '') return toolError('query must be a non-empty string: what you want to do, in words');
    if (apiGroups !== undefined && (!Array.isArray(apiGroups) || !apiGroups.every((group) => typeof group === 'string'))) return toolError('apiGroups must be a list of group names');
    if (maxResults !== undefined && (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1)) return toolError('maxResults must be a whole number, 1 or more');
    const hits = await this.deps.discovery.search(query, {
      ...(apiGroups !== undefined && { apiGroups: apiGroups as string[] }),
      maxResults: Math.min((maxResults as number | undefined) ?? this.deps.config.search.maxResults, MAX_RESULTS),
    });
    if (hits.length === 0) return { content: [{ type: 'text', text: `No function matches "${query}". Try other words, or ${TOOL_NAMES.explore} with path "/" to browse.` }] };
    const text = hits.map((hit) => (hit.description ? `${hit.signature}\n  ${hit.description}` : hit.signature)).join('\n');
    return { content: [{ type: 'text', text }] };
  }

  private async explore(args: Record<string, unknown>): Promise<CallToolResult> {
    const path = args.path ?? '/';
    if (typeof path !== 'string') return toolError('path must be a string such as /, /github or /github/issues/create');
    const node = this.deps.discovery.explore(path);
    if (!node) return toolError(`nothing at ${path}; ${TOOL_NAMES.explore} with path "/" lists the groups`);
    if (node.type === 'directory') {
      const lines = node.items.map((item) => `  ${item.name}${item.type === 'directory' ? '/' : '()'}${item.description ? `  ${item.description}` : ''}`);
      return { content: [{ type: 'text', text: `${node.path}\n${lines.join('\n')}` }] };
    }
    const id = node.path.split('/').filter(Boolean).join('.');
    const { typescript } = this.deps.discovery.definitions([id], undefined, 'full');
    return { content: [{ type: 'text', text: `${node.path}: call it as ${node.definition}\n\n${typescript}` }] };
  }

  private async execute(args: Record<string, unknown>, extra: CallExtra): Promise<CallToolResult> {
    const { code } = args;
    if (typeof code !== 'string' || code.trim() === '') return toolError('code must be a non-empty string of TypeScript: the body of an async function that returns a value');
    if (this.deps.lifecycle?.draining) return toolError('the server is shutting down; run the code again once it is back');
    const { execution } = this.deps.config;
    const logs = new LogBook();
    const hooks = { onLog: (event: LogEvent) => this.onLog(event, logs, extra), onProgress: progressNotifier(extra) };
    let result: ExecutionResult | undefined;
    let running: string | undefined;
    let cancel: () => void = () => undefined;
    // the client cancelled the tool call (notifications/cancelled): the execution ends, running or paused
    const onCancelled = () => cancel();
    extra.signal.addEventListener('abort', onCancelled, { once: true });
    try {
      const clientId = await this.atpClientId();
      cancel = () => {
        if (running) this.deps.executor.cancel(running, clientId, 'request').catch(() => undefined);
      };
      result = await this.deps.executor.execute({
        code, clientId, clientTools: [], services: SERVICES, ...hooks,
        limits: { timeout: execution.timeout, memory: execution.memory, llmCalls: execution.llmCalls },
        onStart: (executionId) => {
          running = executionId;
          if (extra.signal.aborted) cancel();
        },
      });
      const pause = { server: this.server, requestId: extra.requestId, signal: extra.signal, timeoutMs: this.deps.config.state.maxPauseDuration };
      while (result.status === 'paused') {
        result = await this.deps.executor.resume(result.executionId, clientId, await answerPause(result, pause), hooks);
      }
      return executionToolResult(result, logs.list(), this.deps.toolCalls.calls(result.executionId, true));
    } catch (error) {
      if (running) this.deps.toolCalls.calls(running, true);
      if (extra.signal.aborted) return toolError('cancelled by the client');
      this.deps.logger.warn(`execute_code could not finish: ${(error as Error).message}`);
      return toolError(`the code could not be run to its end: ${(error as Error).message}; try again`);
    } finally {
      extra.signal.removeEventListener('abort', onCancelled);
    }
  }

  private onLog(event: LogEvent, logs: LogBook, extra: CallExtra): void {
    logs.add(event);
    const level = MCP_LEVEL[event.level];
    if (SEVERITY.get(level)! < SEVERITY.get(this.level)!) return;
    const data = event.data === undefined ? event.message : { message: event.message, data: event.data };
    extra.sendNotification({ method: 'notifications/message', params: { level, logger: 'atp', data } }).catch(() => undefined); // the client may be gone
  }
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
