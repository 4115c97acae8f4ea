// Users' own credentials for groups whose auth is oauth2 with the authorization code flow: which user a client
// acts for, their tokens (sealed in a store, refreshed before they lapse), sign-in links and their callback.
// A call never gets a token by any key but its own user's; without one it fails with AUTHORIZATION_REQUIRED.

import { AuthorizationRequiredError, ToolCallError, abortable, type GroupCredentials, type OAuthProvider, type UserCredentials } from '../catalog/index.js';
import type { Logger } from '../logging/index.js';
import type { Secrets } from '../secrets/index.js';
import { TokenCipher } from './cipher.js';
import { authorizationUrl, configuredClient, GrantRefusedError, ProviderClient, type OAuthClient } from './endpoints.js';
import { ClientRegistry } from './registration.js';
import { RefreshLock } from './refresh-lock.js';
import { SignIns } from './sign-ins.js';
import { TokenVault, type KeyValue, type TokenRecord } from './vault.js';

/** Refreshed when less than this is left, so a call never starts with a token about to lapse. */
export const EARLY_REFRESH_MS = 60_000;

export interface DelegationOptions {
  store: KeyValue;
  cipher: TokenCipher;
  secrets: Secrets;
  logger: Logger;
  /** How long a sign-in link stays usable (oauth.stateTTL). */
  stateTTL: number;
  /** Limit of one request to the provider. */
  timeoutMs?: number;
  /** The user a client acts for: its session's identity on a server, the terminal's identity for atp exec. */
  identify(clientId: string | undefined): Promise<string | undefined>;
  /** Where providers send the browser back (this server's /oauth/callback); undefined where no link can be made. */
  redirectUri(): string | undefined;
  /** What to tell a user who has no token where no sign-in link can be made (atp exec: run atp login). */
  signInHint?(group: string): string;
}

/** A sign-in callback that cannot complete: `status` and a message meant for the person in the browser. */
export class SignInError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

type TokenListener = (token: (signal: AbortSignal) => Promise<string>) => void;

interface Registered { provider: OAuthProvider; client: ProviderClient; listeners: TokenListener[] }

export class UserDelegation implements UserCredentials {
  private readonly groups = new Map<string, Registered>();
  private readonly vault: TokenVault;
  private readonly signIns: SignIns;
  private readonly registry: ClientRegistry;
  private readonly lock: RefreshLock;
  /** `group\nclientId` whose token an upstream refused: refreshed before the next use. */
  private readonly refused = new Set<string>();
  private readonly refreshing = new Map<string, Promise<TokenRecord | undefined>>();
  private readonly timeoutMs: number;

  constructor(private readonly options: DelegationOptions) {
    this.vault = new TokenVault(options.store, options.cipher, options.secrets);
    this.signIns = new SignIns(options.store, options.cipher, options.stateTTL);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.registry = new ClientRegistry(options.store, options.cipher, options.secrets, this.timeoutMs);
    this.lock = new RefreshLock(options.store, this.vault, options.logger);
  }

  register(group: string, provider: OAuthProvider): GroupCredentials {
    const registered: Registered = { provider, client: new ProviderClient(provider, this.options.secrets, this.timeoutMs), listeners: [] };
    this.groups.set(group, registered);
    return {
      accessToken: (clientId, signal) => this.accessToken(group, clientId, signal),
      invalidate: (clientId) => {
        this.refused.add(`${group}\n${clientId}`);
        return true; // the retry refreshes the token, or ends in AUTHORIZATION_REQUIRED rather than a bare 401
      },
      onSignIn: (listener) => void registered.listeners.push(listener),
    };
  }

  /** The groups whose users sign in, in the order they registered. */
  names(): string[] {
    return [...this.groups.keys()];
  }

  has(group: string): boolean {
    return this.groups.has(group);
  }

  /** A sign-in link for this user and group, sending the browser back to `redirectUri` (default: this server's callback). */
  async signInUrl(group: string, user: string, redirectUri = this.options.redirectUri()): Promise<string | undefined> {
    const { provider } = this.registered(group);
    if (!redirectUri) return undefined;
    const client = await this.registry.clientFor(group, provider, redirectUri);
    const { state, challenge } = await this.signIns.begin({ group, user, redirectUri, ...(!provider.clientId && { client }) }, provider.pkce);
    return authorizationUrl(provider, client, redirectUri, state, challenge);
  }

