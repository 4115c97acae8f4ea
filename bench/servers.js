// The servers the side-by-side benches start: ours (`atp serve`, from dist/) with a given isolation mode, and
// the reference (npm @mondaydotcomorg/atp-server, installed into bench/.reference on first use), both with the
// same `demo.add` tool and, when asked, the same OpenAPI document; and the local upstream that document names.

import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureReference } from './reference/install.mjs';
import { startProcess } from './serve-client.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..');

export const DEMO_MODULE = `export const add = {
  description: 'Add two numbers',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  handler: ({ a, b }) => ({ sum: a + b }),
};
`;

/**
 * `atp serve` in a process of its own, with `demo` (a module tool) and, given `openapi: { name, spec, baseUrl }`,
 * an OpenAPI group. `execution` is merged into the config's execution section (isolation, say); `nodeArgs` go
 * before bin/atp.js (an --import probe); `atpRoot` is where bin/ and dist/ are (see snapshotBuild). Resolves as startProcess does, and `stop()` removes its directory.
 */
export async function startOurs({ name = 'ours', execution, openapi, apis = [], nodeArgs = [], env = {}, atpRoot = root } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-'));
  writeFileSync(path.join(dir, 'demo.js'), DEMO_MODULE);
  writeFileSync(path.join(dir, 'atp.yaml'), JSON.stringify({
    server: { port: 0 },
    auth: { jwtSecret: 'bench-secret-bench-secret-bench-0001' },
    logging: { level: 'info' },
    ...(execution && { execution }),
    apis: [
      { name: 'demo', type: 'module', module: path.join(dir, 'demo.js') },
      ...(openapi ? [{ name: openapi.name, type: 'openapi', spec: openapi.spec, baseUrl: openapi.baseUrl }] : []),
      ...apis,
    ],
  }));
  let server;
  try {
    server = await startProcess(name, [...nodeArgs, path.join(atpRoot, 'bin/atp.js'), 'serve', '-c', path.join(dir, 'atp.yaml')], { ATP_CACHE_DIR: path.join(dir, 'cache'), ...env });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { ...server, stop: async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

/**
 * A copy of the build (bin/, dist/, schemas/, package.json; node_modules linked) in a directory of its own, so that
 * a rebuild of dist/ while a long run goes on (others build in this tree) changes nothing under the servers
 * measured. `files` (paths relative to the repository, bench/ probes say) are copied too. Retries while the copy
 * does not pass `atp validate` (a build half written), up to `attempts` times 20 s apart; returns its directory.
 */
export async function snapshotBuild({ files = [], attempts = 10 } = {}) {
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-build-'));
    for (const part of ['bin', 'dist', 'schemas', 'package.json', ...files]) {
      mkdirSync(path.dirname(path.join(dir, part)), { recursive: true });
      cpSync(path.join(root, part), path.join(dir, part), { recursive: true });
    }
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    writeFileSync(path.join(dir, 'demo.js'), DEMO_MODULE);
    writeFileSync(path.join(dir, 'atp.yaml'), JSON.stringify({ apis: [{ name: 'demo', type: 'module', module: path.join(dir, 'demo.js') }] }));
    const check = spawnSync(process.execPath, ['--no-node-snapshot', path.join(dir, 'bin/atp.js'), 'validate', '-c', path.join(dir, 'atp.yaml')], { encoding: 'utf8' });
    if (check.status === 0) return dir;
    rmSync(dir, { recursive: true, force: true });
    if (attempt >= attempts) throw new Error(`dist/ does not pass \`atp validate\` (a build under way?): ${(check.stderr || check.stdout).trim().slice(0, 400)}`);
    process.stderr.write(`dist/ does not pass \`atp validate\` yet (a build under way?); trying again in 20 s\n`);
    await new Promise((resolve) => setTimeout(resolve, 20_000));
  }
}

/** The reference server (bench/reference/server.mjs) with `demo.add` and, given `openapi: { name, spec }`, that document. */
export async function startReference({ name = 'reference', openapi } = {}) {
  ensureReference();
  return startProcess(name, [path.join(here, 'reference', 'server.mjs')], openapi ? { ATP_BENCH_OPENAPI: openapi.spec, ATP_BENCH_OPENAPI_NAME: openapi.name } : {});
}

/** An OpenAPI 3 document of one operation, `getItem` (GET /items/{id}), served at `origin`. */
export function shopDocument(origin) {
  return {
    openapi: '3.0.3',
    info: { title: 'Shop', version: '1.0.0' },
    servers: [{ url: origin }],
    paths: {
      '/items/{id}': {
        get: {
          operationId: 'getItem',
          summary: 'Get an item by id',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: {
              description: 'The item',
              content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, price: { type: 'number' } } } } },
            },
          },
        },
      },
    },
  };
}

/**
 * The shop's upstream on 127.0.0.1: an immediate small JSON answer to GET /items/{id}. It stamps every arrival,
 * so the gap between consecutive arrivals of a sequential loop is one whole call cycle as the upstream sees it.
 * `window()` starts a measurement and returns the function that closes it with its figures. `writeSpec(dir)`
 * writes the document naming this upstream and returns its path.
 */
export async function startShopUpstream() {
  const arrivals = [];
  let ownNs = 0n;
  let served = 0;
  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    arrivals.push(started);
    const id = decodeURIComponent(req.url.split('?')[0].slice('/items/'.length));
    const body = JSON.stringify({ id, name: `item ${id}`, price: 9.5 });
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    ownNs += process.hrtime.bigint() - started;
    served++;
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    writeSpec(dir) {
      const file = path.join(dir, 'shop.openapi.json');
      writeFileSync(file, JSON.stringify(shopDocument(origin), null, 2));
      return file;
    },
    window() {
      arrivals.length = 0;
      ownNs = 0n;
      served = 0;
      return () => {
        const gaps = [];
        for (let i = 1; i < arrivals.length; i++) gaps.push(Number(arrivals[i] - arrivals[i - 1]) / 1e6);
        return { requests: served, gaps, ownMs: served ? Number(ownNs) / 1e6 / served : 0 };
      };
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
