// Commands whose engine lands in later releases say so plainly instead of pretending.

import type { Command } from 'commander';
import { EXIT, globalOptions, printJson } from './output.js';

const PENDING: { name: string; args?: string; description: string }[] = [
];

export function registerPending(program: Command, setExit: (code: number) => void): void {
  for (const entry of PENDING) {
    const command = program.command(entry.args ? `${entry.name} ${entry.args}` : entry.name).description(entry.description);
    command.action(() => {
      const message = `atp ${entry.name} is not available in this version yet; atp validate is`;
      if (globalOptions(command).json) printJson({ error: message });
      else process.stderr.write(`atp: ${message}\n`);
      setExit(EXIT.failure);
    });
  }
}
