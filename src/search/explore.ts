// The catalog as a filesystem for POST /api/explore: `/` lists groups, a group lists its namespaces
// and functions, `/github/issues/create` describes one function. Every listed directory resolves.

import type { Catalog, CatalogEntry, JsonSchema, ToolGroup } from '../catalog/index.js';
import { oneLineDescription } from './describe.js';
import { signatureOf } from './signature.js';

export interface ExploreItem {
  name: string;
  type: 'directory' | 'function';
  description?: string;
}

export interface ExploreDirectory {
  type: 'directory';
  path: string;
  items: ExploreItem[];
}

export interface ExploreFunction {
  type: 'function';
  path: string;
  name: string;
  description: string;
  /** One-line call shape. */
  definition: string;
  group: string;
  /** The name in its source (OpenAPI operationId, MCP tool name), which may not be an identifier. */
  sourceName: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
}

export interface ExploreOptions {
  /** Functions the caller may see; hidden ones, and folders left empty, are not listed or resolved. */
  filter?: (entry: CatalogEntry) => boolean;
}

interface Node {
  children: Map<string, Node>;
  /** The function at exactly this path, if any. */
  entry?: CatalogEntry;
  /** Set on group nodes. */
  group?: ToolGroup;
  /** Every function at or below this node, for filtering and counts. */
  entries: CatalogEntry[];
}

// Reference servers put a source-kind folder first (`/openapi/github/...`); the client's own tool docs use it.
const KIND_FOLDERS = new Set(['openapi', 'mcp', 'module', 'custom']);

const trees = new WeakMap<Catalog, { version: number; root: Node }>();

/** A directory, a function, or undefined for a path that does not exist (HTTP 404). */
export function explore(catalog: Catalog, path: string, options: ExploreOptions = {}): ExploreDirectory | ExploreFunction | undefined {
  const root = treeOf(catalog);
  const visible = (node: Node) => !options.filter || node.entries.some(options.filter);
  const segments = resolveAliases(root, splitPath(path));
  let node = root;
  for (const segment of segments) {
    const next = node.children.get(segment);
    if (!next || !visible(next)) return undefined;
    node = next;
  }
  const canonical = '/' + segments.join('/');
  if (node.children.size === 0 && node.entry) return describeFunction(node.entry, canonical);
  if (node !== root && !visible(node)) return undefined;
  return { type: 'directory', path: canonical, items: listItems(node, options.filter) };
}

/** `github/issues/` -> [github, issues]; `github.issues.create` (dotted id) is accepted too; empty -> []. */
export function splitPath(path: string): string[] {
  const text = String(path ?? '').trim();
  const separator = !text.includes('/') && text.includes('.') ? '.' : '/';
  return text.split(separator).filter((segment) => segment.length > 0);
}

function resolveAliases(root: Node, segments: string[]): string[] {
  const [first, second] = segments;
  if (first && !root.children.has(first) && KIND_FOLDERS.has(first) && second && root.children.has(second)) {
    const group = root.children.get(second)?.group;
    if (group && (group.kind === first || (first === 'custom' && group.kind === 'module'))) return segments.slice(1);
  }
  return segments;
}

function listItems(node: Node, filter?: (entry: CatalogEntry) => boolean): ExploreItem[] {
  const directories: ExploreItem[] = [];
  const functions: ExploreItem[] = [];
  for (const [name, child] of node.children) {
    const shown = filter ? child.entries.filter(filter) : child.entries;
    if (shown.length === 0 && !(child.group && !filter)) continue; // an empty group still exists
    if (child.group || child.children.size > 0) {
      const description = child.group?.description ?? `${shown.length} function${shown.length === 1 ? '' : 's'}`;
      directories.push({ name, type: 'directory', description });
    }
    if (child.entry && (!filter || filter(child.entry))) {
      functions.push({ name, type: 'function', description: oneLineDescription(child.entry.tool.description) });
    }
  }
  return [...directories.sort(byName), ...functions.sort(byName)];
}

function byName(a: ExploreItem, b: ExploreItem): number {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function describeFunction(entry: CatalogEntry, path: string): ExploreFunction {
  const { tool, group } = entry;
  const result: ExploreFunction = {
    type: 'function',
    path,
    name: tool.path[tool.path.length - 1] ?? '',
    description: tool.description,
    definition: signatureOf(entry),
    group: group.name,
    sourceName: tool.sourceName,
    inputSchema: tool.inputSchema,
  };
  if (tool.outputSchema !== undefined) result.outputSchema = tool.outputSchema;
  return result;
}

function treeOf(catalog: Catalog): Node {
  const known = trees.get(catalog);
  if (known && known.version === catalog.version) return known.root;
  const root = newNode();
  for (const group of catalog.groups) {
    const groupNode = newNode();
    groupNode.group = group;
    root.children.set(group.name, groupNode);
  }
  for (const entry of catalog.entries()) {
    root.entries.push(entry);
    let node = root.children.get(entry.group.name)!;
    node.entries.push(entry);
    for (const part of entry.tool.path) {
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = newNode()));
      child.entries.push(entry);
      node = child;
    }
    node.entry = entry;
  }
  trees.set(catalog, { version: catalog.version, root });
  return root;
}

function newNode(): Node {
  return { children: new Map(), entries: [] };
}
