// Pauses answered over MCP, with the SDK's real client and server linked in memory: atp.llm.* as sampling (call,
// extract's JSON, classify's category), approvals as elicitation, and every answer the client cannot give as an
// __error naming why (no capability, a failed request, an answer that does not fit).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { answerCallback, answerPause } from '../../dist/mcp-server/pauses.js';

/** A server whose client answers sampling with `sample(params)` and elicitation with `elicit(params)`, when given. */
async function linked({ sample, elicit } = {}) {
  const server = new Server({ name: 'atp', version: '0' }, { capabilities: {} });
  const client = new Client({ name: 'c', version: '0' }, { capabilities: { ...(sample && { sampling: {} }), ...(elicit && { elicitation: {} }) } });
  const asked = [];
  if (sample) client.setRequestHandler(CreateMessageRequestSchema, async ({ params }) => (asked.push(params), sample(params)));
  if (elicit) client.setRequestHandler(ElicitRequestSchema, async ({ params }) => (asked.push(params), elicit(params)));
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  const context = { server, requestId: 1, signal: new AbortController().signal, timeoutMs: 5_000 };
  return { context, asked, close: () => Promise.all([client.close(), server.close()]) };
}

const said = (text) => ({ role: 'assistant', model: 'm', content: { type: 'text', text } });
const llm = (operation, payload) => ({ type: 'llm', operation, payload });

test('atp.llm.call: the prompt, its context and options go out as one sampling request; the text comes back', async () => {
  const { context, asked, close } = await linked({ sample: () => said('fine') });
  try {
    const answer = await answerCallback(llm('call', { prompt: 'How is Ada?', options: { context: { id: 1 }, maxTokens: 50, model: 'small', systemPrompt: 'Be brief' } }), context);
    assert.equal(answer, 'fine');
    assert.deepEqual(asked[0], {
      messages: [{ role: 'user', content: { type: 'text', text: 'How is Ada?\n\nContext:\n{"id":1}' } }],
      maxTokens: 50, systemPrompt: 'Be brief', modelPreferences: { hints: [{ name: 'small' }] },
    });
  } finally {
    await close();
  }
});

test("atp.llm.extract parses the model's JSON (fenced or not); an answer that is not JSON is an error", async () => {
  const answers = ['```json\n{"n": 2}\n```', 'sorry, no'];
  const { context, asked, close } = await linked({ sample: () => said(answers.shift()) });
  try {
    const payload = { prompt: 'count', schema: { type: 'object' } };
    assert.deepEqual(await answerCallback(llm('extract', payload), context), { n: 2 });
    assert.match(asked[0].systemPrompt, /^Answer with one JSON value that matches this JSON Schema, and nothing else: \{"type":"object"\}$/);
    const refused = await answerCallback(llm('extract', payload), context);
    assert.equal(refused.__error, true);
    assert.match(refused.message, /^atp\.llm\.extract: the model's answer is not JSON \(it began: "sorry, no"\)/);
  } finally {
    await close();
  }
});

test('atp.llm.classify takes the category the model named, and refuses one outside the list', async () => {
  const answers = ['Urgent.', 'it is clearly spam to me', 'maybe'];
  const { context, close } = await linked({ sample: () => said(answers.shift()) });
  try {
    const payload = { text: 'Buy now!', categories: ['urgent', 'spam', 'normal'] };
    assert.equal(await answerCallback(llm('classify', payload), context), 'urgent');
    assert.equal(await answerCallback(llm('classify', payload), context), 'spam');
    const refused = await answerCallback(llm('classify', payload), context);
    assert.match(refused.message, /^atp\.llm\.classify: the model answered "maybe", not one of urgent, spam, normal$/);
  } finally {
    await close();
  }
});

test('a sampling request the client fails, or answers without text, is an error at the awaiting call', async () => {
  const { context, close } = await linked({ sample: ({ maxTokens }) => (maxTokens === 1 ? { role: 'assistant', model: 'm', content: { type: 'image', data: 'AA==', mimeType: 'image/png' } } : Promise.reject(new Error('user rejected sampling'))) });
  try {
    const failed = await answerCallback(llm('call', { prompt: 'x', options: {} }), context);
    assert.match(failed.message, /^atp\.llm\.call: the MCP client did not answer the sampling request: .*user rejected sampling/);
    const image = await answerCallback(llm('call', { prompt: 'x', options: { maxTokens: 1 } }), context);
    assert.match(image.message, /the model answered image, not text/);
  } finally {
    await close();
  }
});

test('approvals: accept with approved, accept without, decline; a policy gate names its function', async () => {
  const answers = [{ action: 'accept', content: { approved: true } }, { action: 'accept', content: { approved: false, reason: 'too late' } }, { action: 'decline' }];
  const { context, asked, close } = await linked({ elicit: () => answers.shift() });
  try {
    const request = { type: 'approval', operation: 'request', payload: { message: 'Merge?', context: { pr: 7 } } };
    assert.equal((await answerCallback(request, context)).approved, true);
    assert.equal(asked[0].mode, 'form');
    assert.equal(asked[0].message, 'Merge?\n\n{\n  "pr": 7\n}');
    const denied = await answerCallback(request, context);
    assert.deepEqual([denied.approved, denied.response], [false, 'too late']);
    const declined = await answerCallback(request, context);
    assert.deepEqual([declined.approved, declined.response], [false, 'the person chose to decline']);
  } finally {
    await close();
  }
});

test('without the capability: an error naming it; embeddings have no MCP counterpart', async () => {
  const { context, close } = await linked();
  try {
    assert.match((await answerCallback(llm('call', { prompt: 'x' }), context)).message, /did not declare the sampling capability/);
    const gate = { type: 'approval', operation: 'request', payload: { message: 'Allow the call api.files.writeFile?', context: { function: 'api.files.writeFile' } } };
    assert.match((await answerCallback(gate, context)).message, /^api\.files\.writeFile needs a person's approval \(policies\), and this MCP client did not declare the elicitation capability/);
    assert.match((await answerCallback({ type: 'embedding', operation: 'embed', payload: {} }, context)).message, /MCP has no way to ask the client for embeddings/);
  } finally {
    await close();
  }
});

test('a batch pause is answered by id: model calls at once, approvals in order', async () => {
  const { context, close } = await linked({ sample: ({ messages }) => said(`re: ${messages[0].content.text}`), elicit: () => ({ action: 'accept', content: { approved: true } }) });
  try {
    const answer = await answerPause({
      needsCallbacks: [
        { id: 'cb_1', ...llm('call', { prompt: 'one', options: {} }) },
        { id: 'cb_2', type: 'approval', operation: 'request', payload: { message: 'ok?', context: {} } },
        { id: 'cb_3', ...llm('call', { prompt: 'three', options: {} }) },
      ],
    }, context);
    assert.deepEqual(answer.results.map(({ id, result }) => [id, typeof result === 'string' ? result : result.approved]), [['cb_1', 're: one'], ['cb_2', true], ['cb_3', 're: three']]);
  } finally {
    await close();
  }
});