  /**
   * The provider's redirect back: `state` must be one this process's store issued, unused and recent; the code
   * is exchanged (with the PKCE verifier) and the token stored for the user the state was made for.
   */
  async complete(query: Record<string, string | undefined>): Promise<{ group: string }> {
    const state = query.state;
    if (!state) throw new SignInError(400, 'This address has no state parameter: it did not come from a sign-in this server started.');
    const signIn = await this.signIns.take(state);
    if (signIn === 'used') throw new SignInError(400, 'This sign-in link was already used. Run the code again for a new link.');
    if (signIn === 'unknown') throw new SignInError(400, 'This sign-in link is unknown or has expired. Run the code again for a new link.');
    const registered = this.groups.get(signIn.group);
    if (!registered) throw new SignInError(400, `The API group ${signIn.group} no longer signs users in.`);
    if (query.error) {
      const detail = query.error_description ? `: ${query.error_description.slice(0, 300)}` : '';
      throw new SignInError(400, `The provider did not grant access (${query.error.slice(0, 100)}${detail}). Nothing was stored.`);
    }
    if (!query.code) throw new SignInError(400, 'The provider sent no authorization code. Nothing was stored.');
    let record: TokenRecord;
    const client = signIn.client ?? configuredClient(registered.provider);
    if (!client) throw new SignInError(400, `This sign-in was started with a client ${signIn.group} no longer has. Run the code again for a new link.`);
    try {
      record = await registered.client.exchangeCode(client, query.code, signIn.redirectUri, signIn.verifier);
    } catch (error) {
      this.options.logger.warn('a sign-in could not be completed', { group: signIn.group, reason: (error as Error).message });
      const status = error instanceof GrantRefusedError ? 400 : 502;
      throw new SignInError(status, `The provider did not exchange the code for a token: ${(error as Error).message}. Run the code again for a new link.`);
    }
    if (signIn.client) record.client = signIn.client;
    await this.vault.set(signIn.group, signIn.user, record);
    this.options.logger.info('a user signed in', { group: signIn.group });
    const { group, user } = signIn;
    for (const listener of registered.listeners) listener((signal) => this.tokenOf(group, user, false, signal));
    return { group };
  }

  /** Whether this client's user has a token for the group; a sign-in link when not (and one can be made). */
  async status(group: string, clientId: string): Promise<{ signedIn: boolean; authorizationUrl?: string }> {
    const user = await this.user(clientId);
    if (user && (await this.vault.get(group, user))) return { signedIn: true };
    const url = user ? await this.signInUrl(group, user) : undefined;
    return { signedIn: false, ...(url && { authorizationUrl: url }) };
  }

  /** Forgets this client's user's token for the group, telling the provider when it has a revocation endpoint. */
  async signOut(group: string, clientId: string | undefined): Promise<{ signedOut: boolean; revoked: boolean }> {
    const { client } = this.registered(group);
    const user = await this.user(clientId);
    const record = user ? await this.vault.get(group, user) : undefined;
    if (!user || !record) return { signedOut: false, revoked: false };
    await this.vault.delete(group, user);
    let revoked = false;
    const owner = this.clientOf(group, record);
    try {
      revoked = !!owner && (await client.revoke(owner, record.refreshToken ?? record.accessToken, record.refreshToken ? 'refresh_token' : 'access_token'));
    } catch (error) {
      this.options.logger.warn('the provider could not be told of a sign-out; the token is forgotten here', { group, reason: (error as Error).message });
    }
    return { signedOut: true, revoked };
  }

  private async accessToken(group: string, clientId: string | undefined, signal: AbortSignal): Promise<string> {
    const user = await this.user(clientId);
    if (!user) throw await this.required(group, undefined);
    return this.tokenOf(group, user, this.refused.delete(`${group}\n${clientId}`), signal);
  }

