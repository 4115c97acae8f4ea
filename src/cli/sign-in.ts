// What atp login and atp logout share: the named group, checked to be one whose users sign in, registered with
// the terminal's user delegation (its document read for the provider's defaults), or the exit code after saying why not.

import { loadGroup } from '../catalog/index.js';
import type { Config } from '../config/index.js';
import { createLogger } from '../logging/index.js';
import { delegatedGroups, terminalDelegation, type TerminalDelegation } from '../oauth/index.js';
import { secretsOf } from '../secrets/index.js';
import { EXIT, loadConfigOrReport, reportFailure, type GlobalOptions } from './output.js';

export interface GroupSignIn {
  config: Config;
  terminal: TerminalDelegation;
}

export async function groupSignIn(global: GlobalOptions, group: string): Promise<GroupSignIn | number> {
  const config = await loadConfigOrReport(global);
  if (typeof config === 'number') return config;
  const spec = config.apis.find((api) => api.name === group);
  if (!spec) {
    const names = config.apis.map((api) => api.name);
    return reportFailure(global, EXIT.usage, `no API group named ${group}; ${names.length > 0 ? `the config has ${names.join(', ')}` : 'the config has no API groups'}`);
  }
  const delegated = delegatedGroups(config);
  if (!delegated.includes(group)) {
    const others = delegated.length > 0 ? `; these do: ${delegated.join(', ')}` : '';
    return reportFailure(global, EXIT.usage, `API group ${group} does not sign users in: its auth is not oauth2 with flow authorizationCode (nor, for a remote MCP server, oauth2)${others}`);
  }
  const { secrets } = secretsOf(config);
  const logger = createLogger({ level: global.logLevel ?? 'warn', format: config.logging.format, secrets });
  let terminal: TerminalDelegation | undefined;
  try {
    terminal = (await terminalDelegation(config, { secrets, logger, configArg: global.config ? `-c ${global.config}` : undefined }))!;
    // loading registers the provider (the document's securitySchemes as defaults; an MCP server's discovered one);
    // what the group says of its tools concerns serving, not signing in, so only errors are shown
    const quiet = createLogger({ level: 'error', format: config.logging.format, secrets });
    const loaded = await loadGroup(spec, { logger: quiet.child({ group }), configDir: config.dir, secrets, credentials: terminal.delegation });
    await loaded.close();
    return { config, terminal };
  } catch (error) {
    await terminal?.close();
    if (global.debug) process.stderr.write(`${secrets.mask(String((error as Error).stack))}\n`);
    return reportFailure(global, EXIT.failure, secrets.mask((error as Error).message));
  }
}
