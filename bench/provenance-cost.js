// What data-flow provenance costs: (a) per tool call, the same program of N calls with provenance none and with
// track and all four rules; (b) one check of a guarded call with a 10 KB body against 1, 100 and 1,000 restricted
// records read before it; (c) memory per restricted record and per value, heap after gc and the index's sizes.
// Run: npx tsc -p . && node --no-node-snapshot --expose-gc bench/provenance-cost.js
// Prints figures only; the machine's load average is printed too, since 2 shared cores make them noisy.

import os from 'node:os';
import Keyv from 'keyv';
import { configFromText } from '../dist/config/index.js';
import { Catalog } from '../dist/catalog/index.js';
import { createExecutor } from '../dist/execution/index.js';
import { createLogger } from '../dist/logging/index.js';
import { ProvenanceTracker, compileRules, programLiterals } from '../dist/policy/provenance/index.js';

const RULES = `
policies:
  sources:
    - functions: [bench.crm.getCustomer]
      readers: [email]
  rules:
    - rule: preventDataExfiltration
      functions: [bench.mail.send, bench.web.post]
    - rule: requireUserOrigin
      functions: [bench.bank.transfer]
    - rule: blockLLMRecipients
      functions: [bench.mail.send]
    - rule: auditSensitiveAccess
`;

// a seeded generator: the same records on every run
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = (list) => list[Math.floor(random() * list.length)];
const WORDS = 'account contact prefers morning evening review transfer invoice renewal discount upgrade plan billing support escalated called asked about pricing delivery address changed manager weekly monthly report refund pending approved declined travel holiday office remote team'.split(' ');
const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Radia', 'John', 'Frances', 'Tim'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Perlman', 'McCarthy', 'Allen', 'Berners-Lee'];
const CITIES = ['London', 'Leeds', 'Bristol', 'Glasgow', 'Cardiff', 'Belfast'];
const sentence = (words) => Array.from({ length: words }, () => pick(WORDS)).join(' ');
const digits = (n) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');

function customer(i) {
  const name = `${pick(FIRST)} ${pick(LAST)}`;
  return {
    id: `cus_${digits(6)}${i}`,
    name,
    email: `customer${i}@example.com`,
    phone: `+44 20 ${digits(4)} ${digits(4)}`,
    address: { street: `${1 + (i % 200)} ${pick(LAST)} Road`, city: pick(CITIES), country: 'United Kingdom' },
    plan: pick(['basic', 'premium', 'team']),
    status: pick(['active', 'trial', 'paused']),
    openTickets: i % 5,
    notes: `${sentence(8)}; ${sentence(6)} ${digits(5)}`,
    iban: `GB${digits(2)}BUKB${digits(14)}`,
    balance: Math.floor(random() * 100_000),
  };
}

const leaves = (value) => (typeof value === 'object' && value !== null ? Object.values(value).reduce((n, v) => n + leaves(v), 0) : 1);
const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const rows = [];
const row = (what, figure, note = '') => rows.push([what, figure, note]);

console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

