// One MCP session: an SDK Server answering search_api, explore_api and execute_code, bound to one ATP client
// session (its clientId scopes atp.cache, fairness and isolates as for any ATP client). Pauses are answered
// over MCP (pauses.ts); logs and progress go out as notifications on the tool call they belong to.

import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, SetLevelRequestSchema,
  type CallToolResult, type LoggingLevel, type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Catalog } from '../catalog/index.js';
import type { McpDeps } from './types.js';
import { TOOL_NAMES, toolDefinitions } from './descriptions.js';
import { executeCode, SERVICES, type CallExtra } from './execute.js';
import { toolError } from './results.js';

const INSTRUCTIONS = `Code mode over the APIs this server declares: find functions with ${TOOL_NAMES.search} (or browse with ${TOOL_NAMES.explore}), then write one TypeScript program that calls them and run it with ${TOOL_NAMES.execute}. One program with several calls beats many tool calls.`;
const MAX_RESULTS = 50;

export interface McpOpener {
  transport: 'stdio' | 'http';
  /** Whose OAuth tokens the session's calls use, when that is not the session itself (oauth.user: apiKey). */
  user?: string;
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
      case TOOL_NAMES.execute: return executeCode({ ...this.deps, server: this.server, atpClientId: () => this.atpClientId(), logLevel: () => this.level }, args, extra);
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
}
