// The TypeScript an LLM reads before writing code against api.*: full signatures (shared schemas declared
// once per group namespace), or a compact index of names and one-line descriptions for big catalogs.

import type { Catalog, JsonSchema } from '../catalog/index.js';
import { toIdentifier } from '../catalog/index.js';
import type { ClientToolDefinition } from '../execution/index.js';
import { DOC_BUDGET, GLOBAL_TYPES, TypeNamespace, docText, isObject, namespaceName, propertyKey } from './names.js';
import { TypeEmitter } from './types.js';

export interface DefinableFunction {
  /** Group (or client tool namespace) first: ['github', 'issues', 'create'] is api.github.issues.create. */
  path: string[];
  description: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  /** The output type was learned from results, not declared. */
  outputInferred?: boolean;
}

export type DefinitionsMode = 'full' | 'index' | 'auto';

export interface DefinitionOptions {
  /** Groups, namespaces or functions to include: ['github.issues', 'math']; all when absent or empty. */
  filter?: string[];
  /** 'auto' (default): full signatures unless the selection is big, then the index. */
  mode?: DefinitionsMode;
  /** Tools the client registered at init: api.<namespace ?? 'client'>.<name>. */
  clientTools?: ClientToolDefinition[];
}

/** 'auto' gives the index above either limit. */
export const AUTO_MAX_FUNCTIONS = 300;
export const AUTO_MAX_BYTES = 64 * 1024;

interface Node {
  children: Map<string, Node>;
  fn?: DefinableFunction;
  description?: string;
}

export function catalogFunctions(catalog: Catalog, clientTools: readonly ClientToolDefinition[] = []): { functions: DefinableFunction[]; descriptions: Map<string, string> } {
  const functions: DefinableFunction[] = [];
  const descriptions = new Map<string, string>();
  for (const group of catalog.groups) if (group.description) descriptions.set(group.name, group.description);
  for (const entry of catalog.entries()) {
    const { tool } = entry;
    functions.push({ path: [entry.group.name, ...tool.path], description: tool.description, inputSchema: tool.inputSchema, outputSchema: tool.outputSchema, outputInferred: tool.outputInferred });
  }
  for (const tool of clientTools) {
    functions.push({ path: [tool.namespace || 'client', tool.name], description: tool.description, inputSchema: tool.inputSchema as JsonSchema, outputSchema: tool.outputSchema as JsonSchema | undefined });
  }
  return { functions, descriptions };
}

export function selectFunctions(functions: readonly DefinableFunction[], filter: readonly string[] | undefined): DefinableFunction[] {
  const wanted = (filter ?? []).map((f) => f.trim()).filter(Boolean);
  if (wanted.length === 0) return [...functions];
  return functions.filter((fn) => {
    const id = fn.path.join('.');
    return wanted.some((prefix) => id === prefix || id.startsWith(prefix + '.'));
  });
}

/**
 * 'auto' is full signatures when the filter names namespaces or functions (`github.issues`: the reader asked
 * for them, and the index points there), or when the selection is small; otherwise the index.
 */
export function renderDefinitions(functions: readonly DefinableFunction[], descriptions: ReadonlyMap<string, string>, mode: DefinitionsMode, filter?: readonly string[]): string {
  if (mode === 'index') return renderIndex(functions, descriptions);
  if (mode === 'full' || (filter ?? []).some((item) => item.includes('.'))) return renderFull(functions, descriptions);
  if (functions.length > AUTO_MAX_FUNCTIONS) return renderIndex(functions, descriptions);
  const full = renderFull(functions, descriptions);
  return Buffer.byteLength(full) <= AUTO_MAX_BYTES ? full : renderIndex(functions, descriptions);
}

function buildTree(functions: readonly DefinableFunction[], descriptions: ReadonlyMap<string, string>): Node {
  const root: Node = { children: new Map() };
  for (const fn of functions) {
    let node = root;
    for (const part of fn.path.slice(0, -1)) {
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = { children: new Map(), description: node === root ? descriptions.get(part) : undefined }));
      node = child;
    }
    const leaf = fn.path[fn.path.length - 1];
    if (!node.children.has(leaf)) node.children.set(leaf, { children: new Map(), fn }); // first wins: a server function over a client tool
  }
  return root;
}

function countFunctions(node: Node): number {
  let count = node.fn ? 1 : 0;
  for (const child of node.children.values()) count += countFunctions(child);
  return count;
}

