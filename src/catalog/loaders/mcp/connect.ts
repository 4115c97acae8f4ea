// Opening one MCP session: a spawned stdio server, or a remote one over streamable HTTP with the older SSE
// transport as fallback. Failures become messages that say what happened and what to do.

import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { McpGroupConfig } from '../../../config/index.js';
import type { Logger } from '../../../logging/index.js';
import { MAX_ANSWER_BYTES, ToolCallError } from '../../types.js';
import { bearerFetch, type BearerSource } from './bearer.js';
import { limitedFetch } from './limited-fetch.js';
import { originBoundFetch } from './redirects.js';
import { tracingFetch } from './trace-context.js';
import { ChildProcessTransport, describeExit } from './stdio.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface OpenedClient {
  client: Client;
  transport: Transport;
  /** How this session talks to its server. */
  via: 'stdio' | 'streamable-http' | 'sse';
  /** Process id of a spawned server. */
  pid?: number;
  /** Why the session ended, for logs and errors: `exited with code 1`. */
  describeEnd(): string;
}

export interface OpenOptions {
  logger: Logger;
  onToolsChanged(): void;
  /** A remote server's requests carry this user's token (auth oauth2); a failure to get it fails the open as it is. */
  bearer?: BearerSource;
}

/** Starting a server (npx may install it first) can take longer than one call may: at least 30 s. */
export function handshakeTimeout(config: McpGroupConfig): number {
  return Math.max(config.timeout, 30_000);
}

export async function openClient(config: McpGroupConfig, options: OpenOptions): Promise<OpenedClient> {
  if (config.command) return openStdio(config, options);
  if (config.url) return openRemote(config, options);
  throw new Error('an mcp group needs command (a program speaking MCP on stdio) or url (a remote MCP server)');
}

function newClient(options: OpenOptions): Client {
  const client = new Client(
    { name: 'atp', version: VERSION },
    { capabilities: {}, listChanged: { tools: { autoRefresh: false, debounceMs: 100, onChanged: () => options.onToolsChanged() } } },
  );
  // what the server sent that is not MCP (a log line on stdout, say): the session goes on, the log says so
  client.onerror = (error) => {
    if (!(error instanceof ToolCallError)) options.logger.warn(error.message); // a user's missing token is the call's failure, not the session's
  };
  return client;
}

async function openStdio(config: McpGroupConfig, options: OpenOptions): Promise<OpenedClient> {
  const recent: string[] = []; // the last stderr lines, to explain a server that dies at start
  // held until the handshake ends: logged at info once it succeeds, at debug when the failure's one line explains it
  let held: string[] | undefined = [];
  const release = (level: 'info' | 'debug') => {
    for (const line of held ?? []) options.logger[level](line, { stream: 'stderr' });
    held = undefined;
  };
  const transport = new ChildProcessTransport({
    command: config.command!,
    args: config.args,
    env: config.env,
    cwd: config.cwd,
    onStderrLine: (line) => {
      recent.push(line);
      if (recent.length > RECENT_LINES) recent.shift();
      if (held && held.length < RECENT_LINES) held.push(line);
      else {
        release('info'); // a server this talkative at start is shown as it goes
        options.logger.info(line, { stream: 'stderr' });
      }
    },
  });
  const client = newClient(options);
  try {
    await client.connect(transport, { timeout: handshakeTimeout(config) });
  } catch (error) {
    await transport.close();
    release('debug');
    throw new Error(describeStartFailure(config, error as NodeJS.ErrnoException, transport, recent));
  }
  release('info');
  return { client, transport, via: 'stdio', pid: transport.pid, describeEnd: () => `the MCP server process ${describeExit(transport.exit)}` };
}

function describeStartFailure(config: McpGroupConfig, error: NodeJS.ErrnoException, transport: ChildProcessTransport, recent: string[]): string {
  if (error.code === 'ENOENT') return `could not start "${config.command}": no such program; check command, PATH or cwd`;
  if (error.code === 'EACCES') return `could not start "${config.command}": permission denied; check that it is executable`;
  const cause = causeOf(recent);
  const said = cause ? `; its last words on stderr: ${cause}` : '';
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return `the MCP server "${config.command}" did not complete the MCP handshake within ${handshakeTimeout(config)} ms${said}`;
  }
  if (transport.exit) return `the MCP server "${config.command}" ${describeExit(transport.exit)} before completing the MCP handshake${said}`;
  return `the MCP server "${config.command}" did not complete the MCP handshake: ${plainMcpMessage(error)}${said}`;
}

