// `atp definitions`: the TypeScript declarations of api.* that agents read, as GET /api/definitions serves them.

import type { Command } from 'commander';
import { generateDefinitions, type DefinitionsMode } from '../definitions/index.js';
import { EXIT, collectList, globalOptions, loadCatalogOrReport, loadConfigOrReport, printJson, reportFailure } from './output.js';

interface DefinitionsCommandOptions {
  group: string[];
  index?: boolean;
  full?: boolean;
}

export function registerDefinitions(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('definitions')
    .description('print the TypeScript declarations agents read')
    .option('-g, --group <name>', 'only this API group, namespace (github.issues) or function; repeatable', collectList, [])
    .option('--index', 'the compact index: names and one-line descriptions, no signatures')
    .option('--full', 'every signature, even for a big selection')
    .action(async (options: DefinitionsCommandOptions) => setExit(await runDefinitions(command, options)));
  command.addHelpText('after', [
    '',
    'Without --index or --full, as /api/definitions: full signatures unless the selection is big, then the index.',
    '',
    'Examples:',
    '  atp definitions -c atp.yaml > api.d.ts',
    '  atp definitions --index',
    '  atp definitions -g github.issues --full',
  ].join('\n'));
}

async function runDefinitions(command: Command, options: DefinitionsCommandOptions): Promise<number> {
  const global = globalOptions(command);
  if (options.index && options.full) return reportFailure(global, EXIT.usage, '--index and --full ask for different things; choose one');
  const mode: DefinitionsMode = options.index ? 'index' : options.full ? 'full' : 'auto';
  const config = await loadConfigOrReport(global);
  if (typeof config === 'number') return config;
  const loaded = await loadCatalogOrReport(config, options.group, global);
  if (typeof loaded === 'number') return loaded;
  const { catalog } = loaded;
  try {
    const typescript = generateDefinitions(catalog, { filter: options.group, mode });
    if (global.json) printJson({ typescript, apiGroups: catalog.groups.map((group) => group.name), mode });
    else process.stdout.write(typescript.endsWith('\n') ? typescript : `${typescript}\n`);
    return EXIT.ok;
  } finally {
    await catalog.close();
  }
}
