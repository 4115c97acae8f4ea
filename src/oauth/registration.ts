// Clients registered with a provider that allows it (RFC 7591, the MCP SDK's registerClient): one per group and
// redirect URI, sealed in the store so every instance and every later sign-in uses the same one.

import { registerClient } from '@modelcontextprotocol/sdk/client/auth.js';
import type { AuthorizationServerMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { OAuthProvider } from '../catalog/index.js';
import type { Secrets } from '../secrets/index.js';
import type { TokenCipher } from './cipher.js';
import { configuredClient, ProviderError, type OAuthClient } from './endpoints.js';
import { digest, type KeyValue } from './vault.js';

/** A registration is used this long, then made again (the tokens obtained with the old one keep their client). */
const REGISTRATION_TTL_MS = 30 * 24 * 3600_000;

export class ClientRegistry {
  private readonly pending = new Map<string, Promise<OAuthClient>>();

  constructor(
    private readonly store: KeyValue,
    private readonly cipher: TokenCipher,
    private readonly secrets: Secrets,
    private readonly timeoutMs: number,
  ) {}

  /** The configured client, else the one registered for this redirect URI (registered now when there is none). */
  async clientFor(group: string, provider: OAuthProvider, redirectUri: string): Promise<OAuthClient> {
    const configured = configuredClient(provider);
    if (configured) return configured;
    if (!provider.registrationUrl) {
      throw new ProviderError(`the authorization server of ${group} does not register clients (no registration_endpoint in its metadata); set auth.clientId (and auth.clientSecret) in the group`);
    }
    const key = `oauth:client:${group}:${digest(`${provider.registrationUrl}\n${portless(redirectUri)}`)}`;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.stored(key).then((client) => client ?? this.register(key, provider.registrationUrl!, redirectUri, provider.scopes)).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async stored(key: string): Promise<OAuthClient | undefined> {
    const client = this.cipher.open<OAuthClient>(await this.store.get(key), `client\n${key}`);
    if (client) this.secrets.add(client.secret);
    return client;
  }

  private async register(key: string, registrationUrl: string, redirectUri: string, scopes: string[]): Promise<OAuthClient> {
    let registered;
    try {
      registered = await registerClient(new URL(registrationUrl).origin, {
        metadata: { registration_endpoint: registrationUrl } as AuthorizationServerMetadata,
        clientMetadata: {
          client_name: 'atp (Agent Tool Protocol server)',
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none', // a public client: PKCE binds each code to its sign-in; a server may still issue a secret
          ...(scopes.length > 0 && { scope: scopes.join(' ') }),
        },
        fetchFn: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) }),
      });
    } catch (error) {
      throw new ProviderError(`could not register with the authorization server at ${new URL(registrationUrl).host}: ${(error as Error).message}; set auth.clientId for a client registered by hand`);
    }
    const client: OAuthClient = { id: registered.client_id };
    if (registered.client_secret) {
      client.secret = registered.client_secret;
      if (registered.token_endpoint_auth_method === 'client_secret_post') client.secretInForm = true;
      this.secrets.add(client.secret);
    }
    // of two instances registering at once, the first to store wins; the other's registration goes unused
    if (await this.store.claim(key, this.cipher.seal(client, `client\n${key}`), REGISTRATION_TTL_MS)) return client;
    return (await this.stored(key)) ?? client;
  }
}

/** A loopback redirect URI without its port: RFC 8252 (7.3) has servers take any port, so atp login's registration serves every run. */
function portless(redirectUri: string): string {
  const url = new URL(redirectUri);
  if (url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) url.port = '';
  return url.href;
}
