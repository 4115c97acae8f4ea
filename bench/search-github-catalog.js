// GitHub's REST API as a Catalog for the search benchmarks: through the OpenAPI loader when it is
// registered, else built directly from the spec (same path, sourceName, description, tags, inputs).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Catalog, loadGroup, toIdentifier } from '../dist/catalog/index.js';
import { createLogger } from '../dist/logging/index.js';

const require = createRequire(import.meta.url);
export const GITHUB_SPEC = require.resolve('@octokit/openapi/generated/api.github.com.json');

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** { catalog, via: 'loader' | 'spec', spec, loadMs } */
export async function loadGithubCatalog() {
  const spec = JSON.parse(readFileSync(GITHUB_SPEC, 'utf8'));
  const started = performance.now();
  try {
    const logger = createLogger({ level: 'silent', format: 'text' });
    const group = await loadGroup(
      { type: 'openapi', name: 'github', spec: GITHUB_SPEC, timeout: 30000, concurrency: 8, retries: 0 },
      { logger, configDir: process.cwd() },
    );
    return { catalog: new Catalog([group]), via: 'loader', spec, loadMs: performance.now() - started };
  } catch (error) {
    if (!/cannot be loaded by this version yet/.test(error.message)) throw error;
  }
  const group = { name: 'github', kind: 'openapi', tools: toolsFromSpec(spec), close: async () => {} };
  return { catalog: new Catalog([group]), via: 'spec', spec, loadMs: performance.now() - started };
}

/** operationId -> { summary, description, tags } straight from the spec. */
export function operationsOf(spec) {
  const out = new Map();
  for (const item of Object.values(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op?.operationId) out.set(op.operationId, op);
    }
  }
  return out;
}

function toolsFromSpec(spec) {
  const tools = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op?.operationId) continue;
      tools.push({
        path: op.operationId.split('/').map(toIdentifier),
        sourceName: op.operationId,
        description: [op.summary, op.description].filter(Boolean).join('\n\n') || `${method.toUpperCase()} ${path}`,
        inputSchema: inputSchemaOf(spec, [...(item.parameters ?? []), ...(op.parameters ?? [])], op.requestBody),
        annotations: { keywords: op.tags ?? [] },
        invoke: async () => { throw new Error('not callable in the benchmark'); },
      });
    }
  }
  return tools;
}

function inputSchemaOf(spec, parameters, requestBody) {
  const properties = {};
  const required = [];
  for (const raw of parameters) {
    const parameter = resolve(spec, raw);
    properties[parameter.name] = { ...resolve(spec, parameter.schema ?? {}), description: parameter.description };
    if (parameter.required) required.push(parameter.name);
  }
  const body = resolve(spec, resolve(spec, requestBody ?? {}).content?.['application/json']?.schema ?? {});
  for (const [name, schema] of Object.entries(body.properties ?? {})) properties[name] ??= resolve(spec, schema);
  for (const name of body.required ?? []) if (!required.includes(name)) required.push(name);
  return { type: 'object', properties, required };
}

function resolve(spec, value) {
  let node = value;
  for (let hops = 0; node && typeof node.$ref === 'string' && hops < 10; hops++) {
    node = node.$ref.slice(2).split('/').reduce((at, key) => at?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return node ?? {};
}
