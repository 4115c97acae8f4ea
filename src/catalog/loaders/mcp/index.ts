// `type: mcp`: one MCP server (spawned on stdio, or remote over streamable HTTP / SSE) is one group.

import { createHash } from 'node:crypto';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { McpGroupConfig } from '../../../config/index.js';
import type { Logger } from '../../../logging/index.js';
import { GroupLoadError, type KeyValueStore, type LoadContext, type Loader, type Tool, type ToolGroup } from '../../types.js';
import { McpConnection } from './connection.js';
import { toTools } from './tools.js';

export { McpToolError } from './result.js';
export { McpUnavailableError } from './connection.js';

export const mcpLoader: Loader<McpGroupConfig> = {
  async load(config: McpGroupConfig, ctx: LoadContext): Promise<ToolGroup> {
    const group = new McpGroup(config, ctx.logger.child({ group: config.name }), ctx.store);
    try {
      await group.init();
    } catch (error) {
      await group.close();
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
  readonly connection: McpConnection;
  private listed = '';
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly config: McpGroupConfig,
    private readonly logger: Logger,
    private readonly store?: KeyValueStore,
  ) {
    this.name = config.name;
    this.description = config.description;
    this.connection = new McpConnection(config, logger, { onTools: (list) => this.update(list) });
  }

  /** Starts the server and lists its tools; a lazy group uses the list stored by an earlier run and starts on its first call. */
  async init(): Promise<void> {
    if (this.config.lazy) {
      const cached = await this.cachedList();
      if (cached) {
        this.update(cached, false);
        this.logger.debug('lazy MCP group: tools from the store, server starts on first call', { functions: this.tools.length });
        return;
      }
      this.update(await this.connection.start());
      await this.connection.stop(); // listed once for the catalog; runs from its first call on
      return;
    }
    this.update(await this.connection.start());
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.connection.close();
  }

  private update(list: McpTool[], persist = true): void {
    const text = JSON.stringify(list);
    if (text === this.listed) return;
    const first = this.listed === '';
    this.listed = text;
    this.tools = toTools(list, this.config, this.connection);
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
