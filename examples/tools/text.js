// An example `type: module` group: text utilities that work offline. In atp.yaml:
//
//   apis:
//     - name: text
//       type: module
//       module: ./examples/tools/text.js
//
// Each named export (or a default-exported array/object) is one function, api.text.<name>(input):
// description, inputSchema (JSON Schema of the single argument), optional outputSchema (else the
// catalog learns it from results) and handler(input, ctx). ctx has signal (aborted on timeout),
// progress(message, fraction) and logger. A thrown Error reaches the agent's code with its message.
// In TypeScript, wrap each tool in defineTool() from the atp-daemon package for typed input and output.

/** @typedef {import('atp-daemon').ModuleTool} ModuleTool */

/** @type {ModuleTool} */
export const slugify = {
  description: 'Turns a title into a URL slug: lower case ASCII words joined by dashes ("Hello, Wörld!" -> "hello-world")',
  inputSchema: {
    type: 'object',
    properties: {
      text: { type: 'string', description: 'The title' },
      maxLength: { type: 'integer', minimum: 1, description: 'Cut the slug at a dash so it fits; default 80' },
    },
    required: ['text'],
    additionalProperties: false,
  },
  outputSchema: { type: 'object', properties: { slug: { type: 'string' } }, required: ['slug'] },
  annotations: { readOnly: true, idempotent: true },
  handler({ text, maxLength = 80 }) {
    let slug = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    if (slug.length > maxLength) slug = slug.slice(0, maxLength).replace(/-[^-]*$/, '') || slug.slice(0, maxLength);
    return { slug };
  },
};

/** @type {ModuleTool} */
export const textStats = {
  name: 'textStats',
  description: 'Counts characters, words, sentences and lines of a text, its most frequent words, and the reading time at 230 words per minute',
  inputSchema: {
    type: 'object',
    properties: {
      text: { type: 'string' },
      top: { type: 'integer', minimum: 0, maximum: 100, description: 'How many frequent words to list; default 5' },
    },
    required: ['text'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      characters: { type: 'integer' },
      words: { type: 'integer' },
      sentences: { type: 'integer' },
      lines: { type: 'integer' },
      readingMinutes: { type: 'number' },
      topWords: { type: 'array', items: { type: 'object', properties: { word: { type: 'string' }, count: { type: 'integer' } }, required: ['word', 'count'] } },
    },
    required: ['characters', 'words', 'sentences', 'lines', 'readingMinutes', 'topWords'],
  },
  annotations: { readOnly: true, idempotent: true },
  handler({ text, top = 5 }) {
    const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
    const counts = new Map();
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
    const topWords = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, top).map(([word, count]) => ({ word, count }));
    return {
      characters: [...text].length,
      words: words.length,
      sentences: text.split(/[.!?]+/).filter((sentence) => /[\p{L}\p{N}]/u.test(sentence)).length,
      lines: text === '' ? 0 : text.split(/\r\n|\r|\n/).length,
      readingMinutes: Math.round((words.length / 230) * 10) / 10,
      topWords,
    };
  },
};

/** @type {ModuleTool} */
export const extractLinks = {
  description: 'Finds the URLs and e-mail addresses in a text, each once, in order of appearance',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
  outputSchema: {
    type: 'object',
    properties: { urls: { type: 'array', items: { type: 'string' } }, emails: { type: 'array', items: { type: 'string' } } },
    required: ['urls', 'emails'],
  },
  annotations: { readOnly: true, idempotent: true },
  handler({ text }) {
    const urls = (text.match(/\bhttps?:\/\/[^\s<>"'()]+[^\s<>"'().,;:!?]/g) ?? []);
    const emails = (text.match(/\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g) ?? []);
    return { urls: [...new Set(urls)], emails: [...new Set(emails)] };
  },
};
