// `atp logout <group>`: forget the terminal's token for a group (atp login's), and revoke it where the provider can.

import type { Command } from 'commander';
import { EXIT, globalOptions, printJson, reportFailure } from './output.js';
import { groupSignIn } from './sign-in.js';

export function registerLogout(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('logout <group>')
    .description('forget the token atp login kept for an API group, revoking it when the provider has a revocationUrl')
    .action(async (group: string) => setExit(await runLogout(command, group)));
  command.addHelpText('after', '\nExamples:\n  atp logout github -c atp.yaml');
}

async function runLogout(command: Command, group: string): Promise<number> {
  const global = globalOptions(command);
  const opened = await groupSignIn(global, group);
  if (typeof opened === 'number') return opened;
  const { terminal } = opened;
  try {
    const { signedOut, revoked } = await terminal.delegation.signOut(group, undefined);
    if (global.json) printJson({ group, signedOut, revoked });
    else if (!signedOut) process.stdout.write(`Not signed in to ${group}; nothing to forget\n`);
    else process.stdout.write(`Signed out of ${group}${revoked ? '; the provider revoked the token' : ''}\n`);
    return EXIT.ok;
  } catch (error) {
    return reportFailure(global, EXIT.failure, (error as Error).message);
  } finally {
    await terminal.close();
  }
}
