// Every kind of audit event, built by the Audit from a real config and written by the file sink, validates
// against schemas/audit-event.schema.json (and the schema has no event the Audit never writes); answers are
// recorded by shape, with their text only under includeResults; audit.onFailure reject refuses, continue does not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromText } from '../../dist/config/index.js';
import { AUDIT_EVENT_VERSION, createAudit } from '../../dist/audit/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { auditEventSchema, auditEventValidator } from '../audit-schema.js';


function auditFor(dir, audit, logger = createLogger({ level: 'error', format: 'text', write: () => undefined })) {
  const config = configFromText(`apis: []\naudit: ${JSON.stringify(audit)}\n`, { filepath: path.join(dir, 'atp.yaml'), env: {} });
  return createAudit(config, { logger });
}

const subject = { executionId: 'exe_AAAAAAAAAAAAAAAAAAAAAAAA', clientId: 'cli_1' };

/** One call of every method, with every kind of answer. */
function emitEverything(audit) {
  audit.executionStarted(subject, 'return 1');
  audit.toolCall(subject, { function: 'math.add', group: 'math', kind: 'module', source: 'add', ms: 1.5, input: { a: 1 }, result: 2 });
  audit.toolCall(subject, { function: 'shop.get', group: 'shop', kind: 'openapi', source: 'get', ms: 3, input: {}, error: { message: 'HTTP 500', code: 'HTTP_ERROR', status: 500 } });
  audit.output(subject, 'log', { level: 'info', message: 'hello', data: { x: 1 } });
  audit.output(subject, 'progress', { message: 'half', fraction: 0.5 });
  audit.executionPaused(subject, [{ id: 'cb_1', type: 'llm', operation: 'call', payload: { prompt: 'p' } }, { id: 'cb_2', type: 'approval', operation: 'request', payload: { message: 'ok?' } }]);
  const callbacks = [
    { id: 1, request: { type: 'llm', operation: 'call' } },
    { id: 2, request: { type: 'approval', operation: 'request' }, gate: { fn: 'math.add' } },
    { id: 3, request: { type: 'approval', operation: 'request' }, gate: { fn: 'mail.send', rules: ['preventDataExfiltration'] } },
    { id: 4, request: { type: 'approval', operation: 'request' } },
    { id: 5, request: { type: 'tool', operation: 'call' } },
    { id: 6, request: { type: 'embedding', operation: 'embed' } },
    { id: 7, request: { type: 'llm', operation: 'extract' } },
    { id: 8, request: { type: 'llm', operation: 'call' } },
  ];
  const values = new Map([
    [1, 'a summary'], [2, { approved: true, timestamp: 1 }], [3, { approved: false, response: 'not to strangers' }], [4, { __error: true, message: 'no person' }],
    [5, [1, 2, 3]], [6, [0.1, 0.2]], [7, { name: 'Ada', age: 36 }], [8, { __error: true, message: 'model down' }],
  ]);
  audit.executionResumed(subject, 'replay', { callbacks, values });
  audit.policy(subject, { event: 'violation', function: 'mail.send', rules: ['preventDataExfiltration'], action: 'block', decision: 'blocked', origins: ['tool:crm.get'], message: 'no' });
  audit.policy(subject, { event: 'approval', function: 'mail.send', approved: false });
  audit.policy(subject, { event: 'sensitive_access', function: 'crm.get', readers: ['ada'] });
  audit.policy(subject, { event: 'gated', function: 'math.add', by: 'requireApproval' });
  audit.policy(subject, { event: 'denied', function: 'shop.delete', by: 'allowedApis' });
  audit.executionCancelled(subject, { by: 'cli_1', reason: 'request' });
  audit.executionEnded(subject, { status: 'completed', ms: 12, llmCalls: 1, approvals: 2, result: { ok: true } });
  audit.executionEnded(subject, { status: 'failed', ms: 0, llmCalls: 0, approvals: 0, error: { message: 'boom', code: 'EXECUTION_FAILED' } });
}

