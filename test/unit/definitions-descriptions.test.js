// Descriptions shortened for definitions and search: no sentence ends at an abbreviation, and over budget the
// sentences stating a constraint or an example outlast the ones that only advertise.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, sentences, summarize } from '../../dist/catalog/index.js';
import { generateDefinitions } from '../../dist/definitions/index.js';
import { oneLineDescription } from '../../dist/search/index.js';

test('sentences: "e.g.", "i.e.", "approx." and initials end no sentence', () => {
  assert.deepEqual(sentences('Hourly variables, e.g. temperature_2m, precipitation. Daily ones too.'), ['Hourly variables, e.g. temperature_2m, precipitation.', 'Daily ones too.']);
  assert.deepEqual(sentences('One format (i.e. JSON) only. Sizes approx. ten MB. Made in the U.S. Army way!'), ['One format (i.e. JSON) only.', 'Sizes approx. ten MB.', 'Made in the U.S. Army way!']);
  assert.deepEqual(sentences('Versions like 1.2 work. See e.g. GitHub.'), ['Versions like 1.2 work.', 'See e.g. GitHub.']);
  assert.deepEqual(sentences('No end'), ['No end']);
});

test('summarize: the text when it fits; else the first sentence and the constraints, then the rest while it fits', () => {
  assert.equal(summarize('  Short\n text. ', 20), 'Short text.');
  const text = 'List files in a folder. This tool is perfect for understanding a project. Returns names and sizes. Only works within allowed directories.';
  assert.equal(summarize(text, 100), 'List files in a folder. Returns names and sizes. Only works within allowed directories.');
  assert.equal(summarize(text, 70), 'List files in a folder. Only works within allowed directories.');
  assert.equal(summarize('The page (max 100). For more information, see "Pagination". Sorted by date.', 50), 'The page (max 100). Sorted by date.');
  const long = summarize('A very long first sentence that goes on, e.g. with examples and more words than fit', 40);
  assert.ok(long.length <= 40 && long.endsWith('…'), long);
  assert.match(long, /^A very long first sentence that goes…$/);
});

test('definitions keep examples after "e.g." and constraints at the end of long MCP descriptions', () => {
  const description = 'Create a new file or completely overwrite an existing file with new content. Use with caution as it will overwrite existing files without warning. Handles text content with proper encoding. Perfect for saving notes. Only works within allowed directories.';
  const group = {
    name: 'files', kind: 'mcp', close: async () => {},
    tools: [{
      path: ['writeFile'], sourceName: 'write_file', description, annotations: {}, invoke: async () => null,
      inputSchema: { type: 'object', properties: { path: { type: 'string', description: 'Where to write, e.g. notes/today.md. Relative to the workspace.' } }, required: ['path'] },
    }],
  };
  const text = generateDefinitions(new Catalog([group]), { mode: 'full' });
  assert.match(text, /Only works within allowed directories\. \*\/ writeFile\(/, 'the constraint at the end is kept');
  assert.match(text, /\/\*\* Where to write, e\.g\. notes\/today\.md\. Relative to the workspace\. \*\/ path: string/, 'the example after "e.g." is kept');
  assert.doesNotMatch(text, /…/);
  const index = generateDefinitions(new Catalog([group]), { mode: 'index' });
  assert.match(index, /writeFile: F; \/\/ Create a new file or completely overwrite an existing file with new content\. Only works within allowed directories\.\n/);
  assert.equal(oneLineDescription(description), description.replace(' Perfect for saving notes.', ''), 'search results shorten the same way');
});
