// The shipped example, as `npm install -g` lays it out: the package's files (what `npm pack` takes) beside
// its production dependencies only, served by the real binary with the network cut off, and a program that
// calls every group of the example config.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { call, openSession, ROOT, stopProcess, waitForOutput } from './serve-harness.js';

const NO_NETWORK = path.join(ROOT, 'test/fixtures/offline/no-network.js');
const offlineEnv = { ...process.env, NODE_OPTIONS: `--import=${pathToFileURL(NO_NETWORK).href}` };

/** The package's files, as `npm pack` would take them, and links to the production dependencies only. */
function installedPackage() {
  const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(packed.status, 0, packed.stderr);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-installed-'));
  for (const { path: file } of JSON.parse(packed.stdout)[0].files) {
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    cpSync(path.join(ROOT, file), path.join(dir, file));
  }
  // what is installed (CI on Node 24 installs without the lockfile), less the dev dependencies
  const installed = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
  const modules = path.join(ROOT, 'node_modules') + path.sep;
  for (const line of installed.stdout.split('\n')) {
    const name = line.slice(modules.length);
    if (!line.startsWith(modules) || !/^(@[^/]+\/)?[^/]+$/.test(name)) continue; // nested ones come with their parent
    mkdirSync(path.join(dir, 'node_modules', path.dirname(name)), { recursive: true });
    symlinkSync(line, path.join(dir, 'node_modules', name), 'dir');
  }
  assert.ok(existsSync(path.join(dir, 'node_modules/@modelcontextprotocol/sdk')), `npm ls listed the dependencies: ${installed.stderr}`);
  assert.ok(!existsSync(path.join(dir, 'node_modules/@modelcontextprotocol/server-filesystem')), 'no dev dependency');
  return dir;
}

test('the network guard of this test refuses a connection to another host', () => {
  const tried = spawnSync(process.execPath, ['-e', 'fetch("http://example.com/").then(() => process.exit(0), () => process.exit(3))'], { env: offlineEnv, encoding: 'utf8' });
  assert.equal(tried.status, 3);
  assert.match(tried.stderr, /offline: a connection to example\.com was refused/);
});

test('atp serve on the installed example works offline, and a program calls every group', { timeout: 120_000 }, async () => {
  const pkg = installedPackage();
  const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'atp-cwd-'));
  const config = path.join(pkg, 'atp.config.example.yaml');
  // run as a user would after `npm install -g`: through the launcher, from another folder
  const atp = spawn(process.execPath, [path.join(pkg, 'bin/atp.js'), 'serve', '-c', config, '--port', '0'], { cwd: elsewhere, env: offlineEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  atp.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    const [, url] = await waitForOutput(atp, [atp.stderr], (text) => /listening on (http:\/\/\S+)/.exec(text), 'the example to listen', 60_000);
    const groups = parseYaml(readFileSync(config, 'utf8')).apis.map((group) => group.name);
    const session = await openSession(url);
    const code = `
      const written = await api.files.writeFile({ path: 'notes.txt', content: 'Offline, every group answers.' });
      const read = await api.files.readTextFile({ path: 'notes.txt' });
      const listed = await api.files.listDirectory({});
      const found = await api.files.searchFiles({ query: 'EVERY GROUP' });
      let outside;
      try { await api.files.readTextFile({ path: '../package.json' }); } catch (error) { outside = error.message; }
      const slug = await api.text.slugify({ text: read.content });
      return { called: ['files', 'text'], written, read, names: listed.entries.map((e) => e.name), found: found.matches, outside, slug };`;
    const { status, body } = await call(`${url}/api/execute`, { method: 'POST', headers: session.headers, body: { code } });
    assert.equal(status, 200);
    assert.equal(body.status, 'completed', JSON.stringify(body.error));
    const result = body.result;
    assert.deepEqual(result.called.sort(), [...groups].sort(), 'the program calls every group of the example');
    assert.deepEqual(result.written, { path: 'notes.txt', bytes: 29 });
    assert.equal(result.read.content, 'Offline, every group answers.');
    assert.deepEqual(result.names, ['notes.txt', 'README.txt']);
    assert.deepEqual(result.found, [{ path: 'notes.txt', line: 1, text: 'Offline, every group answers.' }]);
    assert.equal(result.outside, '../package.json is outside the workspace; paths are relative to it');
    assert.deepEqual(result.slug, { slug: 'offline-every-group-answers' });
    assert.doesNotMatch(stderr, /offline: a connection/, 'nothing reached for the network');
    assert.equal(readFileSync(path.join(pkg, 'examples/workspace/notes.txt'), 'utf8'), 'Offline, every group answers.');
  } finally {
    const { code } = await stopProcess(atp);
    rmSync(pkg, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
    assert.equal(code, 0, stderr);
  }
});
