// The catalogue the compatibility suites serve: module groups `demo` and `math`, and an OpenAPI group `shop`
// whose upstream runs in the test process, so the test counts every call that reached it (on any instance).

import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DEMO = `
export const add = {
  description: 'Add two numbers',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  outputSchema: { type: 'object', properties: { sum: { type: 'number' } } },
  handler: ({ a, b }) => ({ sum: a + b }),
};
export const boom = {
  description: 'Always fails',
  inputSchema: { type: 'object' },
  handler: () => { throw new Error('demo failure from handler'); },
};
let hostCalls = 0;
export const counter = {
  description: 'Counts its calls on the host',
  inputSchema: { type: 'object', properties: { tag: { type: 'string' } } },
  handler: ({ tag }) => ({ tag, hostCalls: ++hostCalls }),
};
export const slowEcho = {
  description: 'Reports progress, then echoes',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
  handler: ({ text }, ctx) => { ctx.progress('echoing', 0.5); return { text }; },
};
`;

const MATH = `
export const multiply = {
  description: 'Multiply two numbers',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  outputSchema: { type: 'number' },
  handler: ({ a, b }) => a * b,
};
`;

function spec(upstream) {
  const object = (properties) => ({ type: 'object', properties });
  const json = (schema) => ({ content: { 'application/json': { schema } } });
  return {
    openapi: '3.0.3',
    info: { title: 'Shop', version: '1.0.0' },
    servers: [{ url: upstream }],
    paths: {
      '/count': {
        post: {
          operationId: 'count',
          summary: 'Counts calls by tag, upstream',
          requestBody: json(object({ tag: { type: 'string' } })),
          responses: { 200: { description: 'the count', ...json(object({ tag: { type: 'string' }, n: { type: 'integer' } })) } },
        },
      },
      '/hold': {
        post: {
          operationId: 'hold',
          summary: 'Answers only when the test releases it',
          requestBody: json(object({ tag: { type: 'string' } })),
          responses: { 200: { description: 'released', ...json(object({ tag: { type: 'string' } })) } },
        },
      },
    },
  };
}

/** The upstream of group `shop`: counts /count calls per tag; /hold waits for release(). */
export async function startUpstream() {
  const counts = new Map();
  const held = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const { tag = '' } = body ? JSON.parse(body) : {};
      const answer = (value) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/count') {
        counts.set(tag, (counts.get(tag) ?? 0) + 1);
        return answer({ tag, n: counts.get(tag) });
      }
      if (req.url === '/hold') {
        held.push(() => answer({ tag }));
        for (const wake of waiters.splice(0)) wake();
        return undefined;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    count: (tag) => counts.get(tag) ?? 0,
    /** Resolves once a /hold call is waiting. */
    held: () => (held.length > 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    release: () => held.splice(0).forEach((answer) => answer()),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** Writes the modules and the spec to a temp folder; returns the `apis` section. */
export function compatApis(upstreamUrl) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-compat-'));
  writeFileSync(path.join(dir, 'demo.js'), DEMO);
  writeFileSync(path.join(dir, 'math.js'), MATH);
  writeFileSync(path.join(dir, 'shop.json'), JSON.stringify(spec(upstreamUrl)));
  return [
    { name: 'demo', type: 'module', module: path.join(dir, 'demo.js') },
    { name: 'math', type: 'module', module: path.join(dir, 'math.js') },
    { name: 'shop', type: 'openapi', spec: path.join(dir, 'shop.json') },
  ];
}
