// A remote MCP server whose users sign in (auth oauth2): one session per client, whose every request carries
// the token of that client's user and no one else's. Sessions open on a client's first call, close after
// IDLE_MS without one, and are at most the group's concurrency (the least recently used idle one makes room).

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { McpGroupConfig } from '../../../config/index.js';
import type { Logger } from '../../../logging/index.js';
import { abortable } from '../../abortable.js';
import type { GroupCredentials } from '../../types.js';
import type { BearerSource } from './bearer.js';
import { handshakeTimeout, openClient, type OpenedClient } from './connect.js';
import { listAllTools, McpUnavailableError, type ConnectionEvents, type Sessions } from './connection.js';

/** A session unused this long is closed (never one with a call in flight). */
export const IDLE_MS = 5 * 60_000;

interface Entry {
  opening: Promise<OpenedClient>;
  client?: Client;
  busy: number;
  lastUsed: number;
}

export interface UserSessionLimits {
  /** Sessions open at once. */
  max: number;
  idleMs: number;
}

export class UserSessions implements Sessions {
  private readonly entries = new Map<string, Entry>();
  /** Sessions set aside by reset() that still have calls in flight: closed when the last one ends. */
  private readonly retiring = new Set<Entry>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly config: McpGroupConfig,
    private readonly logger: Logger,
    private readonly credentials: GroupCredentials,
    private readonly events: ConnectionEvents,
    private readonly limits: UserSessionLimits = { max: config.concurrency, idleMs: IDLE_MS },
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(limits.idleMs / 2, 10));
    this.sweeper.unref();
  }

  /** Sessions open (or opening) now. */
  get size(): number {
    return this.entries.size;
  }

  /** The session of this client's user, opened now when it has none; pair with release(). */
  async acquire(signal: AbortSignal, clientId?: string): Promise<Client> {
    if (this.closed) throw new McpUnavailableError(`the MCP group ${this.config.name} is closed (the daemon is shutting down)`);
    const key = clientId ?? '';
    let entry = this.entries.get(key);
    if (!entry) {
      this.makeRoom();
      entry = this.open(key, clientId);
    }
    entry.busy++;
    entry.lastUsed = Date.now();
    try {
      return (await abortable(entry.opening, signal)).client;
    } catch (error) {
      entry.busy--;
      throw error;
    }
  }

  release(client: Client): void {
    for (const entry of [...this.entries.values(), ...this.retiring]) {
      if (entry.client !== client) continue;
      entry.busy = Math.max(0, entry.busy - 1);
      entry.lastUsed = Date.now();
      if (entry.busy === 0 && this.retiring.delete(entry)) void entry.opening.then(quietClose, () => undefined);
    }
  }

  /**
   * Someone signed in: a session opened before may belong, on the server's side, to whoever held that client's
   * token before (a person signed out and another signed in), so none is reused; each call opens its own anew.
   */
  reset(): void {
    for (const [key, entry] of [...this.entries]) {
      this.entries.delete(key);
      if (entry.busy === 0) void entry.opening.then(quietClose, () => undefined);
      else this.retiring.add(entry);
    }
  }

  /** The session of this client ended on the server's side (it expired): the next call opens another. */
  sessionLost(reason: string, clientId?: string): void {
    const entry = this.entries.get(clientId ?? '');
    if (!entry) return;
    this.logger.debug(`${reason}; the next call opens another`);
    this.drop(clientId ?? '', entry);
  }

  /** The tool list as the server shows it to a signed-in user: `token` is that user's. */
  async listWith(token: (signal: AbortSignal) => Promise<string>): Promise<McpTool[]> {
    const session = await openClient(this.config, { logger: this.logger, onToolsChanged: () => undefined, bearer: { token, refused: () => false } });
    try {
      return await listAllTools(session.client, handshakeTimeout(this.config));
    } finally {
      await quietClose(session);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const entries = [...this.entries.values(), ...this.retiring];
    this.entries.clear();
    this.retiring.clear();
    await Promise.all(entries.map((entry) => entry.opening.then(quietClose, () => undefined)));
  }

  private open(key: string, clientId: string | undefined): Entry {
    const bearer: BearerSource = {
      token: (signal) => this.credentials.accessToken(clientId, signal),
      refused: () => this.credentials.invalidate(clientId),
    };
    const entry: Entry = { busy: 0, lastUsed: Date.now(), opening: undefined as unknown as Promise<OpenedClient> };
    entry.opening = openClient(this.config, { logger: this.logger, bearer, onToolsChanged: () => void this.relist(entry) }).then(
      (session) => {
        entry.client = session.client;
        session.client.onclose = () => {
          if (this.entries.get(key) === entry) this.entries.delete(key);
        };
        if (this.closed || (this.entries.get(key) !== entry && !this.retiring.has(entry))) void quietClose(session);
        return session;
      },
      (error: Error) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        this.retiring.delete(entry);
        throw error;
      },
    );
    this.entries.set(key, entry);
    return entry;
  }

  /** At the limit: the least recently used idle session is closed first. */
  private makeRoom(): void {
    while (this.entries.size >= Math.max(this.limits.max, 1)) {
      let oldest: [string, Entry] | undefined;
      for (const pair of this.entries) if (pair[1].busy === 0 && pair[1].client && (!oldest || pair[1].lastUsed < oldest[1].lastUsed)) oldest = pair;
      if (!oldest) return; // every session has a call in flight: the group's concurrency bounds them
      this.drop(...oldest);
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of [...this.entries]) {
      if (entry.busy === 0 && entry.client && now - entry.lastUsed >= this.limits.idleMs) this.drop(key, entry);
    }
  }

  private drop(key: string, entry: Entry): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
    void entry.opening.then(quietClose, () => undefined);
  }

  private async relist(entry: Entry): Promise<void> {
    try {
      if (entry.client) this.events.onTools(await listAllTools(entry.client, handshakeTimeout(this.config)));
    } catch (error) {
      this.logger.warn(`could not refresh the tool list: ${(error as Error).message}`);
    }
  }
}

/** Closed on purpose: the aborted event stream is no error to log. */
async function quietClose(session: OpenedClient): Promise<void> {
  session.client.onerror = () => undefined;
  await session.client.close().catch(() => undefined);
}
