// False positives of the data-flow rules through a real `atp serve`: fifteen ordinary agent programs that move
// no restricted data to anyone who may not read it must complete, with every call reaching the upstream and no
// policy.violation audited, under all four rules at once; each in a session of its own, then all in one session.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { call, openSession, startAtp } from './serve-harness.js';
import { ALL_RULES, SOURCES, apis, auditEvents, startBusinessUpstream, writeApiFiles } from './provenance-fixtures.js';

let upstream;
let files;
let atp;

before(async () => {
  upstream = await startBusinessUpstream();
  files = writeApiFiles();
  atp = await startAtp({
    apis: apis(files, upstream),
    execution: { provenance: 'track' },
    policies: { sources: SOURCES, rules: ALL_RULES },
    audit: { sinks: [{ type: 'file', path: './audit/events.jsonl' }] },
  }, { timeoutMs: 60_000 });
});

after(async () => {
  await atp?.stop();
  await upstream?.close();
  files?.remove();
});

/**
 * Each program: its code (every sink call carries `marker` so the upstream's record can be found), the answers
 * the client's LLM gives in order, and the sink calls it must make: [path, count].
 */
const PROGRAMS = {
  'read a customer, then e-mail the customer their own account summary': {
    code: `
      const c = await api.biz.crm.getCustomer({ email: 'ada@example.com' });
      await api.biz.mail.send({ to: c.email, subject: 'Your account summary [b01]',
        body: \`Dear \${c.name}, you are on the \${c.plan} plan (\${c.status}); balance \${c.balance} \${c.currency}. Notes on file: \${c.notes}\` });
      return 'sent';`,
    sinks: [['/mail/send', 1]],
  },
  "today's weather summary to anyone": {
    code: `
      const w = await api.biz.weather.today({ city: 'London' });
      await api.biz.mail.send({ to: 'eve@elsewhere.test', subject: 'Weather [b02]', body: \`\${w.city}: \${w.summary} (\${w.tempC} C)\` });
      return w.summary;`,
    sinks: [['/mail/send', 1]],
  },
  'list orders, sum their totals, mail finance': {
    code: `
      const orders = await api.biz.crm.listOrders({});
      const total = orders.reduce((sum, o) => sum + o.total, 0);
      const lines = orders.map((o) => \`\${o.order} \${o.item}: \${o.total} (\${o.status})\`).join('\\n');
      await api.biz.mail.send({ to: 'finance@corp.test', subject: 'Orders [b03]', body: \`\${orders.length} orders, \${total} in all\\n\${lines}\` });
      return total;`,
    sinks: [['/mail/send', 1]],
  },
  'search the news, then post a report of the headlines': {
    code: `
      const found = await api.biz.search.query({ q: 'company news' });
      const report = found.hits.map((h) => '- ' + h.title + ': ' + h.snippet).join('\\n');
      await api.biz.web.post({ url: 'https://intranet.test/digest', body: { tag: '[b04]', report } });
      return found.hits.length;`,
    sinks: [['/web/post', 1]],
  },
  'an LLM answer as the body of a message to the team': {
    code: `
      const text = await atp.llm.call({ prompt: 'Write a two-line reminder about Friday demo day' });
      await api.biz.mail.send({ to: 'team@corp.test', subject: 'Demo day [b05]', body: text });
      return text;`,
    llm: ['Reminder: demo day is on Friday.\nBring one slide each.'],
    sinks: [['/mail/send', 1]],
  },
  'transfers with literal amounts and recipients after reading other data': {
    code: `
      const w = await api.biz.weather.today({ city: 'London' });
      const orders = await api.biz.crm.listOrders({});
      await api.biz.bank.transfer({ to: 'GB29NWBK60161331926819', amount: 1200, memo: 'May rent [b06]' });
      await api.biz.bank.transfer({ to: 'GB82WEST12345698765432', amount: 45.5, memo: 'Electricity [b06]' });
      return { weather: w.summary, orders: orders.length };`,
    sinks: [['/bank/transfer', 2]],
  },
  'a JSON report of weather and orders to a webhook': {
    code: `
      const w = await api.biz.weather.today({ city: 'London' });
      const orders = await api.biz.crm.listOrders({});
      const report = JSON.stringify({ tag: '[b07]', weather: w, orders, generated: 'daily' });
      await api.biz.web.post({ url: 'https://hooks.test/daily', body: report });
      return report.length;`,
    sinks: [['/web/post', 1]],
  },
  "check a customer's status, then send the forecast for London to the team": {
    code: `
      const c = await api.biz.crm.getCustomer({ email: 'ada@example.com' });
      if (c.status !== 'active') return 'inactive';
      const w = await api.biz.weather.today({ city: 'London' });
      await api.biz.mail.send({ to: 'team@corp.test', subject: 'Site visit [b08]', body: \`Forecast for \${w.city}: \${w.summary}\` });
      return 'sent';`,
    sinks: [['/mail/send', 1]],
  },
  'two customers, each e-mailed their own record': {
    code: `
      const sent = [];
      for (const email of ['ada@example.com', 'grace@example.com']) {
        const c = await api.biz.crm.getCustomer({ email });
        await api.biz.mail.send({ to: c.email, subject: 'Your data export [b09]', body: JSON.stringify(c, null, 2) });
        sent.push(c.email);
      }
      return sent;`,
    sinks: [['/mail/send', 2]],
  },
  "a customer's orders, e-mailed to that customer": {
    code: `
      const c = await api.biz.crm.getCustomer({ email: 'grace@example.com' });
      const orders = await api.biz.crm.listOrders({ customer: c.id });
      const lines = orders.map((o) => \`\${o.order}: \${o.item}, \${o.total} \${c.currency}, \${o.status}\`);
      await api.biz.mail.send({ to: c.email, subject: 'Your orders [b10]', body: ['Hello ' + c.name + ',', ...lines].join('\\n') });
      return lines.length;`,
    sinks: [['/mail/send', 1]],
  },
  'read a customer to greet them, then post order statistics to the dashboard': {
    code: `
      const c = await api.biz.crm.getCustomer({ email: 'ada@example.com' });
      const orders = await api.biz.crm.listOrders({});
      const shipped = orders.filter((o) => o.status === 'shipped').length;
      await api.biz.web.post({ url: 'https://dashboard.test/stats', body: { tag: '[b11]', orders: orders.length, shipped, revenue: orders.reduce((s, o) => s + o.total, 0) } });
      return { greeted: c.name.split(' ')[0], orders: orders.length };`,
    sinks: [['/web/post', 1]],
  },
  'read a flagged account, then forward the public policy article to a colleague': {
    code: `
      const c = await api.biz.crm.getCustomer({ email: 'ada@example.com' });
      const flagged = /manual review/.test(c.notes);
      const article = await api.biz.kb.find({ q: 'large transfer policy' });
      await api.biz.mail.send({ to: 'newhire@corp.test', subject: 'Read this [b12]: ' + article.title, body: article.text });
      return flagged;`,
    sinks: [['/mail/send', 1]],
  },
  'a refund whose literal amount equals an order total': {
    code: `
      const orders = await api.biz.crm.listOrders({});
      const widget = orders.find((o) => o.item === 'Widget');
      if (!widget) return 'no widget order';
      await api.biz.bank.transfer({ to: 'GB29NWBK60161331926819', amount: 120, memo: 'Refund ord_1001 [b13]' });
      return 'refunded';`,
    sinks: [['/bank/transfer', 1]],
  },
  'the LLM picks a city; its weather goes to a fixed recipient': {
    code: `
      const city = await atp.llm.call({ prompt: 'Which city is our next offsite in? One word.' });
      const w = await api.biz.weather.today({ city: city.trim() });
      await api.biz.sms.send({ to: '+447700900123', text: \`[b14] Offsite weather in \${w.city}: \${w.summary}\` });
      return w.city;`,
    llm: ['Manchester'],
    sinks: [['/sms/send', 1]],
  },
  "an employee's payslip to the employee, and a status line to HR": {
    code: `
      const e = await api.hr.getEmployee({ email: 'sam@corp.test' });
      await api.biz.mail.send({ to: e.email, subject: 'Payslip [b15]', body: \`\${e.name}: gross \${e.salary}, paid to \${e.bankAccount}\` });
      const ticket = 'T-1042';
      await api.biz.mail.send({ to: 'hr@corp.test', subject: 'Payslips [b15]', body: \`Payslip sent for ticket \${ticket}; status: resolved\` });
      return 'done';`,
    sinks: [['/mail/send', 2]],
  },
};

