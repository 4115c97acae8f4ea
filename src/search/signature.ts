// One-line signatures from src/definitions, remembered per tool: making one walks the schemas,
// and a search answers ten of them per query.

import type { CatalogEntry, JsonSchema, Tool } from '../catalog/index.js';
import { functionSignature } from '../definitions/index.js';

const cache = new WeakMap<Tool, { input: JsonSchema; output: JsonSchema | undefined; group: string; signature: string }>();

/** `api.github.issues.create(input: { owner: string; ... }): Promise<Issue>`. */
export function signatureOf(entry: CatalogEntry): string {
  const { tool, group } = entry;
  const known = cache.get(tool);
  // schemas are replaced, not mutated, when a group refreshes or learns an output type
  if (known && known.input === tool.inputSchema && known.output === tool.outputSchema && known.group === group.name) return known.signature;
  const signature = functionSignature(entry);
  cache.set(tool, { input: tool.inputSchema, output: tool.outputSchema, group: group.name, signature });
  return signature;
}
