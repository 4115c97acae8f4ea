// The life of one MCP group's session: start (now or on first call), restart with backoff when the server
// dies, let calls made meanwhile wait a bounded time, and close without leaving a process behind.

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { McpGroupConfig } from '../../../config/index.js';
import type { Logger } from '../../../logging/index.js';
import { ToolCallError } from '../../types.js';
import { handshakeTimeout, openClient, type OpenedClient } from './connect.js';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
/** A session that lived this long resets the backoff: its end is a new incident, not a crash loop. */
const HEALTHY_AFTER_MS = 30_000;
/** The longest a call waits for a (re)start, within its own timeout. */
const MAX_WAIT_MS = 15_000;

type State = 'idle' | 'starting' | 'ready' | 'restarting' | 'closed';

/** Where a tool call gets its MCP client: the group's one session, or its user's (user-sessions.ts). */
export interface Sessions {
  acquire(signal: AbortSignal, clientId?: string): Promise<Client>;
  /** The call that acquired `client` is over. */
  release(client: Client): void;
  sessionLost(reason: string, clientId?: string): void;
}

export interface ConnectionEvents {
  /** The server's tool list, after tools/list_changed or a restart. */
  onTools(tools: McpTool[]): void;
}

/** Raised to callers while the server is down or restarting. */
export class McpUnavailableError extends ToolCallError {
  constructor(message: string) {
    super(message, { code: 'NETWORK_ERROR', retryable: true });
    this.name = 'McpUnavailableError';
  }
}

export class McpConnection implements Sessions {
  private state: State = 'idle';
  private session?: OpenedClient;
  private connectedAt = 0;
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  private lastProblem?: string;
  private waiters = new Set<{ resolve: (client: Client) => void; reject: (error: Error) => void }>();
  private refreshing?: Promise<void>;
  private refreshAgain = false;

  constructor(
    private readonly config: McpGroupConfig,
    private readonly logger: Logger,
    private readonly events: ConnectionEvents,
  ) {}

  /** Starts the session and lists the tools; throws with a message that says why when the server cannot start. */
  async start(): Promise<McpTool[]> {
    this.state = 'starting';
    try {
      await this.open();
    } catch (error) {
      this.state = 'idle';
      throw error;
    }
    try {
      return await listAllTools(this.session!.client, handshakeTimeout(this.config));
    } catch (error) {
      await this.stop();
      throw new Error(`the MCP server started but could not list its tools: ${(error as Error).message}`);
    }
  }

  /** Closes the session without restarting: lazy groups start again on their next call. */
  async stop(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.state = 'idle';
    await session?.client.close();
  }

  /** The connected client: now, or after a (re)start within the wait bound and the call's signal. */
  acquire(signal: AbortSignal): Promise<Client> {
    if (this.state === 'ready' && this.session) return Promise.resolve(this.session.client);
    if (this.state === 'closed') return Promise.reject(new McpUnavailableError(`the MCP group ${this.config.name} is closed (the daemon is shutting down)`));
    signal.throwIfAborted();
    if (this.state === 'idle') this.begin();
    return new Promise((resolve, reject) => {
      const wait = Math.min(this.config.timeout, MAX_WAIT_MS);
      const waiter = {
        resolve: (client: Client) => { done(); resolve(client); },
        reject: (error: Error) => { done(); reject(error); },
      };
      const onAbort = () => waiter.reject(signal.reason as Error);
      const timer = setTimeout(() => waiter.reject(new McpUnavailableError(this.unavailableMessage(wait))), wait);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  release(): void {}

  /** Called by a tool whose call failed in a way that shows the session is gone (remote session expired). */
  sessionLost(reason: string): void {
    if (this.state !== 'ready') return;
    this.lost(reason);
  }

  async close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.timer);
    for (const waiter of [...this.waiters]) waiter.reject(new McpUnavailableError(`the MCP group ${this.config.name} was closed`));
    const session = this.session;
    this.session = undefined;
    await session?.client.close();
  }

  private async open(): Promise<void> {
    const session = await openClient(this.config, {
      logger: this.logger,
      onToolsChanged: () => void this.refreshTools(),
    });
    if (this.state === 'closed') {
      await session.client.close();
      throw new McpUnavailableError(`the MCP group ${this.config.name} was closed`);
    }
    this.session = session;
    this.connectedAt = Date.now();
    this.state = 'ready';
    session.client.onclose = () => {
      if (this.session === session && this.state === 'ready') this.lost(session.describeEnd());
    };
    this.logger.debug('MCP server connected', { via: session.via, ...(session.pid && { pid: session.pid }) });
    for (const waiter of [...this.waiters]) waiter.resolve(session.client);
  }

  /** First start of a lazy group (or after stop()): failures retry with backoff like restarts. */
  private begin(): void {
    this.state = 'starting';
    this.connectAndRefresh();
  }

  private lost(reason: string): void {
    const session = this.session;
    this.session = undefined;
    if (Date.now() - this.connectedAt > HEALTHY_AFTER_MS) this.attempt = 0;
    this.lastProblem = reason;
    this.state = 'restarting';
    const delay = this.backoff();
    this.logger.warn(`${reason}; restarting in ${delay} ms`, { attempt: this.attempt });
    void session?.client.close().catch(() => undefined);
    this.timer = setTimeout(() => this.connectAndRefresh(), delay);
    this.timer.unref();
  }

  private connectAndRefresh(): void {
    const again = this.lastProblem !== undefined;
    this.open().then(
      () => {
        if (again) this.logger.info('MCP server is back', { attempts: this.attempt });
        void this.refreshTools();
      },
      (error: Error) => {
        if (this.state === 'closed') return;
        this.lastProblem = error.message;
        this.state = 'restarting';
        const delay = this.backoff();
        this.logger.warn(`could not start the MCP server: ${error.message}; retrying in ${delay} ms`, { attempt: this.attempt });
        this.timer = setTimeout(() => this.connectAndRefresh(), delay);
        this.timer.unref();
      },
    );
  }

  private backoff(): number {
    const delay = Math.min(FIRST_RETRY_MS * 2 ** this.attempt, MAX_RETRY_MS);
    this.attempt++;
    return delay;
  }

  private unavailableMessage(waited: number): string {
    const why = this.lastProblem ? ` (${this.lastProblem})` : '';
    const doing = this.state === 'restarting' ? `it is restarting (attempt ${this.attempt})` : 'it is starting';
    return `the MCP server of group ${this.config.name} is not available${why}; ${doing} and did not come up within ${waited} ms. Try again later`;
  }

  /** Re-lists the tools; overlapping requests (a burst of list_changed) collapse into one more listing. */
  private async refreshTools(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const client = this.session?.client;
        if (!client || this.state !== 'ready') return;
        try {
          this.events.onTools(await listAllTools(client, handshakeTimeout(this.config)));
        } catch (error) {
          this.logger.warn(`could not refresh the tool list: ${(error as Error).message}`);
        }
      } while (this.refreshAgain);
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }
}

/** tools/list, following pagination cursors. */
export async function listAllTools(client: Client, timeout: number): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await client.listTools(cursor ? { cursor } : undefined, { timeout });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}
