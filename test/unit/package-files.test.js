// What `npm pack` ships: package.json "files" keeps what an agent wrote into examples/workspace out of the
// package, while the folder itself (its README) ships, as the example MCP server needs it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** npm as `npm test` ran it (npm_execpath), else from the PATH. */
function npm(args, cwd) {
  const [command, prefix] = process.env.npm_execpath?.endsWith('.js') ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  return promisify(execFile)(command, [...prefix, ...args], { cwd, env: { ...process.env, npm_config_loglevel: 'silent' } });
}

test('npm pack leaves out files written into examples/workspace, and ships the rest of examples/', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'atp-pack-'));
  try {
    await cp(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
    await mkdir(path.join(dir, 'examples/workspace/notes'), { recursive: true });
    await mkdir(path.join(dir, 'examples/tools'), { recursive: true });
    await writeFile(path.join(dir, 'examples/workspace/README.txt'), 'the workspace\n');
    await writeFile(path.join(dir, 'examples/workspace/report.md'), 'an agent wrote this\n');
    await writeFile(path.join(dir, 'examples/workspace/notes/today.md'), 'and this\n');
    await writeFile(path.join(dir, 'examples/tools/text.js'), 'export {};\n');
    const { stdout } = await npm(['pack', '--dry-run', '--json', '--ignore-scripts'], dir);
    const files = JSON.parse(stdout)[0].files.map((file) => file.path).filter((file) => file.startsWith('examples/')).sort();
    assert.deepEqual(files, ['examples/tools/text.js', 'examples/workspace/README.txt']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