// (a) per call: an executor over in-process tools, provenance none vs track
const RECORDS = Array.from({ length: 1000 }, (_, i) => customer(i));
const BY_EMAIL = new Map(RECORDS.map((record) => [record.email, record]));
const ADA = { ...customer(0), email: 'ada@example.com', name: 'Ada Lovelace' };
function benchCatalog() {
  const tool = (name, invoke, readOnly = false) => ({ path: name.split('.'), sourceName: name, description: name, inputSchema: {}, annotations: { readOnly }, invoke });
  let sent = 0;
  return new Catalog([{
    name: 'bench',
    kind: 'module',
    tools: [
      tool('crm.getCustomer', async ({ email }) => BY_EMAIL.get(email) ?? ADA, true),
      tool('mail.send', async () => ({ ok: true, id: `msg_${++sent}` })),
      tool('bank.transfer', async () => ({ ok: true })),
      tool('web.post', async () => ({ ok: true })),
    ],
    close: async () => {},
  }]);
}
function benchExecutor(yaml) {
  const config = configFromText(`apis: []\nexecution:\n  pool: 4\n${yaml}`, { filepath: '/tmp/atp-bench.yaml' });
  const executor = createExecutor({ config, catalog: benchCatalog(), stateStore: new Keyv(), cacheStore: new Keyv(), logger: createLogger({ level: 'warn', format: 'text' }) });
  const request = (code) => ({
    code, clientId: 'bench', limits: { timeout: 60_000, memory: config.execution.memory, llmCalls: 10 },
    services: { hasLLM: false, hasApproval: false, hasEmbedding: false, hasTools: false }, clientTools: [],
  });
  return { executor, request };
}
// each call: a reader e-mailed text that holds restricted data, so every check finds a match and clears it
const program = (calls) => `
  const c = await api.bench.crm.getCustomer({ email: 'ada@example.com' });
  let n = 0;
  for (let i = 0; i < ${calls}; i++) {
    const r = await api.bench.mail.send({ to: 'ada@example.com', subject: 'Order ' + i, body: 'Dear ' + c.name + ', order ' + i + ' has shipped.' });
    n += r.ok ? 1 : 0;
  }
  return n;`;
// each call reads another restricted record (1,000 in all): indexed, audited and remembered for the client
const reads = (calls) => `
  let n = 0;
  for (let i = 0; i < ${calls}; i++) n += (await api.bench.crm.getCustomer({ email: 'customer' + i + '@example.com' })).email ? 1 : 0;
  return n;`;

// `execution:` is open in benchExecutor's text: these lines go under it
const modes = { none: benchExecutor('  provenance: none\n'), track: benchExecutor(`  provenance: track\n${RULES}`) };
const timings = {};
const warmPool = async (executor) => {
  while (executor.stats().warmIsolates < 4) await new Promise((resolve) => setTimeout(resolve, 2));
};
for (const [mode, { executor, request }] of Object.entries(modes)) {
  await executor.warm();
  for (let i = 0; i < 5; i++) await executor.execute(request(program(200))); // JIT
  timings[mode] = {};
  for (const [key, code, calls, rounds] of [[0, program, 0, 30], [1000, program, 1000, 7], ['reads', reads, 1000, 5]]) {
    const times = [];
    for (let round = 0; round < rounds; round++) {
      await warmPool(executor);
      const started = performance.now();
      const result = await executor.execute(request(code(calls)));
      if (result.status !== 'completed' || result.result !== calls) throw new Error(`${mode}: ${result.status} ${JSON.stringify(result.error ?? result.result)}`);
      times.push(performance.now() - started);
    }
    timings[mode][key] = median(times);
  }
  await executor.close();
}
const perCall = (mode) => (timings[mode][1000] - timings[mode][0]) / 1000;
row('(a) per guarded call, provenance none', us(perCall('none')), '1,000 sequential mail.send calls, median of 7');
row('(a) per guarded call, track + 4 rules', us(perCall('track')));
row('(a) tracking cost per call', us(perCall('track') - perCall('none')), `${((perCall('track') / perCall('none') - 1) * 100).toFixed(0)}% more`);
row('(a) per restricted read, provenance none', us(timings.none.reads / 1000), '1,000 reads of distinct records in one execution, median of 5');
row('(a) per restricted read, track + 4 rules', us(timings.track.reads / 1000), 'indexed; remembered in one write when the execution ends');
row('(a) per execution (1 read, 0 sends), none', us(timings.none[0]), 'warm pool, median of 30');
row('(a) per execution (1 read, 0 sends), track', us(timings.track[0]), 'literals parsed, remembered values loaded, 1 record indexed');

