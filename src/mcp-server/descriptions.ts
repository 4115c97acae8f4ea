// The three tools an MCP client sees, their input schemas, and descriptions that teach code mode: how to find
// functions, how to write the code, and the index of what the config serves.

import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { Catalog } from '../catalog/index.js';
import type { ExecutionConfig } from '../config/index.js';
import { catalogIndex } from './catalog-index.js';

export const TOOL_NAMES = { search: 'search_api', explore: 'explore_api', execute: 'execute_code' } as const;

export function toolDefinitions(catalog: Catalog, execution: ExecutionConfig): McpTool[] {
  const groups = [...new Set([...catalog.entries()].map((entry) => entry.group.name))];
  return [
    {
      name: TOOL_NAMES.search,
      description: [
        'Find API functions for a task: ranked one-line signatures (api.<group>.<function>(input): output) with descriptions.',
        `Search before writing code for ${TOOL_NAMES.execute}; narrow with apiGroups (${groups.join(', ') || 'none'}).`,
      ].join(' '),
      inputSchema: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'What you want to do, in words: "create an issue", "read a file"' },
          apiGroups: { type: 'array', items: { type: 'string' }, description: 'Only these groups (or folders such as github.issues)' },
          maxResults: { type: 'integer', minimum: 1, maximum: 50, description: 'Default 10' },
        },
        required: ['query'],
      },
      annotations: { title: 'Search the APIs', readOnlyHint: true, openWorldHint: false },
    },
    {
      name: TOOL_NAMES.explore,
      description: [
        'Browse the APIs as folders: "/" lists the groups, "/github/issues" a folder, "/github/issues/create" one function',
        "with its full TypeScript declaration (input and output types). Read a function's declaration before calling it.",
      ].join(' '),
      inputSchema: {
        type: 'object',
        properties: { path: { type: 'string', description: 'A folder or function: /, /<group>, /<group>/<folder>/<function> (dots work too)' } },
      },
      annotations: { title: 'Explore the APIs', readOnlyHint: true, openWorldHint: false },
    },
    {
      name: TOOL_NAMES.execute,
      description: executeDescription(catalog, execution),
      inputSchema: {
        type: 'object',
        properties: { code: { type: 'string', description: 'TypeScript: the body of an async function; `return` the value you want back' } },
        required: ['code'],
      },
      annotations: { title: 'Run code against the APIs', readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
  ];
}

function executeDescription(catalog: Catalog, execution: ExecutionConfig): string {
  return `Run TypeScript against the APIs below in one sandboxed run, and get back its result, its logs and the API calls it made.
Rules:
- The code is the body of an async function: use await, and \`return\` the value you want back (JSON-serializable).
- Call functions as \`await api.<group>.<function>(input)\` with one input object; find them with ${TOOL_NAMES.search}, read their types with ${TOOL_NAMES.explore}.
- A failed call throws an Error you can catch (message, and status or code when known); an uncaught one ends the run with that error.
- Do several calls and the data work between them in one run; independent calls go faster in Promise.all. No imports, no fetch: only api.* and atp.*.
- atp.llm.call({ prompt }) asks your model (MCP sampling); atp.approval.request(message) asks the user (MCP elicitation); atp.cache.get/set keep values between runs; console.log and atp.log.* lines come back as logs; atp.progress.report(message, fraction) reports progress.
- Limits per run: ${seconds(execution.timeout)} s, ${Math.round(execution.memory / 1e6)} MB, ${execution.llmCalls} atp.llm calls.
APIs:
${catalogIndex(catalog)}`;
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
