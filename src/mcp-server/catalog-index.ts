// The compact index the tools' descriptions carry: each group with its kind, size, a line of description, and
// either its functions (a small group) or its largest folders, so a context window holds even 1,000+ functions.

import type { Catalog } from '../catalog/index.js';
import { oneLineDescription } from '../search/index.js';

/** A group with at most this many functions lists them by name; a larger one lists folders. */
const LISTED_FUNCTIONS = 8;
const LISTED_FOLDERS = 10;
const DESCRIPTION_CHARS = 120;

interface GroupSummary { name: string; kind: string; description?: string; functions: string[]; folders: Map<string, number> }

export function catalogIndex(catalog: Catalog): string {
  const groups = new Map<string, GroupSummary>();
  for (const entry of catalog.entries()) {
    const { group, tool } = entry;
    let summary = groups.get(group.name);
    if (!summary) groups.set(group.name, (summary = { name: group.name, kind: group.kind, description: group.description, functions: [], folders: new Map() }));
    summary.functions.push(tool.path.join('.'));
    if (tool.path.length > 1) summary.folders.set(tool.path[0], (summary.folders.get(tool.path[0]) ?? 0) + 1);
  }
  if (groups.size === 0) return '(no functions: the config declares no API group, or policies hide them all)';
  return [...groups.values()].map(groupLine).join('\n');
}

function groupLine(group: GroupSummary): string {
  const count = group.functions.length;
  const description = group.description ? `: ${oneLineDescription(group.description).slice(0, DESCRIPTION_CHARS)}` : '';
  const head = `- api.${group.name} (${group.kind}, ${count} function${count === 1 ? '' : 's'})${description}`;
  if (count <= LISTED_FUNCTIONS) return `${head}\n  functions: ${group.functions.join(', ')}`;
  const folders = [...group.folders].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = folders.slice(0, LISTED_FOLDERS).map(([name, n]) => `${name} (${n})`);
  const more = folders.length - shown.length;
  const loose = count - folders.reduce((sum, [, n]) => sum + n, 0);
  const tail = [more > 0 ? `${more} more folders` : '', loose > 0 ? `${loose} functions at the top` : ''].filter(Boolean).join(', ');
  return `${head}\n  folders: ${shown.join(', ')}${tail ? `; ${tail}` : ''}`;
}
