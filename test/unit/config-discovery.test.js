// Which file is the config: -c wins, else cosmiconfig's search order, else a clear "no config" error.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError, ConfigFileError, SEARCH_PLACES } from '../../dist/config/index.js';

let root;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'atp-discovery-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh project folder; its package.json (no "atp" key) stops the upward search at this folder. */
async function project(name, files = {}) {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0' }));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

/** A config whose server.port tells which file it came from. */
function yamlWithPort(port) {
  return `server:\n  port: ${port}\napis: []\n`;
}

test('SEARCH_PLACES lists the documented names in priority order', () => {
  assert.deepEqual([...SEARCH_PLACES], [
    'atp.yaml', 'atp.yml', 'atp.config.yaml', '.atprc', '.atprc.yaml', '.atprc.yml', '.atprc.json', 'package.json',
  ]);
});

test('search takes the first existing file in SEARCH_PLACES order, down to the "atp" key of package.json', async () => {
  const files = {
    'atp.yaml': yamlWithPort(1001),
    'atp.yml': yamlWithPort(1002),
    'atp.config.yaml': yamlWithPort(1003),
    '.atprc': yamlWithPort(1004),
    '.atprc.yaml': yamlWithPort(1005),
    '.atprc.yml': yamlWithPort(1006),
    '.atprc.json': JSON.stringify({ server: { port: 1007 }, apis: [] }),
  };
  const dir = await project('order', files);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'order', atp: { server: { port: 1008 }, apis: [] } }));
  const order = Object.keys(files);
  for (const [index, name] of order.entries()) {
    const config = await loadConfig({ cwd: dir, env: {} });
    assert.equal(config.file, path.join(dir, name), `expected ${name} to win`);
    assert.equal(config.server.port, 1001 + index);
    await unlink(path.join(dir, name));
  }
  const fromPackage = await loadConfig({ cwd: dir, env: {} });
  assert.equal(fromPackage.file, path.join(dir, 'package.json'));
  assert.equal(fromPackage.server.port, 1008);
  assert.equal(fromPackage.dir, dir);
});

test('-c wins over every searched file, relative to cwd', async () => {
  const dir = await project('explicit', { 'atp.yaml': yamlWithPort(2001), 'configs/other.yaml': yamlWithPort(2002) });
  const config = await loadConfig({ cwd: dir, configPath: 'configs/other.yaml', env: {} });
  assert.equal(config.file, path.join(dir, 'configs/other.yaml'));
  assert.equal(config.dir, path.join(dir, 'configs'));
  assert.equal(config.server.port, 2002);
});

test('-c package.json reads its "atp" key; without one it is a file error naming the key', async () => {
  const dir = await project('explicit-package');
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', atp: { server: { port: 2101 }, apis: [] } }));
  const config = await loadConfig({ cwd: dir, configPath: 'package.json', env: {} });
  assert.equal(config.server.port, 2101);

  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'x' }));
  await assert.rejects(loadConfig({ cwd: dir, configPath: 'package.json', env: {} }), (error) => {
    assert.ok(error instanceof ConfigFileError);
    assert.match(error.message, /package\.json has no "atp" key/);
    return true;
  });
});

test('a package.json without "atp" is skipped: the search reports no config', async () => {
  const dir = await project('no-atp-key');
  await assert.rejects(loadConfig({ cwd: dir, env: {} }), (error) => {
    assert.ok(error instanceof ConfigFileError, `got ${error}`);
    assert.match(error.message, /^no config found in /);
    assert.ok(error.message.includes(dir), 'names the folder searched');
    assert.match(error.message, /pass -c <file>/);
    assert.match(error.message, /atp\.yaml, atp\.yml, atp\.config\.yaml, \.atprc/);
    assert.equal(error.file, undefined);
    return true;
  });
});

