// Shared by the sandbox-* and execution-* tests: a real executor over a real Catalog of in-process tools.

import Keyv from 'keyv';
import { configFromText } from '../../dist/config/index.js';
import { Catalog } from '../../dist/catalog/index.js';
import { createExecutor } from '../../dist/execution/index.js';
import { createLogger } from '../../dist/logging/index.js';

export const ALL_SERVICES = { hasLLM: true, hasApproval: true, hasEmbedding: true, hasTools: true };

/** Host-side state the demo tools touch, so tests can prove what ran on the host and how often. */
export function demoState() {
  return { counter: 0, calls: [], inFlight: 0, maxInFlight: 0, gates: [] };
}

function tool(name, invoke) {
  return { path: name.split('.'), sourceName: name, description: name, inputSchema: { type: 'object' }, annotations: {}, invoke };
}

export function demoCatalog(state, extra = []) {
  const tools = [
    tool('add', async (input) => ({ sum: input.a + input.b })),
    tool('echo', async (input) => input),
    tool('counter', async (input) => {
      state.calls.push(input);
      return { tag: input?.tag, count: ++state.counter };
    }),
    tool('boom', async () => {
      throw new Error(`demo failure from handler in ${process.cwd()}/src/secret.ts`);
    }),
    tool('upstream500', async () => {
      throw Object.assign(new Error('GET /fail: HTTP 500: boom'), { status: 500, code: 'HTTP_ERROR' });
    }),
    // resolves after `ms`, tracking how many calls run at once
    tool('sleep', async (input, ctx) => {
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      try {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, input.ms ?? 0);
          ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); });
        });
        return { slept: input.ms, tag: input.tag };
      } finally {
        state.inFlight--;
      }
    }),
    tool('issues.create', async (input) => ({ created: input.title })),
    ...extra,
  ];
  return new Catalog([{ name: 'demo', kind: 'module', tools, close: async () => {} }]);
}

/** `logLines`, when given, receives the executor's log records (JSON lines, debug and up). */
export function makeExecutor({ yaml = '', state = demoState(), extraTools = [], stateStore = new Keyv(), cacheStore = new Keyv(), claim, inlineTurns, clientIsolates, logLines } = {}) {
  const config = configFromText(`apis: []\n${yaml}`, { filepath: '/tmp/atp-test.yaml' });
  const catalog = demoCatalog(state, extraTools);
  const logger = logLines
    ? createLogger({ level: 'debug', format: 'json', write: (line) => logLines.push(JSON.parse(line)) })
    : createLogger({ level: 'silent', format: 'text' });
  const executor = createExecutor({ config, catalog, stateStore, cacheStore, logger, claim, inlineTurns, clientIsolates });
  return { executor, state, config, stateStore, cacheStore };
}

export function request(code, overrides = {}) {
  return {
    code,
    clientId: 'client-a',
    limits: { timeout: 5000, memory: 64 * 1024 * 1024, llmCalls: 20 },
    services: ALL_SERVICES,
    clientTools: [],
    ...overrides,
  };
}

export { tool as demoTool };
