// `atp validate --connect` through the real binary with MCP groups: what loaded, why not, and no server left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMcpHttpServer } from '../fixtures/mcp/http-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(here, '../../bin/atp.js');

function atp(args, cwd, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', BIN, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Processes anywhere on the machine whose command line contains marker. */
function processesWith(marker) {
  return readdirSync('/proc').filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  });
}

test('validate --connect reports MCP groups that loaded and why others did not, and stops every server', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atp-validate-mcp-'));
  const server = await startMcpHttpServer({ token: 'right-token' });
  const marker = `--atp-test-marker=${randomUUID()}`;
  try {
    writeFileSync(path.join(dir, 'atp.yaml'), `apis:
  - name: local
    type: mcp
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(path.join(here, '../fixtures/mcp/stdio-server.js'))}, ${JSON.stringify(marker)}]
  - name: lazyLocal
    type: mcp
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(path.join(here, '../fixtures/mcp/stdio-server.js'))}, ${JSON.stringify(marker)}]
    lazy: true
  - name: remote
    type: mcp
    url: ${server.url}
    headers: { Authorization: "Bearer \${REMOTE_TOKEN}" }
  - name: missing
    type: mcp
    command: atp-no-such-mcp-server
  - name: greeter
    type: module
    module: ${JSON.stringify(path.join(here, '../fixtures/modules/ts/tools.ts'))}
`);
    const wrong = await atp(['validate', '--connect', '-c', 'atp.yaml'], dir, { REMOTE_TOKEN: 'wrong-token' });
    assert.equal(wrong.code, 1, wrong.stderr);
    const lines = wrong.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'atp.yaml: valid; 5 API groups: local (mcp), lazyLocal (mcp), remote (mcp), missing (mcp), greeter (module)');
    assert.match(lines[1], /^ {2}ok {4}local: 6 functions in \d+ ms$/);
    assert.match(lines[2], /^ {2}ok {4}lazyLocal: 6 functions in \d+ ms$/);
    assert.match(lines[3], /^ {2}FAIL {2}remote: the MCP server at http:\/\/127\.0\.0\.1:\d+\/mcp refused the credentials \(HTTP 401\); check headers/);
    assert.doesNotMatch(wrong.stdout, /wrong-token/);
    assert.equal(lines[4], '  FAIL  missing: could not start "atp-no-such-mcp-server": no such program; check command, PATH or cwd');
    assert.match(lines[5], /^ {2}ok {4}greeter: 1 function in \d+ ms$/);
    assert.doesNotMatch(wrong.stdout + wrong.stderr, /^\s+at /m, 'no stack traces');

    const right = await atp(['validate', '--connect', '--json', '-c', 'atp.yaml'], dir, { REMOTE_TOKEN: 'right-token' });
    const report = JSON.parse(right.stdout);
    assert.deepEqual(report.groups.map((group) => [group.name, group.ok, group.functions]), [
      ['local', true, 6], ['lazyLocal', true, 6], ['remote', true, 3], ['missing', false, undefined], ['greeter', true, 1],
    ]);
    assert.deepEqual(processesWith(marker), [], 'validate leaves no MCP server running');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