/** Enough lines to reach back from the end of a crash report (a stack, an error's fields) to its message. */
const RECENT_LINES = 40;
const ERROR_LINE = /^\s*(?:Uncaught\s+)?(?:[A-Za-z_$][\w.$]*(?:Error|Exception)|error|fatal|panic)(?:\s*\[[\w-]+\])?:/i;
const NOISE_LINE = /^\s*(?:at\s|File\s"|Node\.js v\d|Traceback\b|[\^{}()[\]]+\s*$)/;

/**
 * The one line of a server's last stderr lines that says why it stopped: the last that names an error
 * (`Error: Cannot find module ...`, `ModuleNotFoundError: ...`), else the last that is not part of a stack trace.
 */
export function causeOf(lines: string[]): string | undefined {
  const line = lines.findLast((candidate) => ERROR_LINE.test(candidate)) ?? lines.findLast((candidate) => !NOISE_LINE.test(candidate));
  return line?.trim().slice(0, 500);
}

async function openRemote(config: McpGroupConfig, options: OpenOptions): Promise<OpenedClient> {
  const url = new URL(config.url!);
  const shown = `${url.origin}${url.pathname}`; // never the query or credentials
  const requestInit = { headers: { ...config.headers } };
  const bound = originBoundFetch(Object.keys(config.headers ?? {}));
  const fetch = tracingFetch(limitedFetch(shown, MAX_ANSWER_BYTES, options.bearer ? bearerFetch(options.bearer, bound) : bound));
  const streamable = new StreamableHTTPClientTransport(url, { requestInit, fetch });
  let client = newClient(options);
  try {
    await client.connect(streamable, { timeout: handshakeTimeout(config) });
    return { client, transport: streamable, via: 'streamable-http', describeEnd: () => `the session with ${shown} ended` };
  } catch (error) {
    await streamable.close().catch(() => undefined);
    if (error instanceof ToolCallError) throw error; // no token for this user (AUTHORIZATION_REQUIRED), or it could not be refreshed
    if (!speaksOnlySse(error)) throw new Error(describeRemoteFailure(shown, error));
    options.logger.debug('streamable HTTP refused, trying the SSE transport', { url: shown, error: (error as Error).message });
  }
  const sse = new SSEClientTransport(url, { requestInit, fetch });
  client = newClient(options);
  try {
    await client.connect(sse, { timeout: handshakeTimeout(config) });
  } catch (error) {
    await sse.close().catch(() => undefined);
    if (error instanceof ToolCallError) throw error;
    throw new Error(`${describeRemoteFailure(shown, error)} (tried streamable HTTP, then SSE)`);
  }
  return { client, transport: sse, via: 'sse', describeEnd: () => `the SSE session with ${shown} ended` };
}

/** Per the MCP spec, a 4xx other than an auth failure to the initialize POST means an older, SSE-only server. */
function speaksOnlySse(error: unknown): boolean {
  const code = error instanceof StreamableHTTPError ? error.code : undefined;
  return code !== undefined && code >= 400 && code < 500 && code !== 401 && code !== 403;
}

function describeRemoteFailure(shown: string, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 401 || code === 403 || /\b(401|403)\b/.test(String((error as Error).message))) {
    return `the MCP server at ${shown} refused the credentials (HTTP ${code === 403 ? 403 : 401}); check headers (e.g. Authorization: Bearer \${TOKEN})`;
  }
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  if (cause === 'ECONNREFUSED') return `could not reach the MCP server at ${shown}: connection refused; is it running?`;
  if (cause === 'ENOTFOUND') return `could not reach the MCP server at ${shown}: unknown host`;
  return `could not open an MCP session with ${shown}: ${plainMcpMessage(error)}`;
}

/** The SDK's `MCP error -32000: Connection closed` without the code prefix. */
export function plainMcpMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^MCP error -?\d+: /, '');
}