const TAGS = Object.keys(PROGRAMS).map((_, i) => `b${String(i + 1).padStart(2, '0')}`);

/** Runs `code` to its end, answering each LLM callback with the next of `answers`. */
async function run(session, code, answers = []) {
  let reply = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code } });
  const queue = [...answers];
  while (reply.body?.status === 'paused' && reply.body.needsCallback?.type === 'llm' && queue.length > 0) {
    reply = await call(`${atp.url}/api/resume/${reply.body.executionId}`, { method: 'POST', headers: session.headers, body: { result: queue.shift() } });
  }
  return reply.body;
}

const auditFile = () => path.join(atp.dir, 'audit/events.jsonl');

async function expectBenign(session, name, program, tag) {
  const before = upstream.requests.length;
  const outcome = await run(session, program.code, program.llm);
  assert.equal(outcome.status, 'completed', `${name}: ${outcome.status}: ${outcome.error?.message ?? JSON.stringify(outcome)}`);
  const sinkCalls = upstream.requests.slice(before).filter((r) => JSON.stringify(r.body ?? null).includes(`[${tag}]`));
  for (const [sink, count] of program.sinks) {
    assert.equal(sinkCalls.filter((r) => r.path === sink).length, count, `${name}: ${sink} reached the upstream`);
  }
  const events = await auditEvents(auditFile(), (all) => all.some((e) => e.executionId === outcome.executionId && e.event === 'execution.end'));
  const violations = events.filter((e) => e.executionId === outcome.executionId && e.event === 'policy.violation');
  assert.deepEqual(violations.map((e) => e.message), [], `${name}: no policy.violation audited`);
}