function renderIndex(functions: readonly DefinableFunction[], descriptions: ReadonlyMap<string, string>): string {
  const tree = buildTree(functions, descriptions);
  const groups = [...tree.children.keys()];
  const lines = [
    `// Index of api.*: ${functions.length} functions in ${groups.length} group${groups.length === 1 ? '' : 's'}. Each takes one input object and returns a Promise.`,
    `// Signatures are left out here; get them before calling: GET /api/definitions?apiGroups=${exampleFilter(tree)} (namespaces or functions, comma-separated), or explore/search.`,
    'type F = (input?: Record<string, unknown>) => Promise<unknown>;',
    'declare const api: {',
  ];
  const walk = (node: Node, indent: string) => {
    for (const [name, child] of node.children) {
      if (child.fn) {
        const doc = restatesName(child.fn.description, name) ? undefined : docText(child.fn.description, DOC_BUDGET.indexFunction);
        lines.push(`${indent}${propertyKey(name)}: F;${doc ? ` // ${doc}` : ''}`);
        continue;
      }
      const doc = docText(child.description, DOC_BUDGET.namespace);
      lines.push(`${indent}${propertyKey(name)}: {${doc ? ` // ${doc}` : ''}`);
      walk(child, indent + ' ');
      lines.push(`${indent}};`);
    }
  };
  walk(tree, ' '); // one space per level: 1,000 functions cost 1,000 bytes per level
  lines.push('};', '');
  return lines.join('\n');
}

/** "Get the Zen" says nothing `getZen` does not: the index leaves such descriptions out. */
function restatesName(description: string, name: string): boolean {
  return toIdentifier(description.replace(/\b(a|an|the)\b/gi, ' ')).toLowerCase() === name.toLowerCase();
}

/** A namespace of the first group with several functions, else two functions: what a reader would fetch next. */
function exampleFilter(tree: Node): string {
  for (const [group, node] of tree.children) {
    for (const [name, child] of node.children) if (!child.fn && countFunctions(child) > 1) return `${group}.${name}`;
  }
  const [group, node] = tree.children.entries().next().value ?? ['group', { children: new Map() }];
  const names = [...(node as Node).children.keys()].slice(0, 2).map((name) => `${group}.${name}`);
  return names.join(',') || `${group}.fn`;
}

function renderFull(functions: readonly DefinableFunction[], descriptions: ReadonlyMap<string, string>): string {
  const tree = buildTree(functions, descriptions);
  const namespaces = new Map<string, TypeNamespace>();
  const usedNamespaceNames = new Set<string>(['F', ...GLOBAL_TYPES]); // a group named `promise` must not shadow Promise
  const namespaceOf = (group: string) => {
    let namespace = namespaces.get(group);
    if (!namespace) namespaces.set(group, (namespace = new TypeNamespace(namespaceName(group, usedNamespaceNames))));
    return namespace;
  };
  const api: string[] = ['declare const api: {'];
  const documented = new Set<string>();
  const walk = (node: Node, indent: string, namespace: TypeNamespace | undefined) => {
    for (const [name, child] of node.children) {
      const scope = namespace ?? namespaceOf(name);
      if (child.fn) {
        api.push(indent + functionLine(name, child.fn, scope, documented));
        continue;
      }
      const doc = docText(child.description, DOC_BUDGET.namespace);
      if (doc) api.push(`${indent}/** ${doc} */`);
      api.push(`${indent}${propertyKey(name)}: {`);
      walk(child, indent + '  ', scope);
      api.push(`${indent}};`);
    }
  };
  walk(tree, '  ', undefined);
  api.push('};');
  const declarations: string[] = [];
  for (const namespace of namespaces.values()) {
    const types = namespace.declarations((schema, root, direction) => new TypeEmitter(root, { namespace, qualifier: '', direction }).emit(schema));
    if (types.length === 0) continue;
    declarations.push(`declare namespace ${namespace.name} {`, ...types.map((line) => `  ${line}`), '}');
  }
  const header = [
    '// api.*: every function takes one input object and returns a Promise; a failed call throws an Error saying why',
    '// (for HTTP APIs: the status and the start of the answer). Shared types live in one namespace per group.',
  ];
  return [...header, ...declarations, ...api, ''].join('\n');
}

function functionLine(name: string, fn: DefinableFunction, namespace: TypeNamespace, documented: Set<string>): string {
  const qualifier = `${namespace.name}.`;
  const input = new TypeEmitter(fn.inputSchema, { namespace, qualifier, describeProperties: documented, direction: 'input' }).emit(fn.inputSchema);
  const output = fn.outputSchema === undefined ? 'unknown' : new TypeEmitter(fn.outputSchema, { namespace, qualifier }).emit(fn.outputSchema);
  const doc = docText(fn.description, DOC_BUDGET.function);
  const inferred = fn.outputInferred ? '/** inferred from observed results */ ' : '';
  return `${doc ? `/** ${doc} */ ` : ''}${propertyKey(name)}(input${inputOptional(fn.inputSchema) ? '?' : ''}: ${input}): Promise<${inferred}${output}>;`;
}

export function inputOptional(schema: JsonSchema): boolean {
  return !isObject(schema) || !Array.isArray(schema.required) || schema.required.length === 0;
}
