// An example MCP server on stdio, run by atp.config.example.yaml as the `files` group: list, read, write and
// search text files inside one folder (the first argument), and nothing outside it. It needs only
// @modelcontextprotocol/sdk, which atp depends on, so the example runs offline wherever atp is installed.
//
//   apis:
//     - name: files
//       type: mcp
//       command: node
//       args: [./examples/mcp/files-server.js, ./examples/workspace]
//       cwd: .

import { readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const root = await realpath(process.argv[2] ?? '.');
const MAX_MATCHES = 100;

const relativePath = { type: 'string', description: 'A path relative to the workspace, e.g. notes/todo.txt' };
const tools = [
  {
    name: 'list_directory',
    description: 'Lists the files and folders in a folder of the workspace, with their sizes in bytes',
    inputSchema: { type: 'object', properties: { path: { ...relativePath, description: 'A folder relative to the workspace; default the workspace itself' } } },
    outputSchema: {
      type: 'object',
      properties: {
        entries: {
          type: 'array',
          items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string', enum: ['file', 'directory'] }, size: { type: 'integer' } }, required: ['name', 'type', 'size'] },
        },
      },
      required: ['entries'],
    },
    annotations: { readOnlyHint: true },
    async call({ path: folder = '.' }) {
      const dir = await inside(folder);
      const entries = [];
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (!entry.isFile() && !entry.isDirectory()) continue;
        entries.push({ name: entry.name, type: entry.isFile() ? 'file' : 'directory', size: entry.isFile() ? (await stat(path.join(dir, entry.name))).size : 0 });
      }
      return { entries: entries.sort((a, b) => a.name.localeCompare(b.name)) };
    },
  },
  {
    name: 'read_text_file',
    description: 'Reads a text file of the workspace, whole',
    inputSchema: { type: 'object', properties: { path: relativePath }, required: ['path'] },
    outputSchema: { type: 'object', properties: { content: { type: 'string' } }, required: ['content'] },
    annotations: { readOnlyHint: true },
    async call({ path: file }) {
      return { content: await readFile(await inside(file), 'utf8') };
    },
  },
  {
    name: 'write_file',
    description: 'Creates or replaces a text file in an existing folder of the workspace',
    inputSchema: { type: 'object', properties: { path: relativePath, content: { type: 'string' } }, required: ['path', 'content'] },
    outputSchema: { type: 'object', properties: { path: { type: 'string' }, bytes: { type: 'integer' } }, required: ['path', 'bytes'] },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    async call({ path: file, content }) {
      const target = await inside(file);
      await writeFile(target, content);
      return { path: path.relative(root, target), bytes: Buffer.byteLength(content) };
    },
  },
  {
    name: 'search_files',
    description: `Finds the lines of the workspace's text files that contain a text (ignoring case), at most ${MAX_MATCHES}`,
    inputSchema: { type: 'object', properties: { query: { type: 'string', minLength: 1 }, path: { ...relativePath, description: 'A folder to search; default the whole workspace' } }, required: ['query'] },
    outputSchema: {
      type: 'object',
      properties: {
        matches: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, line: { type: 'integer' }, text: { type: 'string' } }, required: ['path', 'line', 'text'] } },
      },
      required: ['matches'],
    },
    annotations: { readOnlyHint: true },
    async call({ query, path: folder = '.' }) {
      const needle = query.toLowerCase();
      const matches = [];
      for (const file of await filesUnder(await inside(folder))) {
        const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
        for (let i = 0; i < lines.length && matches.length < MAX_MATCHES; i++) {
          if (lines[i].toLowerCase().includes(needle)) matches.push({ path: path.relative(root, file), line: i + 1, text: lines[i] });
        }
      }
      return { matches };
    },
  },
];

/** The real path of `relative` inside the workspace; a path that leaves it (by .. or a symbolic link) is refused. */
async function inside(relative) {
  const target = path.resolve(root, relative);
  let real;
  try {
    real = await realpath(target);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    real = path.join(await realpath(path.dirname(target)), path.basename(target)); // a file about to be written
  }
  if (real !== root && !real.startsWith(root + path.sep)) throw new Error(`${relative} is outside the workspace; paths are relative to it`);
  return real;
}

async function filesUnder(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(full)));
    else if (entry.isFile()) found.push(full);
  }
  return found.sort();
}

/** The first way `args` does not fit `schema` (whose properties are all strings here), or undefined. */
function inputProblem(schema, args) {
  for (const key of schema.required ?? []) if (args[key] === undefined) return `${key} is required`;
  for (const [key, value] of Object.entries(args)) {
    if (!(key in schema.properties)) return `unknown input ${key}; expected ${Object.keys(schema.properties).join(', ')}`;
    if (typeof value !== 'string') return `${key} must be a string`;
  }
  return undefined;
}

/** What to do about a failure, in the words an agent can act on. */
function explain(error, args) {
  if (error.code === 'ENOENT') return `no such file or folder: ${args.path ?? '.'}; list_directory shows what the workspace holds`;
  if (error.code === 'EISDIR') return `${args.path} is a folder; list_directory lists it`;
  if (error.code === 'ENOTDIR') return `${args.path ?? '.'} is a file, not a folder`;
  if (error.code === 'EACCES' || error.code === 'EPERM' || error.code === 'EROFS') return `permission denied for ${args.path ?? '.'}`;
  return error.message;
}

const server = new Server({ name: 'atp-example-files', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools.map(({ call, ...tool }) => tool) }));
server.setRequestHandler(CallToolRequestSchema, async ({ params }) => {
  const tool = tools.find((candidate) => candidate.name === params.name);
  if (!tool) return { isError: true, content: [{ type: 'text', text: `no tool named ${params.name}` }] };
  const args = params.arguments ?? {};
  const wrong = inputProblem(tool.inputSchema, args);
  if (wrong) return { isError: true, content: [{ type: 'text', text: wrong }] };
  try {
    const result = await tool.call(args);
    return { structuredContent: result, content: [{ type: 'text', text: JSON.stringify(result) }] };
  } catch (error) {
    return { isError: true, content: [{ type: 'text', text: explain(error, args) }] };
  }
});
await server.connect(new StdioServerTransport());