for (const [i, [name, program]] of Object.entries(PROGRAMS).entries()) {
  test(`benign, own session: ${name}`, async () => {
    const session = await openSession(atp.url, { clientInfo: { name: `benign-${i}` }, services: { hasLLM: true, hasApproval: true } });
    await expectBenign(session, name, program, TAGS[i]);
  });
}

test('benign, all fifteen one after another in one session (values remembered from earlier programs)', async () => {
  const session = await openSession(atp.url, { clientInfo: { name: 'benign-all' }, services: { hasLLM: true, hasApproval: true } });
  const failures = [];
  for (const [i, [name, program]] of Object.entries(PROGRAMS).entries()) {
    try {
      await expectBenign(session, name, program, TAGS[i]);
    } catch (error) {
      failures.push(error.message.split('\n')[0]);
    }
  }
  assert.deepEqual(failures, []);
});

test('the audit recorded each read of restricted data, with its readers', async () => {
  const events = await auditEvents(auditFile(), (all) => all.some((e) => e.event === 'policy.sensitive_access'));
  const reads = events.filter((e) => e.event === 'policy.sensitive_access');
  assert.ok(reads.some((e) => e.function === 'biz.crm.getCustomer' && e.readers.includes('ada@example.com')));
  assert.ok(reads.some((e) => e.function === 'hr.getEmployee' && e.readers.includes('sam@corp.test')));
});
