// What an OpenAPI group must never do with the gateway's credentials, against real upstreams on 127.0.0.1:
// send them to another origin on a redirect (any auth kind, any configured header, a query-string key),
// let a path parameter leave its route, or hand them to agent code in a successful answer or a reason phrase.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadGroup } from '../../dist/catalog/index.js';
import '../../dist/catalog/loaders/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { Secrets } from '../../dist/secrets/index.js';
import { secretFree } from '../../dist/catalog/types.js';

const logger = createLogger({ level: 'silent', format: 'text' });
const ctx = () => ({ signal: new AbortController().signal });
const json = { content: { 'application/json': { schema: {} } } };
const query = (name) => ({ name, in: 'query', schema: { type: 'string' } });
const ok = { 200: { description: 'ok', ...json } };
const SPEC = {
  openapi: '3.0.3',
  info: { title: 'hardening', version: '1' },
  paths: {
    '/echo': { get: { operationId: 'echo', responses: ok } },
    '/moved': { get: { operationId: 'moved', parameters: [query('to'), query('status')], responses: ok } },
    '/reason': { get: { operationId: 'reason', responses: ok } },
    '/spelled': { get: { operationId: 'spelled', responses: ok } },
    '/clean': { get: { operationId: 'clean', responses: ok } },
    '/items/{id}': {
      get: { operationId: 'items.get', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: ok },
      delete: { operationId: 'items.remove', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: ok },
    },
    '/tags/{names}': { get: { operationId: 'tags', parameters: [{ name: 'names', in: 'path', required: true, schema: { type: 'array', items: { type: 'string' } } }], responses: ok } },
    '/pair/{a}{b}': {
      get: {
        operationId: 'pair',
        parameters: ['a', 'b'].map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        responses: ok,
      },
    },
  },
};

const TOKEN = 'bearer-token-5f1e2d3c4b';
const KEY = 'api-key-value-77aa88bb';
const HEADER_SECRET = 'configured-header-secret-31415';
const PASSWORD = 'basic-password-2718';

let dir;
let specPath;
let home;
let elsewhere;