test('a package.json that is not JSON does not hide the atp.yaml beside it, nor one up the tree; alone it is the error', async () => {
  const dir = await project('broken-package-beside', { 'atp.yaml': yamlWithPort(1301), 'sub/deeper/.keep': '' });
  await writeFile(path.join(dir, 'package.json'), '{ "name": "broken", }');
  assert.equal((await loadConfig({ cwd: dir, env: {} })).server.port, 1301);
  assert.equal((await loadConfig({ cwd: path.join(dir, 'sub', 'deeper'), env: {} })).server.port, 1301);
  const alone = await project('broken-alone');
  await writeFile(path.join(alone, 'package.json'), '{ "name": ');
  await assert.rejects(loadConfig({ cwd: alone, env: {} }), (error) => {
    assert.ok(error instanceof ConfigFileError);
    assert.match(error.message, /^cannot search for the config: .*package\.json is not valid JSON .*; fix it or pass -c <file>$/);
    return true;
  });
});

test('search walks up from a subfolder to the project root, and stops there', async () => {
  const dir = await project('walk', { 'atp.yaml': yamlWithPort(3001) });
  const deep = path.join(dir, 'src', 'deeper');
  await mkdir(deep, { recursive: true });
  const config = await loadConfig({ cwd: deep, env: {} });
  assert.equal(config.file, path.join(dir, 'atp.yaml'));

  // A nested package.json marks another project: the parent's atp.yaml is not used for it.
  const nested = path.join(dir, 'packages', 'inner');
  await mkdir(nested, { recursive: true });
  await writeFile(path.join(nested, 'package.json'), JSON.stringify({ name: 'inner' }));
  await assert.rejects(loadConfig({ cwd: nested, env: {} }), /no config found/);
});

test('an empty or comment-only atp.yaml is chosen (not skipped) and reported as empty', async () => {
  const dir = await project('empty-first', { 'atp.yaml': '', 'atp.yml': yamlWithPort(4001) });
  await assert.rejects(loadConfig({ cwd: dir, env: {} }), (error) => {
    assert.ok(error instanceof ConfigFileError);
    assert.match(error.message, /atp\.yaml is empty; a config needs at least an apis list/);
    return true;
  });
  await writeFile(path.join(dir, 'atp.yaml'), '# apis:\n#   - name: x\n');
  await assert.rejects(loadConfig({ cwd: dir, env: {} }), /atp\.yaml is empty/);
});

test('a found file with a YAML error reports its position, not a generic read error', async () => {
  const dir = await project('syntax', { '.atprc': 'apis:\n  - name: a\n   type: mcp\n' });
  await assert.rejects(loadConfig({ cwd: dir, env: {} }), (error) => {
    assert.ok(error instanceof ConfigFileError);
    assert.equal(error.problems.length, 1);
    const [problem] = error.problems;
    assert.equal(problem.file, '.atprc');
    assert.equal(problem.line, 3);
    assert.equal(problem.col, 4);
    assert.match(problem.message, /^YAML syntax error/);
    return true;
  });
});

test('a found invalid config is a ConfigError with positions in that file', async () => {
  const dir = await project('invalid-found', { 'atp.config.yaml': 'apis: []\nlogging:\n  levle: info\n' });
  await assert.rejects(loadConfig({ cwd: dir, env: {} }), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.file, 'atp.config.yaml');
    assert.deepEqual(error.problems.map(({ file, line, col, path: at }) => ({ file, line, col, at })), [
      { file: 'atp.config.yaml', line: 3, col: 3, at: 'logging.levle' },
    ]);
    return true;
  });
});

test('a broken package.json during the search is a file error with one readable line', async () => {
  const dir = await project('broken-package');
  await writeFile(path.join(dir, 'package.json'), '{ "name": "x", "atp": { "apis": [] }, }');
  await assert.rejects(loadConfig({ cwd: dir, env: {} }), (error) => {
    assert.ok(error instanceof ConfigFileError, `got ${error?.name}`);
    assert.match(error.message, /package\.json/);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
});

test('-c naming a missing file or a folder is a file error that says so', async () => {
  const dir = await project('missing');
  await assert.rejects(loadConfig({ cwd: dir, configPath: 'nope.yaml', env: {} }), (error) => {
    assert.ok(error instanceof ConfigFileError);
    assert.equal(error.message, 'nope.yaml: no such file; check the path given to -c');
    assert.equal(error.file, 'nope.yaml');
    return true;
  });
  await mkdir(path.join(dir, 'folder.yaml'));
  await assert.rejects(loadConfig({ cwd: dir, configPath: 'folder.yaml', env: {} }), /folder\.yaml: is a directory; give the config file itself/);
});
