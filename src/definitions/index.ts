// TypeScript declarations of api.* for any catalog (OpenAPI, MCP, module and client tools): what
// /api/definitions, explore and search show an LLM.

import type { Catalog, CatalogEntry } from '../catalog/index.js';
import { catalogFunctions, inputOptional, renderDefinitions, selectFunctions, type DefinableFunction, type DefinitionOptions } from './generate.js';
import { namespaceName } from './names.js';
import { TypeEmitter } from './types.js';

export type { DefinableFunction, DefinitionOptions, DefinitionsMode } from './generate.js';
export { AUTO_MAX_BYTES, AUTO_MAX_FUNCTIONS } from './generate.js';

/** Texts already made for a catalog, per options, valid while the catalog's version is unchanged. */
const cache = new WeakMap<Catalog, { version: number; texts: Map<string, string> }>();
const CACHED_TEXTS = 64;

/**
 * Declarations of the catalog's functions (and the client's tools): `mode: 'full'` gives every signature,
 * `'index'` names and one-line descriptions only, `'auto'` (default) full when the filter names namespaces or
 * functions or the selection is small, else the index.
 */
export function generateDefinitions(catalog: Catalog, options: DefinitionOptions = {}): string {
  const mode = options.mode ?? 'auto';
  const key = JSON.stringify([mode, [...(options.filter ?? [])].sort(), options.clientTools ?? []]);
  let entry = cache.get(catalog);
  if (!entry || entry.version !== catalog.version) cache.set(catalog, (entry = { version: catalog.version, texts: new Map() }));
  const known = entry.texts.get(key);
  if (known !== undefined) return known;
  const { functions, descriptions } = catalogFunctions(catalog, options.clientTools);
  const text = renderDefinitions(selectFunctions(functions, options.filter), descriptions, mode, options.filter);
  if (entry.texts.size >= CACHED_TEXTS) entry.texts.delete(entry.texts.keys().next().value!);
  entry.texts.set(key, text);
  return text;
}

/**
 * One line for search results and explore: `api.github.issues.create(input: { owner: string; ... }): Promise<Github.Issue>`.
 * Shared types appear by the name the full definitions declare them under.
 */
export function functionSignature(entry: CatalogEntry | DefinableFunction): string {
  const fn: DefinableFunction = 'tool' in entry
    ? { path: [entry.group.name, ...entry.tool.path], description: entry.tool.description, inputSchema: entry.tool.inputSchema, outputSchema: entry.tool.outputSchema, outputInferred: entry.tool.outputInferred }
    : entry;
  const qualifier = `${namespaceName(fn.path[0])}.`; // Weather.Forecast, as the full definitions name it
  const input = new TypeEmitter(fn.inputSchema, { qualifier, maxInlineDepth: 2, direction: 'input' }).emit(fn.inputSchema);
  const output = fn.outputSchema === undefined ? 'unknown' : new TypeEmitter(fn.outputSchema, { qualifier, maxInlineDepth: 1 }).emit(fn.outputSchema);
  return `api.${fn.path.join('.')}(input${inputOptional(fn.inputSchema) ? '?' : ''}: ${input}): Promise<${output}>`;
}
