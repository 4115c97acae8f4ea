// Finding the tools a module exports: a default array or object of tools, and/or named tool exports.

import { GroupLoadError } from '../../types.js';
import type { ModuleTool } from './define.js';

export interface FoundTool {
  tool: ModuleTool;
  /** The declared name, else the export's name (or key in a default-exported object). */
  name: string;
}

const SHAPE_HINT = 'each tool is an object with description, inputSchema (JSON Schema) and handler(input, ctx), and optionally name and outputSchema';

export function collectTools(exports: Record<string, unknown>, file: string, group: string): FoundTool[] {
  const found: FoundTool[] = [];
  const seen = new Set<unknown>();
  const add = (value: unknown, fallbackName: string, where: string) => {
    if (seen.has(value)) return;
    seen.add(value);
    found.push({ tool: checkTool(value, where, file, group), name: nameOf(value as ModuleTool, fallbackName) });
  };
  const fallback = exports.default;
  if (Array.isArray(fallback)) {
    fallback.forEach((value, index) => add(value, '', `default export [${index}]`));
  } else if (looksLikeTool(fallback)) {
    add(fallback, 'default', 'default export');
  } else if (fallback && typeof fallback === 'object') {
    for (const [key, value] of Object.entries(fallback)) add(value, key, `default export .${key}`);
  }
  for (const [key, value] of Object.entries(exports)) {
    if (key !== 'default' && looksLikeTool(value)) add(value, key, `export ${key}`);
  }
  if (found.length === 0) {
    throw new GroupLoadError(group, `the module ${file} exports no tools; ${SHAPE_HINT} (defineTool from the atp-daemon package types it), exported by name or as a default array or object`);
  }
  for (const entry of found) {
    if (!entry.name) throw new GroupLoadError(group, `a tool in the default export array of ${file} has no name; give it name: '...'`);
  }
  return found;
}

function looksLikeTool(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { handler?: unknown }).handler === 'function';
}

function nameOf(tool: ModuleTool, fallback: string): string {
  return typeof tool.name === 'string' && tool.name.trim() ? tool.name.trim() : fallback;
}

function checkTool(value: unknown, where: string, file: string, group: string): ModuleTool {
  const fail = (what: string) => new GroupLoadError(group, `${where} of ${file} ${what}; ${SHAPE_HINT}`);
  if (typeof value !== 'object' || value === null) throw fail('is not a tool object');
  const tool = value as Partial<ModuleTool>;
  if (typeof tool.handler !== 'function') throw fail('has no handler function');
  if (typeof tool.description !== 'string' || !tool.description.trim()) throw fail('has no description');
  if (!isSchemaObject(tool.inputSchema)) throw fail('has no inputSchema object');
  if (tool.outputSchema !== undefined && !isSchemaObject(tool.outputSchema)) throw fail('has an outputSchema that is not an object');
  if (tool.name !== undefined && typeof tool.name !== 'string') throw fail('has a name that is not a string');
  return tool as ModuleTool;
}

function isSchemaObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
