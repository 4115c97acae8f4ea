// The reference ATP server (npm @mondaydotcomorg/atp-server 0.19.17) for side-by-side benchmarks, with the
// same `demo.add` tool our bench serves. Installed in bench/.reference (its own node_modules: installing it
// beside atp-client breaks it). Run: node --no-node-snapshot bench/reference/server.mjs
// Prints "listening on http://127.0.0.1:<port>" on stderr. ATP_BENCH_OPENAPI=<spec file> also loads that
// OpenAPI document, as group `github` (or ATP_BENCH_OPENAPI_NAME), with the reference's own loadOpenAPI.

import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, '..', '.reference', 'node_modules', '@mondaydotcomorg', 'atp-server', 'dist', 'index.js');
const { createServer } = await import(pathToFileURL(entry).href);

process.env.ATP_JWT_SECRET ??= 'reference-bench-secret-reference-bench-0001';
const server = createServer({ logger: 'none' });
server.use({
  name: 'demo',
  type: 'custom',
  functions: [{
    name: 'add',
    description: 'Add two numbers',
    inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    handler: async ({ a, b }) => ({ sum: a + b }),
  }],
});
if (process.env.ATP_BENCH_OPENAPI) await server.loadOpenAPI(process.env.ATP_BENCH_OPENAPI, { name: process.env.ATP_BENCH_OPENAPI_NAME || 'github' });
await server.start();
const httpServer = http.createServer(server.handler());
httpServer.listen(0, '127.0.0.1', () => process.stderr.write(`listening on http://127.0.0.1:${httpServer.address().port}\n`));
const stop = () => httpServer.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
