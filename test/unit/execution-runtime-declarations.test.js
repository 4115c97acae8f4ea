// The atp.* declarations served by /api/runtime compile with TypeScript and match what the sandbox has.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import ts from 'typescript';
import { runtimeDeclarations, RUNTIME_SERVICES } from '../../dist/execution/index.js';

/** Type-checks declarations plus a usage snippet; returns the diagnostics as text. */
function typeCheck(declarations, usage) {
  const files = { 'runtime.d.ts': declarations, 'usage.ts': `export {};\n${usage}` };
  const options = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts'], types: [] };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) => (name in files ? ts.createSourceFile(name, files[name], version) : read(name, version));
  host.fileExists = ((exists) => (name) => name in files || exists(name))(host.fileExists.bind(host));
  const program = ts.createProgram(Object.keys(files), options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n');
}

test('the full declarations are valid TypeScript and type real usage', () => {
  const usage = `
    async function agent() {
      const text: string = await atp.llm.call({ prompt: 'hi', temperature: 0 });
      const short: string = await atp.llm.call('hi');
      const person = await atp.llm.extract<{ name: string }>({ prompt: 'p', schema: { type: 'object' } });
      const label: string = await atp.llm.classify({ text: 't', categories: ['a', 'b'] });
      const ok: boolean = (await atp.approval.request('Proceed?', { risk: 'high' })).approved;
      const id: string = await atp.embedding.embed('aaa');
      const ids: string[] = await atp.embedding.embed(['a', 'b'], { collection: 'c' });
      const hits = await atp.embedding.search('q', { topK: 2 });
      const similarity: number = hits[0].similarity;
      await atp.cache.set('k', { v: 1 }, 60);
      const cached = await atp.cache.get<{ v: number }>('k');
      atp.log.info('done', { person, label, ok, id, ids, similarity, cached, text, short });
      atp.progress.report({ current: 1, total: 2 });
      atp.progress.report('half', 0.5);
    }`;
  assert.equal(typeCheck(runtimeDeclarations(), usage), '');
  assert.match(typeCheck(runtimeDeclarations(), 'atp.llm.call(42);'), /not assignable/);
});

test('filtering keeps only the named services, each set still valid on its own', () => {
  const llmOnly = runtimeDeclarations(['llm']);
  assert.match(llmOnly, /llm: \{/);
  assert.doesNotMatch(llmOnly, /cache: \{/);
  for (const service of RUNTIME_SERVICES) assert.equal(typeCheck(runtimeDeclarations([service]), ''), '', service);
  assert.equal(typeCheck(runtimeDeclarations(['nope']), ''), '');
});
