// A group that acts as the person (OAuth authorization code) behind /mcp: with elicitation, a call before the person
// signed in asks them through it (the sign-in link, then approve) and runs as them; without elicitation, the tool
// result carries the link. A real authorization server and API on 127.0.0.1 (test/fixtures/oauth/provider.js).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_ID, CLIENT_SECRET, consent, startProvider } from '../fixtures/oauth/provider.js';
import { startAtp } from './serve-harness.js';
import { connectHttp, mcpClient, run } from '../fixtures/atp-mcp/harness.js';

let provider;
let atp;
const opened = [];

before(async () => {
  provider = await startProvider();
  atp = await startAtp({
    server: { mcp: true },
    apis: [{ name: 'crm', type: 'openapi', spec: provider.spec, auth: { type: 'oauth2', flow: 'authorizationCode', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } }],
  }, { timeoutMs: 60_000 });
});
after(async () => {
  await Promise.allSettled(opened.map((client) => client.close()));
  await atp?.stop();
  await provider?.close();
});

test('with elicitation, a sign-in is asked for with its link, and the call then runs as the person', async () => {
  const { client, asked } = mcpClient({
    elicit: async ({ params }) => {
      const link = /open (https?:\/\/\S+), then approve/.exec(params.message)?.[1];
      const done = await consent(link, 'ada');
      return { action: 'accept', content: { approved: done.status === 200 } };
    },
  });
  await connectHttp(client, atp.url);
  opened.push(client);
  const { value, text } = await run(client, 'return await api.crm.me({})');
  assert.ok(value, text);
  assert.deepEqual(value.result, { person: 'ada' });
  assert.match(asked[0].params.message, /^Sign in to crm so that api\.crm\.me can act as you: open http/);
  assert.equal(provider.log.calls.at(-1).person, 'ada');
});

test('without elicitation, the tool result carries the sign-in link', async () => {
  const { client } = mcpClient();
  await connectHttp(client, atp.url);
  opened.push(client);
  const { isError, text } = await run(client, 'return await api.crm.me({})');
  assert.equal(isError, true);
  assert.match(text, /AUTHORIZATION_REQUIRED/);
  assert.match(text, /\nsign in at: http:\/\/127\.0\.0\.1:\d+\//);
});
