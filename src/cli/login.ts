// `atp login <group>`: sign in to a group that calls its API as the user, from a terminal. Prints the provider's
// sign-in address, takes the redirect on a loopback port (RFC 8252) and keeps the token where atp exec finds it.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { parseDuration } from '../config/index.js';
import { terminalUser } from '../oauth/index.js';
import { EXIT, globalOptions, printJson, reportFailure } from './output.js';
import { groupSignIn } from './sign-in.js';

interface LoginOptions { port?: string; timeout?: string }

const DEFAULT_WAIT_MS = 5 * 60_000;

export function registerLogin(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('login <group>')
    .description('sign in to an API group that acts as you (auth: oauth2, flow authorizationCode; a remote MCP server with auth: oauth2), so atp exec calls it as you')
    .option('--port <port>', 'loopback port the provider sends the browser back to (default: a free one)')
    .option('--timeout <duration>', 'how long to wait for the sign-in (default 5m)')
    .action(async (group: string, options: LoginOptions) => setExit(await runLogin(command, group, options)));
  command.addHelpText('after', `
The provider must accept http://127.0.0.1:<port>/callback as a redirect URI; with --port the address is fixed.
A remote MCP server's authorization server is discovered, and atp registers itself there when it can.
The token is kept encrypted with oauth.encryptionKey: in the state store when it is shared (Redis, Postgres),
else in oauth.credentialsFile (default $XDG_STATE_HOME/atp/credentials.json). atp logout forgets it.

Examples:
  atp login github -c atp.yaml
  atp login github --port 8976 --timeout 2m`);
}

async function runLogin(command: Command, group: string, options: LoginOptions): Promise<number> {
  const global = globalOptions(command);
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return reportFailure(global, EXIT.usage, `--port must be a whole number from 0 to 65535, not ${options.port}`);
  const waitMs = options.timeout === undefined ? DEFAULT_WAIT_MS : parseDuration(options.timeout);
  if (waitMs === undefined || waitMs <= 0) return reportFailure(global, EXIT.usage, `--timeout must be a duration such as 2m or 30s, not ${options.timeout}`);
  const opened = await groupSignIn(global, group);
  if (typeof opened === 'number') return opened;
  const { terminal } = opened;
  let server: http.Server | undefined;
  try {
    const done = new Deferred<{ group: string }>();
    server = http.createServer((req, res) => void answer(req, res, terminal.delegation.complete.bind(terminal.delegation), done));
    const redirectUri = await listen(server, port);
    const url = await terminal.delegation.signInUrl(group, terminalUser(), redirectUri);
    process.stderr.write(`Open this address in a browser to sign in to ${group}:\n\n  ${url}\n\nWaiting for the browser to come back to ${redirectUri} (up to ${Math.round(waitMs / 1000)} s; Ctrl-C gives up)...\n`);
    const timer = setTimeout(() => done.reject(new Error(`no sign-in within ${Math.round(waitMs / 1000)} s; run atp login ${group} again`)), waitMs);
    try {
      await done.promise;
    } finally {
      clearTimeout(timer);
    }
    if (global.json) printJson({ group, signedIn: true, where: terminal.where });
    else process.stdout.write(`Signed in to ${group}; the token is kept, encrypted, in ${terminal.where}\n`);
    return EXIT.ok;
  } catch (error) {
    return reportFailure(global, EXIT.failure, (error as Error).message);
  } finally {
    server?.closeAllConnections();
    server?.close();
    await terminal.close();
  }
}

/** The redirect: only /callback with a state counts; its outcome (signed in, or why not) ends the wait. */
async function answer(req: http.IncomingMessage, res: http.ServerResponse, complete: (query: Record<string, string | undefined>) => Promise<{ group: string }>, done: Deferred<{ group: string }>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const query: Record<string, string | undefined> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).length === 1 ? url.searchParams.get(key)! : undefined;
  if (req.method !== 'GET' || url.pathname !== '/callback' || !query.state) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not the sign-in callback.\n');
    return;
  }
  try {
    const { group } = await complete(query);
    page(res, 200, `Signed in to ${group}. You can close this window and return to the terminal.`);
    done.resolve({ group });
  } catch (error) {
    const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
    page(res, status, (error as Error).message);
    done.reject(new Error(`the sign-in did not complete: ${(error as Error).message}`));
  }
}

function page(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', connection: 'close' });
  res.end(`${message}\n`);
}

/** Listens on 127.0.0.1 (never a public interface) and returns the redirect URI. */
function listen(server: http.Server, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code === 'EADDRINUSE' ? `port ${port} on 127.0.0.1 is in use; choose another --port` : error.message)));
    server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`));
  });
}

class Deferred<T> {
  resolve!: (value: T) => void;
  reject!: (error: Error) => void;
  readonly promise = new Promise<T>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}
