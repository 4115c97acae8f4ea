// The workloads of the side-by-side suite (bench/run.js), each against one server over HTTP, the same for ours
// and the reference: plain JavaScript programs (the reference rejects TypeScript syntax) calling `demo.add`,
// the shop's OpenAPI operation, or atp.llm.call (answered by this client, as an agent's would be).

import { spawn } from 'node:child_process';
import { postJson, session } from './serve-client.js';
import { cpuOf, rssOf } from './stats.js';

export const execute = (server, headers, code, config = {}) => postJson(`${server.url}/api/execute`, headers, { code, config });
const resume = (server, headers, id, result) => postJson(`${server.url}/api/resume/${id}`, headers, { result });
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function expect(server, result, value) {
  if (result.status !== 'completed' || JSON.stringify(result.result) !== JSON.stringify(value)) {
    throw new Error(`${server.name}: unexpected answer: ${JSON.stringify(result).slice(0, 300)}`);
  }
}

let programs = 0;

/**
 * Latencies (ms) of `count` trivial executions one after another; `paceMs` apart when given (the server idle
 * between). `fresh`: a new program text every time, as agents send (nothing made of the last one reusable).
 */
export async function trivial(server, headers, count, { paceMs = 0, fresh = false } = {}) {
  const times = [];
  for (let i = 0; i < count; i++) {
    if (paceMs) await pause(paceMs);
    const code = fresh ? `// program ${++programs}\nconst answer = { value: 1 + 1 };\nreturn answer.value;` : 'return 1 + 1';
    const started = performance.now();
    expect(server, await execute(server, headers, code), 2);
    times.push(performance.now() - started);
  }
  return times;
}

/**
 * Executions per second of `total` executions, each a `demo.add` call, and the server's CPU (ms) per execution.
 * One worker per entry of `sessions` times `perSession`, each sending its next execution when the last one
 * answered. `fresh`: a new program text every time (nothing made of the last program can be reused).
 */
export async function throughput(server, sessions, total, { perSession = 1, fresh = false } = {}) {
  let issued = 0;
  const worker = async (headers) => {
    while (issued < total) {
      issued++;
      const code = `${fresh ? `// program ${++programs}\n` : ''}return await api.demo.add({ a: 1, b: 2 })`;
      expect(server, await execute(server, headers, code), { sum: 3 });
    }
  };
  const cpu = cpuOf(server.pid);
  const started = performance.now();
  await Promise.all(sessions.flatMap((headers) => Array.from({ length: perSession }, () => worker(headers))));
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: total / seconds, cpuPerExecution: cpu === undefined ? NaN : (cpuOf(server.pid) - cpu) / total };
}

/** Wall time (ms) of a program that makes `steps` LLM calls one after another, each a pause this client answers. */
export async function chain(server, headers, steps) {
  const code = `let s = ""; for (let i = 0; i < ${steps}; i++) s += await atp.llm.call({ prompt: "p" + i }); return s.length;`;
  const config = { maxLLMCalls: 100, llmCalls: 100, clientServices: { hasLLM: true, hasApproval: false, hasEmbedding: false, hasTools: false } };
  const started = performance.now();
  let result = await execute(server, headers, code, config);
  let answered = 0;
  while (result.status === 'paused') result = await resume(server, headers, result.executionId, `r${answered++}`);
  const elapsed = performance.now() - started;
  let expected = 0;
  for (let i = 0; i < steps; i++) expected += `r${i}`.length;
  expect(server, result, expected);
  if (answered !== steps) throw new Error(`${server.name}: expected ${steps} pauses, saw ${answered}`);
  return elapsed;
}

const shopProgram = (n) => `let checked = 0;
for (let i = 0; i < ${n}; i++) {
  const item = await api.shop.getItem({ id: String(i) });
  if (item.id !== String(i)) throw new Error('wrong item ' + JSON.stringify(item));
  checked++;
}
return checked;`;

/** One execution of `n` sequential shop.getItem calls: the gaps (ms) between their arrivals at the upstream. */
export async function openapiCalls(server, headers, upstream, n) {
  const close = upstream.window();
  expect(server, await execute(server, headers, shopProgram(n), { timeout: 120_000 }), n);
  const seen = close();
  if (seen.requests !== n) throw new Error(`${server.name}: the upstream saw ${seen.requests} requests, expected ${n}`);
  return seen.gaps;
}

