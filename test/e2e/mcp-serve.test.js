// `atp serve` with MCP and module groups as a real process: start-up summary, the child's stderr in the log
// with the group name, a killed MCP server restarted, and no child left after shutdown (asserted by pid).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAtp } from './serve-harness.js';
import { childPids, alive, until } from './mcp-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const everything = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const stdioServer = path.join(here, '../fixtures/mcp/stdio-server.js');

test('atp serve runs MCP servers, restarts a killed one, and leaves none behind at shutdown', async () => {
  const atp = await startAtp({
    apis: [
      { name: 'everything', type: 'mcp', command: process.execPath, args: [everything, 'stdio'] },
      { name: 'local', type: 'mcp', command: process.execPath, args: [stdioServer] },
      { name: 'math', type: 'module', module: path.join(here, '../fixtures/modules/math.js') },
    ],
  }, { timeoutMs: 60_000 });
  let stopped = false;
  try {
    assert.match(atp.stderr(), /everything \(mcp, 13 functions/);
    assert.match(atp.stderr(), /local \(mcp, 6 functions/);
    assert.match(atp.stderr(), /math \(module, 3 functions/);
    assert.match(atp.stderr(), /Starting default \(STDIO\) server\.\.\. group=everything stream=stderr/);

    const [first] = childPids(everything, atp.child.pid);
    const [local] = childPids(stdioServer, atp.child.pid);
    assert.ok(first && local, 'both servers are children of atp');
    process.kill(first, 'SIGKILL');
    await until(() => /was killed by SIGKILL; restarting in \d+ ms group=everything/.test(atp.stderr()), 'the restart to be logged');
    const second = await until(() => childPids(everything, atp.child.pid).find((pid) => pid !== first), 'a new everything server', 30_000);
    assert.ok(!alive(first));
    await until(() => /MCP server is back .*group=everything/.test(atp.stderr()), 'the server to be back');

    const result = await atp.stop();
    stopped = true;
    assert.equal(result.code, 0);
    for (const pid of [second, local]) assert.ok(!alive(pid), `process ${pid} is gone after shutdown`);
  } finally {
    if (!stopped) await atp.stop();
  }
});
