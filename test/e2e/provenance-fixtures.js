// Shared by the provenance-* e2e tests: a CRM/mail/bank upstream on 127.0.0.1 that records every request it
// gets, its OpenAPI document, a module group with a restricted source, and the config of all four rules.

import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** CRM records as a real CRM holds them: several share common values (city, plan, status, currency). */
export const CUSTOMERS = {
  'ada@example.com': {
    id: 'cus_7Hq2Lm9Px4',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    phone: '+44 20 7946 0958',
    address: { street: '12 Analytical Row', city: 'London', country: 'United Kingdom' },
    plan: 'premium',
    status: 'active',
    currency: 'GBP',
    openTickets: 2,
    notes: 'Prefers contact after 6pm; account flagged for manual review of large transfers',
    iban: 'GB33BUKB20201555555555',
    balance: 48213,
  },
  'grace@example.com': {
    id: 'cus_2Bx9Qr4Tz1',
    name: 'Grace Hopper',
    email: 'grace@example.com',
    phone: '+44 161 496 0712',
    address: { street: '3 Compiler Lane', city: 'London', country: 'United Kingdom' },
    plan: 'premium',
    status: 'active',
    currency: 'GBP',
    openTickets: 0,
    notes: 'Asked about moving to the team plan; send the pricing sheet before the renewal date',
    iban: 'GB94BARC10201530093459',
    balance: 1520,
  },
  'lin@example.com': {
    id: 'cus_9Kd3Vw8Ys6',
    name: 'Lin Chen',
    email: 'lin@example.com',
    phone: '+44 131 496 0288',
    address: { street: '8 Pointer Street', city: 'Edinburgh', country: 'United Kingdom' },
    plan: 'basic',
    status: 'trial',
    currency: 'GBP',
    openTickets: 1,
    notes: 'Escalated twice about invoice 88231; wants a direct line to the billing supervisor',
    iban: 'GB71NWBK60161331926819',
    balance: 902,
  },
};

export const ORDERS = [
  { order: 'ord_1001', item: 'Widget', total: 120, status: 'shipped' },
  { order: 'ord_1002', item: 'Gadget', total: 75, status: 'processing' },
];

export const WEATHER = { city: 'London', summary: 'Light rain, 11 degrees, wind from the south-west', tempC: 11 };

export const SEARCH = {
  hits: [
    { title: 'Quarterly sales up 8%', snippet: 'Sales across Europe rose 8 percent in the quarter, led by renewals of premium plans.', url: 'https://news.test/q3' },
    { title: 'New office opens', snippet: 'The Manchester office opened on Monday with forty staff.', url: 'https://news.test/office' },
  ],
};

/** A public knowledge-base article: policy boilerplate that CRM notes often quote. */
export const ARTICLE = {
  title: 'Large transfer policy',
  text: 'Any account flagged for manual review of large transfers must be called back by the risk team within one business day.',
};

export const EMPLOYEE = { email: 'sam@corp.test', name: 'Sam Okafor', salary: 61250, grade: 'L4', bankAccount: 'GB12HBUK40127612345678' };

const SPEC = `
openapi: 3.0.3
info: { title: Business, version: '1' }
paths:
  /crm/customers:
    get:
      operationId: crm.getCustomer
      summary: Get a customer by e-mail
      parameters: [{ name: email, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object } } } } }
  /crm/orders:
    get:
      operationId: crm.listOrders
      summary: List recent orders
      parameters: [{ name: customer, in: query, schema: { type: string } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { type: array, items: { type: object } } } } } }
  /weather:
    get:
      operationId: weather.today
      summary: Today's weather in a city
      parameters: [{ name: city, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object } } } } }
  /search:
    get:
      operationId: search.query
      summary: Search the news
      parameters: [{ name: q, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object } } } } }
  /kb/articles:
    get:
      operationId: kb.find
      summary: Find a knowledge-base article
      parameters: [{ name: q, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object } } } } }
  /mail/send:
    post:
      operationId: mail.send
      summary: Send an e-mail
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [to]
              properties:
                to: {}
                cc: { type: array, items: { type: string } }
                subject: { type: string }
                body: {}
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object } } } } }
  /web/post:
    post:
      operationId: web.post
      summary: Post to a URL
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [url], properties: { url: { type: string }, body: {} } }
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object } } } } }
  /sms/send:
    post:
      operationId: sms.send
      summary: Send a text message
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [to, text], properties: { to: { type: string }, text: { type: string } } }
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object } } } } }
  /bank/transfer:
    post:
      operationId: bank.transfer
      summary: Transfer money
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [to, amount]
              properties: { to: { type: string }, amount: { type: number }, memo: { type: string } }
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object } } } } }
`;

