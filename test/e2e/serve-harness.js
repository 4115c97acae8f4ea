// Real processes for tests: redis-server, postgres and `atp serve`, each on a free loopback port, each stopped by the test.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chownSync, readdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ATP_BIN = path.join(ROOT, 'bin/atp.js');

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves when `predicate(text so far)` is true; rejects at the deadline or when the process exits first. */
export function waitForOutput(child, streams, predicate, what, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output so far:\n${text}`)), timeoutMs);
    const onData = (chunk) => {
      text += chunk.toString();
      const match = predicate(text);
      if (match) finish(null, match);
    };
    const onExit = (code, signal) => finish(new Error(`${what}: process exited (${code ?? signal}) first; output:\n${text}`));
    function finish(error, value) {
      clearTimeout(timer);
      for (const stream of streams) stream.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value);
    }
    for (const stream of streams) stream.on('data', onData);
    child.on('exit', onExit);
  });
}

export async function stopProcess(child, signal = 'SIGTERM', timeoutMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = await exited;
  clearTimeout(timer);
  return result;
}

export function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** redis-server on a free loopback port without persistence; null when redis-server is not installed. */
export async function startRedis() {
  if (!hasCommand('redis-server')) return null;
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForOutput(child, [child.stdout, child.stderr], (text) => text.includes('Ready to accept connections'), 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopProcess(child) };
}

function postgresBin(name) {
  if (hasCommand(name)) return name;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  for (const version of readdirSync(base).sort().reverse()) {
    const candidate = path.join(base, version, 'bin', name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** A throw-away Postgres cluster on a free loopback port; null when Postgres is not installed. */
export async function startPostgres() {
  const initdb = postgresBin('initdb');
  const postgres = postgresBin('postgres');
  if (!initdb || !postgres) return null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-pg-'));
  // Postgres refuses to run as root: run it as the postgres user the Debian package creates
  const user = {};
  if (process.getuid?.() === 0) {
    user.uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    user.gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, user.uid, user.gid);
  }
  const data = path.join(dir, 'data');
  const init = spawnSync(initdb, ['-D', data, '-A', 'trust', '-U', 'atp', '--no-sync'], { encoding: 'utf8', cwd: dir, ...user });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'];
  const child = spawn(postgres, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, ...user });
  await waitForOutput(child, [child.stdout, child.stderr], (text) => text.includes('ready to accept connections'), 'postgres');
  return {
    url: `postgres://atp@127.0.0.1:${port}/postgres`,
    async stop() {
      await stopProcess(child, 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `atp serve` as a real process on a free port, with `config` (an object, written as YAML-compatible JSON)
 * in a temp folder. Resolves once it prints its listen address.
 */
export async function startAtp(config, { env = {}, args = [], timeoutMs = 30_000 } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-serve-'));
  const file = path.join(dir, 'atp.yaml');
  const full = { ...config, server: { port: 0, ...(config.server ?? {}) }, logging: { level: 'info', format: 'text', ...(config.logging ?? {}) } };
  writeFileSync(file, JSON.stringify(full, null, 2));
  const child = spawn(process.execPath, ['--no-node-snapshot', ATP_BIN, 'serve', '-c', file, ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const match = await waitForOutput(child, [child.stderr], (text) => /listening on (http:\/\/\S+)/.exec(text), 'atp serve to listen', timeoutMs);
  return {
    url: match[1],
    child,
    dir,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      const result = await stopProcess(child, signal, 30_000);
      rmSync(dir, { recursive: true, force: true });
      return result;
    },
  };
}

/** Runs bin/atp.js with `args` in `cwd` to its end, with only PATH (and `env`) from the environment. */
export function runAtp(args, { cwd, env = {}, stdin = '' } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', ATP_BIN, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Runs `atp serve` expecting it to fail at start-up; resolves with its exit code and stderr. */
export async function failingAtp(config, { args = [] } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-serve-'));
  const file = path.join(dir, 'atp.yaml');
  writeFileSync(file, JSON.stringify({ ...config, server: { port: 0, ...(config.server ?? {}) } }, null, 2));
  const child = spawn(process.execPath, ['--no-node-snapshot', ATP_BIN, 'serve', '-c', file, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  rmSync(dir, { recursive: true, force: true });
  return { code, stderr };
}

/** fetch + JSON: {status, headers, body} where body is parsed JSON (or the text when it is not JSON). */
export async function call(url, { method = 'GET', headers = {}, body, raw } = {}) {
  const response = await fetch(url, {
    method,
    headers: { ...(body !== undefined || raw !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** A session opened with POST /api/init: headers to send with later requests. */
export async function openSession(url, init = {}, headers = {}) {
  const { status, body } = await call(`${url}/api/init`, { method: 'POST', body: init, headers });
  if (status !== 200) throw new Error(`init failed: ${status} ${JSON.stringify(body)}`);
  return { ...body, headers: { 'X-Client-ID': body.clientId, Authorization: `Bearer ${body.token}` } };
}

/** Two `atp serve` instances on the same config; when one fails to start, the other is stopped before throwing. */
export async function startAtpPair(config) {
  const started = await Promise.allSettled([startAtp(config), startAtp(config)]);
  const failed = started.find((outcome) => outcome.status === 'rejected');
  if (!failed) return started.map((outcome) => outcome.value);
  await Promise.allSettled(started.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.stop() : undefined)));
  throw failed.reason;
}

/**
 * An HTTP endpoint on loopback that takes JSON posts (an audit sink, an OTLP collector): keeps each request's
 * path, headers and parsed body, and answers `status` with `answer`.
 */
export async function startCollector(pathname, { status = 200, answer = '{}' } = {}) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    requests.push({ path: req.url, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(status === 204 ? undefined : answer);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}${pathname}`, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}
