// @modelcontextprotocol/server-filesystem on a temporary directory: write, read, list, and a refused path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadGroup } from '../../dist/catalog/index.js';
import { recordingLogger, childPids, alive, until, ctx, fn } from './mcp-helpers.js';

const server = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'atp-fs-')));
let group;

before(async () => {
  const { logger } = recordingLogger();
  group = await loadGroup(
    { name: 'files', type: 'mcp', command: process.execPath, args: [server, dir], timeout: 30_000, concurrency: 4, lazy: false },
    { logger, configDir: dir },
  );
});
after(async () => {
  await group?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('write, read and list files in the allowed directory', async () => {
  assert.deepEqual(
    ['writeFile', 'readTextFile', 'listDirectory', 'createDirectory'].map((name) => fn(group, name).sourceName),
    ['write_file', 'read_text_file', 'list_directory', 'create_directory'],
  );
  const file = path.join(dir, 'notes.txt');
  assert.deepEqual(await fn(group, 'writeFile').invoke({ path: file, content: 'first line\nsecond line\n' }, ctx()), { content: `Successfully wrote to ${file}` });
  assert.equal(readFileSync(file, 'utf8'), 'first line\nsecond line\n', 'the file is really there');
  assert.deepEqual(await fn(group, 'readTextFile').invoke({ path: file }, ctx()), { content: 'first line\nsecond line\n' });
  assert.deepEqual(await fn(group, 'readTextFile').invoke({ path: file, head: 1 }, ctx()), { content: 'first line' });
  await fn(group, 'createDirectory').invoke({ path: path.join(dir, 'sub') }, ctx());
  const listing = await fn(group, 'listDirectory').invoke({ path: dir }, ctx());
  assert.deepEqual(listing.content.split('\n').sort(), ['[DIR] sub', '[FILE] notes.txt']);
});

test('a path outside the allowed directory is refused with the server\'s message', async () => {
  const error = await fn(group, 'readTextFile').invoke({ path: '/etc/hostname' }, ctx()).catch((e) => e);
  assert.ok(error instanceof Error);
  assert.match(error.message, /Access denied - path outside allowed directories/);
});

test('closing the group ends the server', async () => {
  const [pid] = childPids(server);
  assert.ok(pid && alive(pid));
  await group.close();
  await until(() => !alive(pid), 'the filesystem server to end');
  group = undefined;
});