const HR_MODULE = `
const EMPLOYEE = ${JSON.stringify(EMPLOYEE)};
export const getEmployee = {
  description: 'An employee record by e-mail',
  inputSchema: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] },
  annotations: { readOnly: true },
  handler: ({ email }) => ({ ...EMPLOYEE, email }),
};
`;

/** The upstream: `requests` lists every request as {method, path, query, body}; sinks answer {ok, id}. */
export async function startBusinessUpstream() {
  const requests = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const url = new URL(req.url, 'http://upstream');
    const text = Buffer.concat(chunks).toString('utf8');
    const record = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), body: text ? JSON.parse(text) : undefined };
    requests.push(record);
    const json = (status, value) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    switch (url.pathname) {
      case '/crm/customers': {
        const customer = CUSTOMERS[url.searchParams.get('email')];
        return customer ? json(200, customer) : json(404, { message: 'no such customer' });
      }
      case '/crm/orders': return json(200, ORDERS);
      case '/weather': return json(200, { ...WEATHER, city: url.searchParams.get('city') });
      case '/search': return json(200, SEARCH);
      case '/kb/articles': return json(200, ARTICLE);
      case '/mail/send': case '/web/post': case '/sms/send': case '/bank/transfer':
        return json(200, { ok: true, id: `${url.pathname.split('/')[1]}_${requests.length}` });
      default: return json(404, { message: `no route ${url.pathname}` });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    /** Requests to a sink path (/mail/send...) whose JSON body mentions `marker`. */
    received: (pathname, marker) => requests.filter((r) => r.path === pathname && JSON.stringify(r.body ?? null).includes(marker)),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** A temp folder with the OpenAPI document and the hr module; remove() deletes it. */
export function writeApiFiles() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-provenance-'));
  writeFileSync(path.join(dir, 'business.yaml'), SPEC);
  writeFileSync(path.join(dir, 'hr.mjs'), HR_MODULE);
  return { dir, spec: path.join(dir, 'business.yaml'), module: path.join(dir, 'hr.mjs'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function apis(files, upstream) {
  return [
    { name: 'biz', type: 'openapi', spec: files.spec, baseUrl: upstream.origin },
    { name: 'hr', type: 'module', module: files.module },
  ];
}

export const SOURCES = [{ functions: ['biz.crm.getCustomer', 'hr.getEmployee'], readers: ['email'] }];

/** All four rules with their default action, their functions lists covering every sink. */
export const ALL_RULES = [
  { rule: 'preventDataExfiltration', functions: ['biz.mail.send', 'biz.web.post', 'biz.sms.send', 'biz.bank.transfer'] },
  { rule: 'requireUserOrigin', functions: ['biz.bank.transfer'] },
  { rule: 'blockLLMRecipients', functions: ['biz.mail.send', 'biz.sms.send'] },
  { rule: 'auditSensitiveAccess' },
];

/** The audit file's events once `predicate(events)` holds; throws at the deadline with what was there. */
export async function auditEvents(file, predicate, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
    if (predicate(events)) return events;
    if (Date.now() > deadline) throw new Error(`audit events in ${file} did not reach the expected state within ${timeoutMs} ms; last 10: ${JSON.stringify(events.slice(-10))}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
