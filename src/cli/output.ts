// What every command shares: exit codes and the global options.

import type { Command } from 'commander';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export interface GlobalOptions {
  config?: string;
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  json?: boolean;
  debug?: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
