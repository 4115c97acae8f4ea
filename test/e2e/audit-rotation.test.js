// The audit file under load through a real `atp serve`: 200 executions at once from ten sessions while the file
// rotates by size many times; every line of every execution is found once, whole, in order, in a file within
// maxSize, and validates against schemas/audit-event.schema.json.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditEventValidator } from '../audit-schema.js';
import { call, openSession, startAtp, stopProcess } from './serve-harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const EXECUTIONS = 200;
const SESSIONS = 10;
const MAX_SIZE = 16_384;

test(`${EXECUTIONS} concurrent executions while the audit file rotates by size: no line lost, none torn`, async (t) => {
  const atp = await startAtp({
    apis: [{ name: 'math', type: 'module', module: path.join(here, '../fixtures/modules/math.js') }],
    execution: { queue: 400 },
    audit: { sinks: [{ type: 'file', path: './audit/events.jsonl', maxSize: MAX_SIZE }], includeResults: true, instanceId: 'rotation-1' },
  }, { timeoutMs: 60_000 });
  try {
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => openSession(atp.url)));
    const results = await Promise.all(Array.from({ length: EXECUTIONS }, (_, i) => call(`${atp.url}/api/execute`, {
      method: 'POST',
      headers: sessions[i % SESSIONS].headers,
      body: { code: `const a = await api.math.add({ a: ${i}, b: 1 }); const b = await api.math.add({ a, b: 1 }); atp.log.info('step', { i: ${i} }); return b;` },
    })));
    results.forEach((result, i) => assert.deepEqual([result.status, result.body.status, result.body.result], [200, 'completed', i + 2], JSON.stringify(result.body)));
    const ids = new Set(results.map((result) => result.body.executionId));

    assert.equal((await stopProcess(atp.child)).code, 0); // closing writes what is queued and fsyncs
    const dir = path.join(atp.dir, 'audit');
    const names = readdirSync(dir);
    const rotated = names.filter((name) => name !== 'events.jsonl').sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
    assert.ok(rotated.length >= 5, `the file rotated ${rotated.length} times`);
    assert.deepEqual(names.sort(), [...rotated, 'events.jsonl'].sort(), 'only the active file and rotated ones');
    const validate = auditEventValidator();
    const events = [];
    for (const name of [...rotated, 'events.jsonl']) {
      const file = path.join(dir, name);
      assert.ok(statSync(file).size <= MAX_SIZE, `${name} is ${statSync(file).size} bytes, within maxSize`);
      const text = readFileSync(file, 'utf8');
      assert.ok(text.endsWith('\n'), `${name} ends with a whole line`);
      for (const line of text.slice(0, -1).split('\n')) {
        const event = JSON.parse(line); // a torn or interleaved line would not parse
        assert.ok(validate(event), `${JSON.stringify(validate.errors)} in ${line}`);
        events.push(event);
      }
    }
    assert.equal(events.length, EXECUTIONS * 5, 'start, two tool calls, a log line and the end of each execution');
    const byExecution = new Map();
    for (const event of events) byExecution.set(event.executionId, [...(byExecution.get(event.executionId) ?? []), event]);
    assert.deepEqual(new Set(byExecution.keys()), ids);
    for (const [id, mine] of byExecution) {
      assert.deepEqual(mine.map((event) => event.event), ['execution.start', 'tool.call', 'tool.call', 'execution.log', 'execution.end'], id);
      assert.equal(mine[4].status, 'completed');
    }
    assert.ok(events.every((event) => event.instance === 'rotation-1'));
    t.diagnostic(`${events.length} lines in ${rotated.length} rotated files and the active one`);
  } finally {
    await atp.stop();
  }
});
