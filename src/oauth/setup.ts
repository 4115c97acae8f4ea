// The user delegation as each command needs it: `atp serve` keeps tokens in the state store under the session's
// identity and sends browsers to its /oauth/callback; the terminal (atp login, logout, exec) keeps them under the
// terminal user's identity, in the state store when it is shared, else in the credentials file.

import os from 'node:os';
import { oauthFlow } from '../catalog/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { Secrets } from '../secrets/index.js';
import { openStore, type Store } from '../store/index.js';
import { TokenCipher } from './cipher.js';
import { UserDelegation } from './delegation.js';
import { defaultCredentialsFile, FileStore } from './file-store.js';
import type { KeyValue } from './vault.js';

/** The groups whose users sign in: auth oauth2 with the authorization code flow (as configured or by default), remote MCP servers with auth oauth2. */
export function delegatedGroups(config: Config): string[] {
  return config.apis
    .filter((group) => (group.type === 'openapi' && group.auth?.type === 'oauth2' && oauthFlow(group.auth) === 'authorizationCode') || (group.type === 'mcp' && group.url && group.auth?.type === 'oauth2'))
    .map((group) => group.name);
}

export interface ServerDelegation {
  delegation: UserDelegation;
  /** The address the server listens on: the callback's default base. */
  listening(url: string): void;
}

/** `identify`: the user behind a client id (its session's identity). Undefined when no group signs users in. */
export function serverDelegation(config: Config, deps: { store: Store; secrets: Secrets; logger: Logger; identify(clientId: string): Promise<string> }): ServerDelegation | undefined {
  if (delegatedGroups(config).length === 0) return undefined;
  if (config.oauth.user === 'apiKey' && !config.auth.apiKeys?.length) {
    throw new Error('oauth.user is apiKey, but auth.apiKeys is empty: sessions are opened without a key, so no key can say who the user is; set auth.apiKeys, or oauth.user: session');
  }
  const cipher = cipherFor(config, deps.store.shared ? `the shared state store (${deps.store.location})` : undefined);
  let base: string | undefined;
  const delegation = new UserDelegation({
    store: deps.store,
    cipher,
    secrets: deps.secrets,
    logger: deps.logger.child({ component: 'oauth' }),
    stateTTL: config.oauth.stateTTL,
    identify: async (clientId) => (clientId ? deps.identify(clientId) : undefined),
    redirectUri: () => config.oauth.redirectUrl ?? (base && `${base}/oauth/callback`),
  });
  return {
    delegation,
    listening(url) {
      base = url;
      if (!config.oauth.redirectUrl && /^http:\/\/(0\.0\.0\.0|\[::\])[:/]/.test(url)) {
        deps.logger.warn(`sign-in links send browsers back to ${url}/oauth/callback, which no browser can reach: set oauth.redirectUrl to this server's address as browsers reach it`);
      }
    },
  };
}

/** Who signs in from a terminal: this OS user, so people sharing a state store do not share tokens. */
export function terminalUser(): string {
  return `terminal:${os.userInfo().username}`;
}

export interface TerminalDelegation {
  delegation: UserDelegation;
  /** Where the tokens are kept: the credentials file, or the state store's URL without credentials. */
  where: string;
  close(): Promise<void>;
}

/** For atp login, logout and exec; undefined when no group signs users in. `command`: how to re-run this config (`-c atp.yaml`). */
export async function terminalDelegation(config: Config, deps: { secrets: Secrets; logger: Logger; configArg?: string }): Promise<TerminalDelegation | undefined> {
  if (delegatedGroups(config).length === 0) return undefined;
  let store: KeyValue;
  let where: string;
  let opened: Store | undefined;
  if (config.state.store.startsWith('memory:')) {
    const file = config.oauth.credentialsFile ?? defaultCredentialsFile();
    store = new FileStore(file);
    where = file;
  } else {
    opened = await openStore(config.state.store, { namespace: `${config.cache.namespace}:state` });
    store = opened;
    where = opened.location;
  }
  try {
    const cipher = cipherFor(config, where);
    const user = terminalUser();
    const delegation = new UserDelegation({
      store,
      cipher,
      secrets: deps.secrets,
      logger: deps.logger.child({ component: 'oauth' }),
      stateTTL: config.oauth.stateTTL,
      identify: async () => user,
      redirectUri: () => undefined,
      signInHint: (group) => `sign in from this terminal with atp login ${group}${deps.configArg ? ` ${deps.configArg}` : ''}, then run it again`,
    });
    return { delegation, where, close: async () => opened?.close() };
  } catch (error) {
    await opened?.close();
    throw error;
  }
}

/** oauth.encryptionKey; a random key only where tokens die with the process (`persistentWhere` undefined). */
function cipherFor(config: Config, persistentWhere: string | undefined): TokenCipher {
  if (config.oauth.encryptionKey) return new TokenCipher(config.oauth.encryptionKey);
  if (!persistentWhere) return TokenCipher.random();
  throw new Error(`oauth.encryptionKey is not set, and users' tokens would be kept in ${persistentWhere}: set oauth.encryptionKey: \${ATP_OAUTH_KEY} (at least 32 characters, e.g. from openssl rand -base64 32)`);
}
