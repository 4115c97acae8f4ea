import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGroup } from '../../dist/catalog/index.js';
import { createLogger } from '../../dist/logging/index.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ctx = { signal: new AbortController().signal };

test('examples/tools/text.js loads as a module group and its functions answer', async () => {
  const group = await loadGroup(
    { name: 'text', type: 'module', module: path.join(root, 'examples/tools/text.js'), timeout: 30_000, concurrency: 16 },
    { logger: createLogger({ level: 'silent', format: 'text' }), configDir: root },
  );
  const fn = (name) => group.tools.find((t) => t.path[0] === name);
  assert.deepEqual(group.tools.map((t) => t.path[0]).sort(), ['extractLinks', 'slugify', 'textStats']);
  assert.ok(group.tools.every((t) => t.outputSchema && !t.outputInferred), 'the example declares its output types');

  assert.deepEqual(await fn('slugify').invoke({ text: 'Hello, Wörld! A very long title', maxLength: 14 }, ctx), { slug: 'hello-world-a' });
  const stats = await fn('textStats').invoke({ text: 'The cat sat. The cat ran!\nThe end', top: 2 }, ctx);
  assert.deepEqual(stats, { characters: 33, words: 8, sentences: 3, lines: 2, readingMinutes: 0, topWords: [{ word: 'the', count: 3 }, { word: 'cat', count: 2 }] });
  assert.deepEqual(await fn('extractLinks').invoke({ text: 'see https://example.com/a?b=1. or mail bob@example.org, https://example.com/a?b=1' }, ctx), {
    urls: ['https://example.com/a?b=1'],
    emails: ['bob@example.org'],
  });
  await assert.rejects(fn('slugify').invoke({ title: 'x' }, ctx), /invalid input/);
  await group.close();
});
