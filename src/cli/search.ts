// `atp search <query...>`: the functions an agent would find for a question, ranked as /api/search ranks them.

import type { Command } from 'commander';
import { createSearchIndex, type SearchResult } from '../search/index.js';
import { EXIT, collectList, globalOptions, loadCatalogOrReport, loadConfigOrReport, printJson, reportFailure } from './output.js';

interface SearchCommandOptions {
  group: string[];
  maxResults?: string;
  embeddings: boolean;
}

const MAX_RESULTS = 100;

export function registerSearch(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('search <query...>')
    .description('find functions by what they do, e.g. atp search "create issue"')
    .option('-g, --group <name>', 'search only this API group, or namespace (github.issues); repeatable', collectList, [])
    .option('-n, --max-results <n>', 'how many results (default: search.maxResults, 10)')
    .option('--no-embeddings', 'rank lexically even when search.embeddings is configured')
    .action(async (words: string[], options: SearchCommandOptions) => setExit(await runSearch(command, words, options)));
  command.addHelpText('after', [
    '',
    'Loads the configured groups (only those named with --group), then ranks every function by its name,',
    'description, tags and parameters; with search.embeddings configured, fused with semantic similarity.',
    '',
    'Examples:',
    '  atp search create an issue',
    '  atp search -g github -n 5 "list pull requests"',
    '  atp search --json close issue | jq -r ".[0].id"',
  ].join('\n'));
}

async function runSearch(command: Command, words: string[], options: SearchCommandOptions): Promise<number> {
  const global = globalOptions(command);
  const query = words.join(' ').trim();
  if (!query) return reportFailure(global, EXIT.usage, 'say what to search for, e.g. atp search create issue');
  const maxResults = options.maxResults === undefined ? undefined : Number(options.maxResults);
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS)) {
    return reportFailure(global, EXIT.usage, `--max-results must be a whole number from 1 to ${MAX_RESULTS}, not ${options.maxResults}`);
  }
  const config = await loadConfigOrReport(global);
  if (typeof config === 'number') return config;
  const loaded = await loadCatalogOrReport(config, options.group, global);
  if (typeof loaded === 'number') return loaded;
  const { catalog, logger } = loaded;
  try {
    const index = createSearchIndex(catalog, { maxResults: config.search.maxResults, embeddings: config.search.embeddings, logger });
    const results = await index.searchAsync(query, { apiGroups: options.group, maxResults, useEmbeddings: options.embeddings });
    if (global.json) printJson(results);
    else printResults(query, results);
    return EXIT.ok;
  } finally {
    await catalog.close();
  }
}

function printResults(query: string, results: SearchResult[]): void {
  if (results.length === 0) {
    process.stderr.write(`no function matches "${query}"; try other words, or atp definitions --index to see them all\n`);
    return;
  }
  // on a terminal, long signatures are cut to the width; piped output keeps them whole
  const width = process.stdout.isTTY ? Math.max(60, process.stdout.columns ?? 100) : Infinity;
  const lines: string[] = [];
  results.forEach((result, i) => {
    const number = `${i + 1}.`.padEnd(4);
    lines.push(fit(`${number}${result.id}${result.description ? `  ${result.description}` : ''}`, width));
    lines.push(fit(`    ${result.signature}`, width));
  });
  process.stdout.write(lines.join('\n') + '\n');
}

function fit(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}
