// `type: mcp`: one MCP server (spawned on stdio, or remote over streamable HTTP / SSE) is one group. A remote
// server whose users sign in (auth oauth2) has a session per client, each carrying its user's token.

import { createHash } from 'node:crypto';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { McpGroupConfig } from '../../../config/index.js';
import type { Logger } from '../../../logging/index.js';
import { AuthorizationRequiredError, GroupLoadError, type GroupCredentials, type KeyValueStore, type LoadContext, type Loader, type Tool, type ToolGroup } from '../../types.js';
import { discoverProvider } from './authorization.js';
import { handshakeTimeout } from './connect.js';
import { listAllTools, McpConnection, type Sessions } from './connection.js';
import { toTools } from './tools.js';
import { UserSessions } from './user-sessions.js';

export { McpToolError } from './result.js';
export { McpUnavailableError } from './connection.js';

export const mcpLoader: Loader<McpGroupConfig> = {
  async load(config: McpGroupConfig, ctx: LoadContext): Promise<ToolGroup> {
    const logger = ctx.logger.child({ group: config.name });
    let group: McpGroup | undefined;
    try {
      group = config.auth?.type === 'oauth2' && config.url ? await userGroup(config, ctx, logger) : new McpGroup(config, logger, ctx.store);
      await group.init();
    } catch (error) {
      await group?.close();
      throw new GroupLoadError(config.name, (error as Error).message, { cause: error });
    }
    return group;
  },
};

export class McpGroup implements ToolGroup {
  readonly name: string;
  readonly kind = 'mcp' as const;
  readonly description?: string;
  tools: Tool[] = [];
  /** The group's one session; absent when each user has their own (auth oauth2). */
  readonly connection?: McpConnection;
  private readonly sessions: Sessions;
  private readonly users?: UserSessions;
  private listed = '';
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly config: McpGroupConfig,
    private readonly logger: Logger,
    private readonly store?: KeyValueStore,
    private readonly credentials?: GroupCredentials,
  ) {
    this.name = config.name;
    this.description = config.description;
    const events = { onTools: (list: McpTool[]) => this.update(list) };
    if (credentials) {
      this.users = new UserSessions(config, logger, credentials, events);
      this.sessions = this.users;
    } else {
      this.connection = new McpConnection(config, logger, events);
      this.sessions = this.connection;
    }
  }

  /** Starts the server and lists its tools; a lazy group uses the list stored by an earlier run and starts on its first call. */
  async init(): Promise<void> {
    if (this.users) return this.initForUsers(this.users);
    const connection = this.connection!;
    if (this.config.lazy) {
      const cached = await this.cachedList();
      if (cached) {
        this.update(cached, false);
        this.logger.debug('lazy MCP group: tools from the store, server starts on first call', { functions: this.tools.length });
        return;
      }
      this.update(await connection.start());
      await connection.stop(); // listed once for the catalog; runs from its first call on
      return;
    }
    this.update(await connection.start());
  }

  /**
   * The server lists its tools only to a signed-in user: as the user this process acts for when there is one
   * (atp exec after atp login), else the list an earlier run stored, else none until someone signs in; every
   * sign-in lists them again with the new user's token.
   */
  private async initForUsers(users: UserSessions): Promise<void> {
    this.credentials!.onSignIn?.((token) => {
      users.reset();
      users.listWith(token).then(
        (list) => this.update(list),
        (error: Error) => this.logger.warn(`could not list the tools after a sign-in: ${error.message}`),
      );
    });
    const signal = AbortSignal.timeout(handshakeTimeout(this.config));
    try {
      const client = await users.acquire(signal);
      try {
        this.update(await listAllTools(client, handshakeTimeout(this.config)));
        return;
      } finally {
        users.release(client);
      }
    } catch (error) {
      if (!(error instanceof AuthorizationRequiredError)) throw error;
    }
    const cached = await this.cachedList();
    if (cached) {
      this.update(cached, false);
      this.logger.info('the MCP server lists its tools to signed-in users only: its tools as an earlier sign-in listed them', { functions: this.tools.length });
      return;
    }
    this.listed = '[]'; // the first list, after a sign-in, is news to the catalog
    this.logger.warn(`the MCP server lists its tools to signed-in users only, and none has signed in yet: api.${this.name} has no functions until someone does (GET /api/oauth/${this.name} on atp serve gives a sign-in link; atp login ${this.name} from a terminal)`);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await (this.users ?? this.connection)?.close();
  }

  private update(list: McpTool[], persist = true): void {
    const text = JSON.stringify(list);
    if (text === this.listed) return;
    const first = this.listed === '';
    this.listed = text;
    this.tools = toTools(list, this.config, this.sessions);
    if (persist) void this.saveList(list);
    if (first) return;
    this.logger.info('the MCP server changed its tools', { functions: this.tools.length });
    for (const listener of this.listeners) listener();
  }

  private get storeKey(): string {
    const where = JSON.stringify([this.config.command, this.config.args, this.config.url]);
    return `atp:mcp-tools:v1:${this.name}:${createHash('sha256').update(where).digest('hex').slice(0, 16)}`;
  }

  private async cachedList(): Promise<McpTool[] | undefined> {
    try {
      const stored = await this.store?.get(this.storeKey);
      return Array.isArray(stored) && stored.every((tool) => typeof tool?.name === 'string') ? (stored as McpTool[]) : undefined;
    } catch (error) {
      this.logger.warn('could not read the stored MCP tool list', { error: (error as Error).message });
      return undefined;
    }
  }

  private async saveList(list: McpTool[]): Promise<void> {
    if (!this.store) return;
    try {
      await this.store.set(this.storeKey, list);
    } catch (error) {
      this.logger.warn('could not store the MCP tool list', { error: (error as Error).message });
    }
  }
}

/** A remote server whose users sign in: its authorization server discovered, its provider registered for sign-ins. */
async function userGroup(config: McpGroupConfig, ctx: LoadContext, logger: Logger): Promise<McpGroup> {
  const provider = await discoverProvider(config, handshakeTimeout(config));
  const credentials = ctx.credentials?.register(config.name, provider) ?? {
    accessToken: async () => {
      throw new AuthorizationRequiredError(config.name, `api.${config.name} calls its MCP server as a signed-in user (auth oauth2), and nobody can sign in here; run it under atp serve, or sign in with atp login ${config.name} before atp exec`);
    },
    invalidate: () => false,
  };
  logger.debug('MCP server authorization discovered', { authorizationUrl: provider.authorizationUrl, registers: !provider.clientId, resource: provider.resource });
  return new McpGroup(config, logger, ctx.store, credentials);
}
