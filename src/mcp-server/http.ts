// MCP sessions over streamable HTTP (atp serve at /mcp): one SDK transport and McpSession per Mcp-Session-Id,
// each bound to the caller that opened it, so another API key cannot use it; idle ones are closed.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { McpSession } from './session.js';
import type { McpDeps } from './types.js';

export interface McpCaller {
  /** Who opened the session: an API key's identity (a hash), or undefined when the server needs no key. */
  key?: string;
  /** Whose OAuth tokens its calls use (oauth.user: apiKey). */
  user?: string;
}

export interface McpHttpOptions {
  maxSessions?: number;
  /** A session with no request for this long is closed (default 30 minutes). */
  idleMs?: number;
}

interface Entry { transport: StreamableHTTPServerTransport; session: McpSession; caller: McpCaller; lastSeen: number; inFlight: number }

/** Why a request cannot reach a session: the HTTP layer turns it into a status. */
export class McpSessionError extends Error {
  constructor(readonly status: 400 | 404 | 503, message: string) {
    super(message);
    this.name = 'McpSessionError';
  }
}

export class McpHttpEndpoint {
  private readonly entries = new Map<string, Entry>();
  private readonly maxSessions: number;
  private readonly idleMs: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly deps: McpDeps, options: McpHttpOptions = {}) {
    this.maxSessions = options.maxSessions ?? 1_000;
    this.idleMs = options.idleMs ?? 30 * 60_000;
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, this.idleMs)).unref();
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * One HTTP request to /mcp, answered by the SDK transport. `body`: the parsed JSON of a POST. Throws
   * McpSessionError for a request that names no live session of this caller, or opens one too many.
   */
  async handle(req: IncomingMessage, res: ServerResponse, caller: McpCaller, body?: unknown): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    const entry = typeof sessionId === 'string' ? this.find(sessionId, caller) : await this.open(caller, body);
    entry.lastSeen = Date.now();
    entry.inFlight++;
    res.once('close', () => {
      entry.inFlight--;
      entry.lastSeen = Date.now();
    });
    await entry.transport.handleRequest(req, res, body);
    // an initialize the transport refused leaves a session nobody can name
    if (!entry.transport.sessionId) await entry.session.close();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.entries.values()].map((entry) => entry.transport.close()));
    this.entries.clear();
  }

  private find(sessionId: string, caller: McpCaller): Entry {
    const entry = this.entries.get(sessionId);
    // another caller's session is as unknown as an expired one
    if (!entry || entry.caller.key !== caller.key) throw new McpSessionError(404, 'unknown or expired MCP session: initialize a new one (send initialize without Mcp-Session-Id)');
    return entry;
  }

  private async open(caller: McpCaller, body: unknown): Promise<Entry> {
    if ((body as { method?: unknown } | undefined)?.method !== 'initialize') {
      throw new McpSessionError(400, 'no Mcp-Session-Id header: start with an initialize request, then send the Mcp-Session-Id it answers with every request');
    }
    if (this.entries.size >= this.maxSessions) throw new McpSessionError(503, `this server has ${this.maxSessions} MCP sessions open, its most; close unused ones (HTTP DELETE /mcp) or retry later`);
    const session = new McpSession(this.deps, { transport: 'http', ...(caller.user && { user: caller.user }) });
    const entry: Entry = { transport: undefined!, session, caller, lastSeen: Date.now(), inFlight: 0 };
    entry.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void this.entries.set(id, entry),
    });
    let closed = false;
    entry.transport.onclose = () => {
      if (closed) return;
      closed = true;
      if (entry.transport.sessionId) this.entries.delete(entry.transport.sessionId);
      void session.close().catch(() => undefined);
    };
    await session.server.connect(entry.transport);
    return entry;
  }

  private sweep(): void {
    const before = Date.now() - this.idleMs;
    for (const entry of this.entries.values()) {
      if (entry.inFlight === 0 && entry.lastSeen < before) void entry.transport.close().catch(() => undefined);
    }
  }
}