/** An upstream that records what reaches it and answers /echo with the request, /moved with a redirect. */
async function startUpstream() {
  const requests = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://upstream');
    requests.push({ path: url.pathname, query: url.search, headers: req.headers });
    if (url.pathname === '/moved') {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') });
      return res.end();
    }
    if (url.pathname === '/spelled') {
      // the bearer token with its first letter as a \u escape, which a scan of the text alone would not find
      const token = String(req.headers.authorization).slice('Bearer '.length);
      res.writeHead(200, { 'content-type': 'application/json' });
      // and long enough to be scanned as text (a small answer is only walked)
      return res.end(`{"spelled":"Bearer \\u00${token.charCodeAt(0).toString(16)}${token.slice(1)}","plain":"nothing secret","padding":"${'x'.repeat(4096)}"}`);
    }
    if (url.pathname === '/clean') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ items: Array.from({ length: 100 }, (_, i) => ({ id: i, name: `item ${i}` })) }));
    }
    if (url.pathname === '/reason') {
      res.writeHead(403, `Forbidden for ${req.headers.authorization}`, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'no', echoed: req.headers.authorization }));
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-echo-auth': String(req.headers.authorization) });
    res.end(JSON.stringify({ path: url.pathname, query: url.search, headers: req.headers, [`key-${req.headers['x-api-key']}`]: 1 }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, requests, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atp-openapi-hardening-'));
  specPath = path.join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify(SPEC));
  [home, elsewhere] = await Promise.all([startUpstream(), startUpstream()]);
});
after(async () => {
  await Promise.all([home.close(), elsewhere.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function load(extra, secrets = new Secrets()) {
  const config = { type: 'openapi', name: 'hard', spec: specPath, baseUrl: home.origin, timeout: 5000, concurrency: 4, retries: 0, ...extra };
  const group = await loadGroup(config, { logger, configDir: dir, secrets });
  const tools = new Map(group.tools.map((tool) => [tool.path.join('.'), tool]));
  return { group, secrets, call: (name, input) => tools.get(name).invoke(input, ctx()) };
}

const AUTHS = {
  bearer: { auth: { type: 'bearer', token: TOKEN }, secret: TOKEN },
  basic: { auth: { type: 'basic', username: 'bot', password: PASSWORD }, secret: Buffer.from(`bot:${PASSWORD}`).toString('base64') },
  'apiKey in a header': { auth: { type: 'apiKey', in: 'header', name: 'X-Api-Key', value: KEY }, secret: KEY },
  'apiKey in the query': { auth: { type: 'apiKey', in: 'query', name: 'api_key', value: KEY }, secret: KEY },
  'apiKey in a cookie': { auth: { type: 'apiKey', in: 'cookie', name: 'session', value: KEY }, secret: KEY },
};

/** Every header and the query string a request carried, as one text to search for a secret. */
const seen = (request) => JSON.stringify(request.headers) + request.query;

for (const [kind, { auth, secret }] of Object.entries(AUTHS)) {
  test(`${kind}: a redirect to another origin gets no credential, a same-origin one keeps it`, async () => {
    const { group, call } = await load({ auth, headers: { 'X-Tenant-Token': HEADER_SECRET, 'X-Plain': 'plain-header-value' } });
    try {
      // the upstream even copies the query key into its Location, as some do
      const to = `${elsewhere.origin}/echo${kind === 'apiKey in the query' ? `?api_key=${KEY}&page=2` : ''}`;
      await call('moved', { to, status: '307' });
      const away = elsewhere.requests.at(-1);
      assert.ok(!seen(away).includes(secret), `${kind}: the credential reached the other origin: ${seen(away)}`);
      assert.ok(!seen(away).includes(HEADER_SECRET), 'a configured header reached the other origin');
      assert.equal(away.headers['x-plain'], undefined, 'every configured header stays with its origin');
      if (kind === 'apiKey in the query') assert.equal(away.query, '?page=2', 'other query parameters are kept');
      await call('moved', { to: kind === 'apiKey in the query' ? `/echo?api_key=${KEY}` : '/echo', status: '302' });
      const same = home.requests.at(-1);
      assert.equal(same.path, '/echo');
      assert.ok(seen(same).includes(secret), `${kind}: a same-origin redirect keeps the credential`);
      assert.equal(same.headers['x-tenant-token'], HEADER_SECRET);
    } finally {
      await group.close();
    }
  });
}

test('a redirect to another port or scheme of the same host is another origin; a later hop back does not restore credentials', async () => {
  const { group, call } = await load({ auth: AUTHS.bearer.auth });
  try {
    const back = `${home.origin}/echo`;
    await call('moved', { to: `${elsewhere.origin}/moved?status=302&to=${encodeURIComponent(back)}`, status: '302' });
    assert.equal(elsewhere.requests.at(-1).headers.authorization, undefined);
    assert.equal(home.requests.at(-1).path, '/echo');
    assert.equal(home.requests.at(-1).headers.authorization, undefined);
  } finally {
    await group.close();
  }
});

test('path parameters are checked as serialised: empty, dot segments and array forms of them are refused, naming the parameter', async () => {
  const { group, call } = await load({});
  try {
    const before = home.requests.length;
    const refused = [
      ['items.remove', { id: '' }, 'id'],
      ['items.get', { id: '.' }, 'id'],
      ['items.get', { id: '..' }, 'id'],
      ['tags', { names: ['..'] }, 'names'],
      ['tags', { names: [] }, 'names'],
      ['tags', { names: ['.'] }, 'names'],
      ['pair', { a: '.', b: '.' }, 'a" and "b'],
      ['pair', { a: '', b: '' }, 'a" and "b'],
    ];
    for (const [fn, input, name] of refused) {
      await assert.rejects(call(fn, input), (error) => {
        assert.equal(error.code, 'VALIDATION_FAILED', `${fn} ${JSON.stringify(input)}`);
        assert.ok(error.message.includes(`"${name}"`), error.message);
        return true;
      });
    }
    assert.equal(home.requests.length, before, 'no refused call reached the upstream');
    await call('tags', { names: ['a', '..'] });
    assert.equal(home.requests.at(-1).path, '/tags/a,..', 'a dot pair inside a longer segment is an ordinary name');
    await call('pair', { a: '.', b: 'x' });
    assert.equal(home.requests.at(-1).path, '/pair/.x');
  } finally {
    await group.close();
  }
});

test('configured secrets are masked in successful answers (body, keys) and in the reason phrase of errors', async () => {
  const { group, call } = await load({ auth: AUTHS['apiKey in a header'].auth, headers: { Authorization: `Bearer ${TOKEN}` } });
  try {
    const answer = await call('echo', {});
    const text = JSON.stringify(answer);
    assert.ok(!text.includes(KEY) && !text.includes(TOKEN), text);
    assert.equal(answer.headers['x-api-key'], '[redacted]');
    assert.equal(answer.headers.authorization, '[redacted]', 'a configured credential header is masked whole');
    assert.ok('key-[redacted]' in answer, 'a secret in a key is masked too');
    await assert.rejects(call('reason', {}), (error) => {
      assert.ok(!error.message.includes(TOKEN), error.message);
      assert.match(error.message, /HTTP 403 Forbidden for \[redacted\]/);
      assert.ok(!String(error.body).includes(TOKEN));
      return true;
    });
  } finally {
    await group.close();
  }
});

test('a JSON answer that spells a secret with escapes is masked too; one without secrets passes as it came', async () => {
  const { group, call } = await load({ auth: AUTHS.bearer.auth });
  try {
    const spelled = await call('spelled', {});
    assert.equal(spelled.spelled, 'Bearer [redacted]', JSON.stringify(spelled));
    assert.equal(spelled.plain, 'nothing secret');
    const echoed = await call('items.get', { id: 'x'.repeat(3000) });
    assert.equal(echoed.headers.authorization, 'Bearer [redacted]', 'an answer with the secret as plain text is masked');
    const clean = await call('clean', {});
    assert.equal(clean.items.length, 100);
    assert.ok(secretFree.has(clean), 'a large answer without secrets is marked so, and passes the guard unwalked');
    assert.ok(!secretFree.has(spelled) && !secretFree.has(echoed));
    const { group: open, call: callOpen } = await load({});
    try {
      const answer = await callOpen('items.get', { id: 'y'.repeat(3000) });
      assert.equal(answer.path, `/items/${'y'.repeat(3000)}`);
      assert.equal(answer.headers.authorization, undefined);
    } finally {
      await open.close();
    }
  } finally {
    await group.close();
  }
});

test('basic credentials are masked in their base64 form, and a URL-encoded echo of a query key too', async () => {
  const basic = await load({ auth: AUTHS.basic.auth });
  try {
    const answer = await basic.call('echo', {});
    assert.equal(answer.headers.authorization, 'Basic [redacted]');
  } finally {
    await basic.group.close();
  }
  const keyed = await load({ auth: { type: 'apiKey', in: 'query', name: 'k', value: 'key with spaces&=' } });
  try {
    const answer = await keyed.call('echo', {});
    assert.equal(answer.query, '?k=[redacted]');
  } finally {
    await keyed.group.close();
  }
});