test('every event the Audit writes validates against the schema, and every event of the schema is written', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-audit-'));
  try {
    const audit = auditFor(dir, { sinks: [{ type: 'file', path: './audit.jsonl' }], includeResults: true, instanceId: 'unit-1' });
    emitEverything(audit);
    await audit.close();
    const events = readFileSync(path.join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    const validate = auditEventValidator();
    for (const event of events) assert.ok(validate(event), `${event.event}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(event)}`);
    const written = new Set(events.map((event) => event.event));
    const declared = auditEventSchema.oneOf.map((branch) => branch.properties.event.const);
    assert.deepEqual([...declared].sort(), [...written].sort());
    assert.ok(events.every((event) => event.v === AUDIT_EVENT_VERSION && event.instance === 'unit-1'));

    const answers = events.filter((event) => ['llm.answer', 'approval.decision', 'callback.answer'].includes(event.event));
    assert.deepEqual(answers.map((event) => event.callbackId), ['cb_1', 'cb_2', 'cb_3', 'cb_4', 'cb_5', 'cb_6', 'cb_7', 'cb_8']);
    const [llm, approved, refused, failedApproval, tool, embedding, extract, llmError] = answers;
    assert.deepEqual(llm, { ...llm, operation: 'call', answeredBy: { clientId: 'cli_1' }, answer: { type: 'string', chars: 9 }, text: 'a summary' });
    assert.deepEqual(
      [approved, refused, failedApproval].map(({ heldBy, function: fn, rules, approved: yes, reason, error }) => ({ heldBy, fn, rules, yes, reason, error })),
      [
        { heldBy: 'requireApproval', fn: 'math.add', rules: undefined, yes: true, reason: undefined, error: undefined },
        { heldBy: 'rules', fn: 'mail.send', rules: ['preventDataExfiltration'], yes: false, reason: 'not to strangers', error: undefined },
        { heldBy: 'code', fn: undefined, rules: undefined, yes: false, reason: undefined, error: 'no person' },
      ],
    );
    assert.deepEqual([tool.type, tool.answer, tool.result], ['tool', { type: 'array', length: 3 }, [1, 2, 3]]);
    assert.equal(embedding.type, 'embedding');
    assert.deepEqual(extract.answer, { type: 'object', keys: ['name', 'age'] });
    assert.deepEqual([llmError.error, llmError.answer], ['model down', undefined]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without includeResults an LLM answer is its shape alone; the default instance is <hostname>:<pid>', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-audit-'));
  try {
    const audit = auditFor(dir, { sinks: [{ type: 'file', path: './audit.jsonl' }] });
    audit.executionResumed(subject, 'live', { callbacks: [{ id: 1, request: { type: 'llm', operation: 'call' } }], values: new Map([[1, 'secret plans']]) });
    const keyId = 'key:0123456789abcdef0123456789abcdef';
    audit.executionResumed(subject, 'live', { callbacks: [{ id: 2, request: { type: 'approval', operation: 'request' } }], values: new Map([[2, { approved: true }]]), apiKeyId: keyId });
    await audit.close();
    const [resume, answer, , decision] = readFileSync(path.join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(decision.answeredBy, { clientId: 'cli_1', apiKeyId: keyId }, 'the key\'s identity (not the key) is kept, not redacted');
    const validate = auditEventValidator();
    assert.ok(validate(decision), JSON.stringify(validate.errors));
    assert.equal(resume.instance, `${os.hostname()}:${process.pid}`);
    assert.deepEqual(answer.answer, { type: 'string', chars: 12 });
    assert.equal(answer.text, undefined);
    assert.doesNotMatch(JSON.stringify(answer), /secret plans/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('onFailure reject: a start that cannot be written is refused, and so are resumes while the sink fails', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-audit-'));
  try {
    symlinkSync('/dev/full', path.join(dir, 'full.jsonl'));
    const lines = [];
    const logger = createLogger({ level: 'warn', format: 'text', write: (line) => lines.push(line) });
    const audit = auditFor(dir, { sinks: [{ type: 'file', path: './full.jsonl', daily: false }], onFailure: 'reject' }, logger);
    assert.equal(audit.refusal(), undefined, 'nothing failed yet');
    const refusal = await audit.executionStarted(subject, 'return 1');
    assert.equal(refusal.status, 'failed');
    assert.equal(refusal.error.code, 'AUDIT_FAILED');
    assert.match(refusal.error.message, /the audit trail cannot be written: its start could not be recorded \(ENOSPC\), so the code did not run; retry once it writes again, or set audit.onFailure: continue/);
    assert.match(audit.refusal().error.message, /the audit sink file fails \(ENOSPC\)/);
    assert.doesNotMatch(refusal.error.message, new RegExp(dir), 'no host path in what the client sees');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /executions are refused until it writes again/);
    await audit.close();

    const going = auditFor(dir, { sinks: [{ type: 'file', path: './full.jsonl', daily: false }], onFailure: 'continue' }, logger);
    assert.equal(going.executionStarted(subject, 'return 1'), undefined, 'continue never waits');
    await going.close();
    assert.equal(going.refusal(), undefined);
    assert.equal(going.lost, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
