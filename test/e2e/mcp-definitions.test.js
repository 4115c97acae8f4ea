// Inferred output types end to end: an untyped MCP tool is called a few times, the definitions then show the
// learned shape (marked as inferred), and the declarations compile with tsc, as does code using the result.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadGroup, Catalog } from '../../dist/catalog/index.js';
import { generateDefinitions } from '../../dist/definitions/index.js';
import { recordingLogger, ctx } from './mcp-helpers.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/mcp');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const dir = mkdtempSync(path.join(tmpdir(), 'atp-mcp-defs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function typecheck(source) {
  writeFileSync(path.join(dir, 'check.ts'), `${source}\nexport {};\n`);
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2022'], types: [], module: 'es2022' }, files: ['check.ts'] }));
  try {
    await promisify(execFile)(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.json')]);
    return '';
  } catch (error) {
    return `${error.stdout}${error.stderr}`;
  }
}

test('after a few calls the definitions of an untyped MCP tool show the learned, compilable type', async () => {
  const { logger } = recordingLogger();
  const group = await loadGroup(
    { name: 'local', type: 'mcp', command: process.execPath, args: [path.join(fixtures, 'stdio-server.js')], timeout: 10_000, concurrency: 4, lazy: false },
    { logger, configDir: fixtures },
  );
  const catalog = new Catalog([group]);
  try {
    const before = generateDefinitions(catalog, { mode: 'full' });
    assert.match(before, /userLookup\(input: [^)]*\): Promise<unknown>/, `before any call the result is unknown:\n${before}`);

    const lookup = catalog.get('local.userLookup').tool;
    for (const id of [1, 2, 3]) await lookup.invoke({ id }, ctx());
    const after = generateDefinitions(catalog, { mode: 'full' });
    assert.notEqual(after, before, 'the definitions were regenerated for the new catalog version');
    const line = after.split('\n').find((text) => text.includes('userLookup('));
    assert.match(line, /inferred from observed results/);
    assert.doesNotMatch(line, /Promise<unknown>/);
    assert.match(after, /id: number/);
    assert.match(after, /name: string/);
    assert.match(after, /tags: (string\[\]|Array<string>)/);

    const usage = `${after}\nasync function use() {\n  const user = await api.local.userLookup({ id: 1 });\n  const first: string | undefined = user.tags[0];\n  const id: number = user.id;\n  return [first, id, user.name.toUpperCase()];\n}\n`;
    assert.equal(await typecheck(usage), '', 'the learned type compiles and types the result');
    const wrong = `${after}\nasync function misuse() {\n  const user = await api.local.userLookup({ id: 1 });\n  const id: string = user.id;\n  return id;\n}\n`;
    assert.match(await typecheck(wrong), /error TS2322/, 'and it is a real type, not any');
  } finally {
    await catalog.close();
  }
});