  /** The user's access token, refreshed first when it is about to lapse or the upstream refused it. */
  private async tokenOf(group: string, user: string, refused: boolean, signal: AbortSignal): Promise<string> {
    let record = await this.vault.get(group, user);
    if (!record) throw await this.required(group, user);
    if (refused || (record.expiresAt !== undefined && Date.now() >= record.expiresAt - EARLY_REFRESH_MS)) {
      record = await abortable(this.refresh(group, user, record, refused), signal);
      if (!record) throw await this.required(group, user);
    }
    return record.accessToken;
  }

  /**
   * A fresh token from the refresh token; undefined (the token is forgotten) when there is none or the provider
   * refuses it. Concurrent calls of one user share one refresh, and instances sharing the store take turns (a
   * provider that rotates refresh tokens takes each once). An unexpired token survives an unreachable provider.
   */
  private refresh(group: string, user: string, record: TokenRecord, refused: boolean): Promise<TokenRecord | undefined> {
    const key = `${group}\n${user}`;
    let pending = this.refreshing.get(key);
    if (pending) return pending;
    pending = (async () => {
      if (!record.refreshToken) {
        if (!refused && record.expiresAt !== undefined && Date.now() < record.expiresAt) return record;
        await this.vault.delete(group, user);
        return undefined;
      }
      const turn = await this.lock.take(group, user, record);
      if (turn.kind === 'refreshed') return turn.record; // another instance refreshed it meanwhile
      if (turn.kind === 'gone') return undefined;
      try {
        const owner = this.clientOf(group, record);
        if (!owner) throw new GrantRefusedError(`the client this token was issued to is unknown`);
        const fresh = await this.registered(group).client.refresh(owner, record.refreshToken);
        if (record.client) fresh.client = record.client;
        await this.vault.set(group, user, fresh);
        return fresh;
      } catch (error) {
        if (error instanceof GrantRefusedError) {
          // re-read: another instance may have used this refresh token first (rotated) and stored the new one
          const current = await this.vault.get(group, user);
          if (current && current.refreshToken !== record.refreshToken) return current;
          this.options.logger.info('a refresh token was refused; the user must sign in again', { group, reason: error.oauthError });
          await this.vault.delete(group, user);
          return undefined;
        }
        if (!refused && record.expiresAt !== undefined && Date.now() < record.expiresAt) return record;
        throw new ToolCallError(`api.${group}: the user's token could not be refreshed: ${(error as Error).message}`, { code: 'NETWORK_ERROR', retryable: true });
      } finally {
        if (turn.kind === 'mine') await turn.release();
      }
    })().finally(() => this.refreshing.delete(key));
    this.refreshing.set(key, pending);
    return pending;
  }

  /** The link is in the error's authorizationUrl only: its message reaches logs and the audit trail, and the link's state must not. */
  private async required(group: string, user: string | undefined): Promise<AuthorizationRequiredError> {
    const url = user ? await this.signInUrl(group, user) : undefined;
    const why = `api.${group} calls its API as the person this client acts for, and they have not signed in to ${group} (or their sign-in ended)`;
    if (url) {
      const shown = new URL(url);
      return new AuthorizationRequiredError(group, `${why}: ask them to open the sign-in address in this error's authorizationUrl (${shown.origin}${shown.pathname}?…) and sign in, then run the code again`, url);
    }
    const hint = this.options.signInHint?.(group) ?? 'no sign-in link can be made here';
    return new AuthorizationRequiredError(group, `${why}: ${hint}`);
  }

  /** The client a token was issued to: the registered one it records, else the configured one. */
  private clientOf(group: string, record: TokenRecord): OAuthClient | undefined {
    return record.client ?? configuredClient(this.registered(group).provider);
  }

  private registered(group: string): Registered {
    const registered = this.groups.get(group);
    if (!registered) throw new SignInError(404, `${group} is not an API group whose users sign in (auth: oauth2 with flow authorizationCode, or a remote MCP server with auth: oauth2)`);
    return registered;
  }

  private user(clientId: string | undefined): Promise<string | undefined> {
    return this.options.identify(clientId);
  }
}