// (b) and (c): a tracker that has read `count` restricted records, each for its own reader
const config = configFromText(`apis: []\nexecution:\n  provenance: track\n${RULES}`, { filepath: '/tmp/atp-bench.yaml' });
const rules = compileRules(config.policies);
function trackerWith(count, remembered, known = []) {
  const tracker = new ProvenanceTracker({
    rules, literals: programLiterals("const c = await api.bench.crm.getCustomer({ email: 'x' });"), remembered: known,
    remember: (values) => remembered?.push(...values), subject: { executionId: 'exe_bench', clientId: 'bench' },
  });
  for (let i = 0; i < count; i++) {
    const record = RECORDS[i];
    tracker.noteCall(i, 'api', 'bench.crm.getCustomer', { email: record.email });
    tracker.observe(i, record);
  }
  return tracker;
}
// 10 KB of report text that quotes no record: words of another vocabulary, figures of three digits
const REPORT_WORDS = 'quarter revenue growth region north south pipeline forecast target hiring product launch margin churn cohort funnel retention partner channel'.split(' ');
let report = '';
while (report.length < 10 * 1024) report += `${Array.from({ length: 12 }, () => pick(REPORT_WORDS)).join(' ')}. Weekly figure ${digits(3)}. `;
report = report.slice(0, 10 * 1024);
const guarded = { to: 'team@corp.test', subject: 'Weekly report', body: report };
const leaking = { to: 'team@corp.test', subject: 'Weekly report', body: report.slice(0, 5 * 1024) + RECORDS[0].notes + report.slice(5 * 1024) };
for (const count of [1, 100, 1000]) {
  const tracker = trackerWith(count);
  for (const [what, input] of [['clean 10 KB body', guarded], ['10 KB body quoting one record', leaking]]) {
    const times = [];
    let decision;
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      decision = tracker.check('bench.mail.send', input, false);
      times.push(performance.now() - started);
    }
    row(`(b) check, ${what}, ${count} record${count === 1 ? '' : 's'}`, us(median(times)), decision ? `refused: ${decision.rules.join(', ')}` : 'allowed');
  }
}

// (c) memory: heap after gc before and after a tracker reads 1,000 records
const settle = () => { globalThis.gc?.(); globalThis.gc?.(); };
settle();
const heapBefore = process.memoryUsage().heapUsed;
const remembered = [];
const held = trackerWith(1000, remembered);
settle();
const heapAfter = process.memoryUsage().heapUsed;
const index = held.index; // private in TypeScript, readable here for the figures
const values = RECORDS.reduce((n, record) => n + leaves(record), 0);
row('(c) heap per record (1,000 read)', globalThis.gc ? `${((heapAfter - heapBefore) / 1000).toFixed(0)} B` : 'run with --expose-gc', `${kb(heapAfter - heapBefore)} in all; records themselves ${kb(JSON.stringify(RECORDS).length)} as JSON`);
row('(c) heap per restricted value', globalThis.gc ? `${((heapAfter - heapBefore) / values).toFixed(0)} B` : '-', `${values} values (${(values / 1000).toFixed(0)} per record)`);
row('(c) index sizes', `${held.indexedChars} chars`, `equal ${index.equal.size}, words ${index.words.size}, texts ${index.texts.length}, grams ${index.grams.size}`);
const stored = remembered.slice(-4096); // what the state store keeps per client
row('(c) remembered for later executions', kb(JSON.stringify({ v: 1, values: stored }).length), `${remembered.length} values offered, the last ${stored.length} kept in the state store per client`);
// every later execution of that client indexes what is remembered before its first call
const starts = [];
for (let i = 0; i < 20; i++) {
  const started = performance.now();
  trackerWith(0, undefined, stored);
  starts.push(performance.now() - started);
}
row('(c) execution start with a full memory', us(median(starts)), `indexing ${stored.length} remembered values (the store read not included)`);

const width = Math.max(...rows.map(([what]) => what.length));
const figureWidth = Math.max(...rows.map(([, figure]) => figure.length));
for (const [what, figure, note] of rows) console.log(`${what.padEnd(width)}  ${figure.padStart(figureWidth)}  ${note}`);
