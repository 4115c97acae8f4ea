// LLM answers, approval decisions and policy decisions in the audit trail of a real `atp serve`, driven by the
// official client (@mondaydotcomorg/atp-client): who answered, approved or not and why, what held the call,
// which instance resumed, and every event valid against schemas/audit-event.schema.json.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentToolProtocolClient } from '@mondaydotcomorg/atp-client';
import { initializeLogger } from '@mondaydotcomorg/atp-runtime';
import { auditEventValidator } from '../audit-schema.js';
import { call, openSession, startAtp, stopProcess } from './serve-harness.js';

initializeLogger({ level: 'none' });

const here = path.dirname(fileURLToPath(import.meta.url));

function eventsIn(dir) {
  return readFileSync(path.join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}

const API_KEY = 'answers-e2e-key-0123456789abcdef0123456789';
// who answered: the session, and the identity (never the value) of the API key it was opened with
const KEY_ID = `key:${createHash('sha256').update(API_KEY).digest('hex').slice(0, 32)}`;

test('LLM answers and approval decisions through the official client: shape, text, who, approved or not, why', async () => {
  const atp = await startAtp({
    apis: [{ name: 'math', type: 'module', module: path.join(here, '../fixtures/modules/math.js') }],
    policies: { requireApproval: ['math.divide'] },
    audit: { sinks: [{ type: 'file', path: './audit.jsonl' }], includeResults: true, instanceId: 'answers-e2e-1' },
    auth: { apiKeys: [API_KEY] },
  }, { timeoutMs: 60_000 });
  try {
    const client = new AgentToolProtocolClient({ baseUrl: atp.url, headers: { 'X-API-Key': API_KEY } });
    client.provideLLM({
      call: async (prompt) => `echo:${prompt}`,
      extract: async () => ({ name: 'Ada', age: 36 }),
      classify: async (_text, categories) => categories[0],
    });
    const asked = [];
    client.provideApproval({
      request: async (message, context) => {
        asked.push(context?.input);
        // the first call is approved; the second refused, with a reason
        return asked.length === 1 ? { approved: true, timestamp: 1 } : { approved: false, response: 'not on a Sunday', timestamp: 2 };
      },
    });
    await client.init({ name: 'audit-answers', version: '1' });
    const code = `
      const text = await atp.llm.call({ prompt: 'summarize' });
      const person = await atp.llm.extract({ prompt: 'who', schema: { type: 'object' } });
      const half = await api.math.divide({ a: 6, b: 3 });
      let refused = '';
      try { await api.math.divide({ a: 1, b: 1 }); } catch (error) { refused = error.message; }
      return { text, person, half, refused };
    `;
    const result = await client.execute(code);
    assert.equal(result.status, 'completed', JSON.stringify(result.error));
    assert.deepEqual(result.result, { text: 'echo:summarize', person: { name: 'Ada', age: 36 }, half: 2, refused: result.result.refused });
    assert.match(result.result.refused, /api\.math\.divide was not approved/);
    assert.equal(asked.length, 2);

    assert.equal((await stopProcess(atp.child)).code, 0);
    const events = eventsIn(atp.dir).filter((event) => event.executionId === result.executionId);
    const validate = auditEventValidator();
    for (const event of events) assert.ok(validate(event), `${JSON.stringify(validate.errors)} in ${JSON.stringify(event)}`);
    const clientId = client.getClientId();
    assert.ok(events.every((event) => event.clientId === clientId && event.instance === 'answers-e2e-1'));

    const llm = events.filter((event) => event.event === 'llm.answer');
    assert.deepEqual(llm.map(({ operation, answer, text, answeredBy }) => ({ operation, answer, text, answeredBy })), [
      { operation: 'call', answer: { type: 'string', chars: 14 }, text: 'echo:summarize', answeredBy: { clientId, apiKeyId: KEY_ID } },
      { operation: 'extract', answer: { type: 'object', keys: ['name', 'age'] }, text: { name: 'Ada', age: 36 }, answeredBy: { clientId, apiKeyId: KEY_ID } },
    ]);
    const gated = events.filter((event) => event.event === 'policy.gated');
    assert.deepEqual(gated.map(({ function: fn, by }) => ({ fn, by })), [{ fn: 'math.divide', by: 'requireApproval' }, { fn: 'math.divide', by: 'requireApproval' }]);
    const decisions = events.filter((event) => event.event === 'approval.decision');
    assert.deepEqual(decisions.map(({ function: fn, heldBy, approved, reason, answeredBy }) => ({ fn, heldBy, approved, reason, answeredBy })), [
      { fn: 'math.divide', heldBy: 'requireApproval', approved: true, reason: undefined, answeredBy: { clientId, apiKeyId: KEY_ID } },
      { fn: 'math.divide', heldBy: 'requireApproval', approved: false, reason: 'not on a Sunday', answeredBy: { clientId, apiKeyId: KEY_ID } },
    ]);
    const resumes = events.filter((event) => event.event === 'execution.resume');
    assert.equal(resumes.length, 4, 'one resume per answer');
    assert.ok(resumes.every((event) => event.mode === 'live' && event.instance === 'answers-e2e-1'));
    // the approved call ran once, after its decision; the refused one never did
    const order = events.map((event) => event.event);
    const calls = events.filter((event) => event.event === 'tool.call');
    assert.deepEqual(calls.map((event) => [event.function, event.input]), [['math.divide', { a: 6, b: 3 }]]);
    assert.ok(order.indexOf('tool.call') > order.indexOf('approval.decision'));
    assert.equal(events.at(-1).event, 'execution.end');
  } finally {
    await atp.stop();
  }
});

test('a call outside the execution\'s allowedAPIs is a policy.denied event, and the execution stops', async () => {
  const atp = await startAtp({
    apis: [{ name: 'math', type: 'module', module: path.join(here, '../fixtures/modules/math.js') }],
    audit: { sinks: [{ type: 'file', path: './audit.jsonl' }] },
  }, { timeoutMs: 60_000 });
  try {
    const session = await openSession(atp.url);
    const { body } = await call(`${atp.url}/api/execute`, {
      method: 'POST', headers: session.headers,
      body: { code: 'await api.math.add({ a: 1, b: 1 }); return await api.math.divide({ a: 1, b: 1 });', config: { allowedAPIs: ['math.add'] } },
    });
    assert.equal(body.status, 'security_violation', JSON.stringify(body));
    assert.equal((await stopProcess(atp.child)).code, 0);
    const events = eventsIn(atp.dir).filter((event) => event.executionId === body.executionId);
    const validate = auditEventValidator();
    for (const event of events) assert.ok(validate(event), `${JSON.stringify(validate.errors)} in ${JSON.stringify(event)}`);
    assert.deepEqual(events.map((event) => event.event), ['execution.start', 'tool.call', 'policy.denied', 'execution.end']);
    assert.deepEqual({ fn: events[2].function, by: events[2].by }, { fn: 'math.divide', by: 'allowedApis' });
    assert.equal(events[3].error.code, 'FORBIDDEN_OPERATION');
  } finally {
    await atp.stop();
  }
});
