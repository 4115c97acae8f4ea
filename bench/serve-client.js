// A light HTTP client for the serve benches: node:http with keep-alive. fetch (undici, web streams) costs
// several times more CPU per request, and the client shares the machine's cores with the server measured.

import http from 'node:http';
import { spawn } from 'node:child_process';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** POST JSON, resolve with the parsed answer; rejects on a non-2xx status. */
export function postJson(url, headers, body) {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': payload.length } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let value;
        try {
          value = JSON.parse(text);
        } catch {
          return reject(new Error(`${url}: ${response.statusCode} ${text.slice(0, 200)}`));
        }
        if (response.statusCode < 200 || response.statusCode > 299) return reject(new Error(`${url}: ${response.statusCode} ${text.slice(0, 300)}`));
        resolve(value);
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

export function closeClient() {
  agent.destroy();
}

/** A session on an ATP server (ours or the reference): the headers its requests carry. */
export async function session(base, clientInfo = { name: 'bench' }) {
  const init = await postJson(`${base}/api/init`, { 'Content-Type': 'application/json' }, { clientInfo, services: { hasLLM: true } });
  return { 'Content-Type': 'application/json', 'X-Client-ID': init.clientId, Authorization: `Bearer ${init.token}` };
}

/**
 * A server process (ours or the reference) that prints `listening on <url>` on stderr once ready; resolves with
 * its name, url, pid, `stop()`, and `waitFor(pattern, ms)`, which resolves with the match of the first stderr
 * line from then on that matches. BENCH_PROF=<dir> writes a CPU profile of our server (bin/atp.js) there when
 * it exits.
 */
export function startProcess(name, args, env = {}) {
  const profile = process.env.BENCH_PROF && args.some((arg) => String(arg).endsWith('bin/atp.js')) ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const child = spawn(process.execPath, ['--no-node-snapshot', ...profile, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  const waiters = new Set();
  let pending = '';
  child.stderr.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      for (const waiter of waiters) {
        const match = waiter.pattern.exec(line);
        if (match) waiter.resolve(match);
      }
    }
  });
  const waitFor = (pattern, ms = 30_000) => {
    let waiter;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no line matching ${pattern} in ${ms} ms`)), ms);
      waiter = { pattern, resolve: (match) => { clearTimeout(timer); waiters.delete(waiter); resolve(match); } };
      waiters.add(waiter);
    });
  };
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 60 s:\n${log}`)), 60_000);
    const onData = (chunk) => {
      log += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        child.stderr.off('data', onData);
        resolve({
          name,
          url: match[1],
          pid: child.pid,
          waitFor,
          exited,
          stop: () => (child.exitCode !== null || child.signalCode !== null ? exited : new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); })),
        });
      }
    };
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening:\n${log}`)));
  });
}
