// Signals to `atp` as a user starts it (bin/atp.js without --no-node-snapshot, so through its launcher): SIGKILL
// leaves neither the server nor its MCP servers behind, and SIGHUP reloads without cutting an execution in flight.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compatApis, startUpstream } from './compat-fixtures.js';
import { alive, until } from './mcp-helpers.js';
import { ATP_BIN, ROOT, call, openSession, stopProcess, waitForOutput } from './serve-harness.js';

const stdioServer = path.join(ROOT, 'test/fixtures/mcp/stdio-server.js');

/** `atp serve` started the way a shell starts it: `node bin/atp.js`, no flags of our own. */
async function launch(config) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-signals-'));
  const file = path.join(dir, 'atp.yaml');
  writeFileSync(file, JSON.stringify({ server: { port: 0 }, logging: { level: 'info', format: 'text' }, ...config }));
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [ATP_BIN, 'serve', '-c', file], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [, url] = await waitForOutput(child, [child.stderr], (text) => /listening on (http:\/\/\S+)/.exec(text), 'atp serve to listen', 60_000);
  return { child, url, stderr: () => stderr, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** pid -> parent pid of every live process. */
function parents() {
  const map = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') map.set(Number(entry), Number(fields[1]));
    } catch {
      // it ended while we looked
    }
  }
  return map;
}

function descendants(pid) {
  const map = parents();
  const found = [];
  for (let frontier = [pid]; frontier.length > 0;) {
    const next = [...map].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

const cmdline = (pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

test('SIGKILL of the atp launcher leaves no server and no MCP server running', { timeout: 90_000 }, async () => {
  const atp = await launch({ apis: [{ name: 'local', type: 'mcp', command: process.execPath, args: [stdioServer] }] });
  let family = [];
  try {
    family = descendants(atp.child.pid);
    const mcp = family.find((pid) => cmdline(pid).includes(stdioServer));
    assert.ok(mcp, 'the MCP server runs under atp');
    const server = parents().get(mcp);
    if (typeof process.execve === 'function') {
      assert.equal(server, atp.child.pid, 'where Node has process.execve, atp is one process: the launcher became the server');
    }
    assert.ok(cmdline(server).includes('--no-node-snapshot'), 'the server runs with the snapshot off');
    process.kill(atp.child.pid, 'SIGKILL');
    await until(() => [server, mcp, ...family].every((pid) => !alive(pid)), 'the server and its MCP server to be gone', 20_000);
    if (server !== atp.child.pid) assert.match(atp.stderr(), /the launcher process is gone; exiting with it/);
  } finally {
    await stopProcess(atp.child, 'SIGKILL');
    for (const pid of family.filter(alive)) process.kill(pid, 'SIGKILL'); // survivors of a failure hold our pipes open
    atp.cleanup();
  }
});

test('SIGHUP reloads the unchanged config: an execution in flight finishes, new ones run, SIGTERM still drains', { timeout: 90_000 }, async () => {
  const upstream = await startUpstream();
  const atp = await launch({ apis: compatApis(upstream.url) });
  try {
    const session = await openSession(atp.url);
    const running = call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'const r = await api.shop.hold({ tag: "hup" }); return r.tag' } });
    await upstream.held();
    atp.child.kill('SIGHUP');
    await until(() => /SIGHUP: reloaded atp\.yaml: generation 2/.test(atp.stderr()), 'SIGHUP to reload');
    const next = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'return 6 * 7' } });
    assert.equal(next.body.result, 42, 'the server still takes new executions');
    upstream.release();
    const finished = await running;
    assert.equal(finished.status, 200);
    assert.equal(finished.body.status, 'completed');
    assert.equal(finished.body.result, 'hup');
    assert.equal(atp.child.exitCode, null, 'still running');
    const { code } = await stopProcess(atp.child, 'SIGTERM', 30_000);
    assert.equal(code, 0, atp.stderr());
    assert.match(atp.stderr(), /SIGTERM: draining/);
  } finally {
    await stopProcess(atp.child, 'SIGKILL');
    atp.cleanup();
    await upstream.close();
  }
});