// A plain node:http client with keep-alive in a process of its own, as the servers are: the same call cycle with
// nothing of an ATP server in it. What a server adds per call is its gap less this one.
const PLAIN_CLIENT = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const [origin, n] = [process.argv[1], Number(process.argv[2])];
const get = (i) => new Promise((resolve, reject) => http.get(origin + '/items/' + i, { agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject));
(async () => { for (let i = 0; i < n; i++) await get(i); agent.destroy(); })();`;
const PLAIN_WARM = 50;

/** The same `n` sequential calls from the plain client: gaps (ms) between arrivals, its warm-up left out. */
export async function plainCalls(upstream, n) {
  const close = upstream.window();
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', PLAIN_CLIENT, upstream.origin, String(n + PLAIN_WARM)], { stdio: 'inherit' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the plain client exited with ${code}`))));
  });
  return close().gaps.slice(PLAIN_WARM);
}

/**
 * `clients` sessions, all at once, each sending `perClient` executions one after another, each a new program: a
 * `demo.add` call and a log line, and every tenth an LLM pause this client answers. Records the server's RSS
 * after the first `firstSample` executions and after the last, and counts the failures (keeping the first
 * few). Stops issuing after `capMs`, or when the server exits. `probe()`: what the server holds, if it can say.
 */
export async function soak(server, { clients, perClient, firstSample, capMs, probe }) {
  const errors = [];
  const kinds = {};
  const failed = (error) => {
    const message = String(error?.message ?? error);
    if (errors.length < 3) errors.push(message.slice(0, 300));
    const kind = kindOf(message);
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    return 1;
  };
  let exited;
  server.exited.then((how) => (exited = how));
  const sessions = [];
  let errorCount = 0;
  for (let c = 0; c < clients; c++) {
    try {
      sessions.push(await session(server.url, { name: `soak-${c}` }));
    } catch (error) {
      errorCount += failed(error);
    }
  }
  let done = 0;
  const samples = {};
  const started = performance.now();
  let stopped;
  const sample = async (label) => {
    samples[label] = { rss: rssOf(server.pid), at: done, probe: probe && !exited ? await probe().catch(() => undefined) : undefined };
  };
  const client = async (headers, c) => {
    for (let i = 0; i < perClient; i++) {
      if (exited !== undefined) return void (stopped ??= `the server exited (${exited}) after ${done} executions`);
      if (performance.now() - started > capMs) return void (stopped ??= `stopped at the ${Math.round(capMs / 1000)} s cap after ${done} executions`);
      try {
        if (i % 10 === 9) {
          let result = await execute(server, headers, `// soak ${c}.${i}\nconst a = await atp.llm.call({ prompt: 'q${i}' });\nreturn a.length + ${i};`);
          if (result.status === 'paused') result = await resume(server, headers, result.executionId, 'answer');
          expect(server, result, 6 + i);
        } else {
          const result = await execute(server, headers, `// soak ${c}.${i}\nconst r = await api.demo.add({ a: ${i}, b: ${c} });\nconsole.log('sum', r.sum);\nreturn r.sum;`);
          expect(server, result, i + c);
        }
      } catch (error) {
        errorCount += failed(error);
      }
      if (++done === firstSample) await sample('first');
    }
  };
  await Promise.all(sessions.map(client));
  const seconds = (performance.now() - started) / 1000;
  await sample('last');
  await pause(3_000); // teardowns under way, a spare context being made
  await sample('settled');
  return { done, seconds, errors: errorCount, kinds, messages: errors, samples, stopped, exited };
}

/** A failure's kind, without the ids that make each message unique: an HTTP status and error, or the answer's status. */
function kindOf(message) {
  const http = /: (\d{3}) (\{.*)$/.exec(message);
  if (http) {
    try {
      return `HTTP ${http[1]} ${JSON.parse(http[2]).error ?? ''}`.trim();
    } catch {
      return `HTTP ${http[1]}`;
    }
  }
  const answer = /unexpected answer: (\{.*)/.exec(message);
  const status = answer && /"status":"(\w+)"/.exec(answer[1]);
  if (status) return status[1] === 'paused' ? 'paused again after its pause was answered' : `answered with status ${status[1]}`;
  return message.slice(0, 80);
}
