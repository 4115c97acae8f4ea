// The provider's endpoints as a client of the authorization code flow (RFC 6749 4.1, PKCE RFC 7636, revocation
// RFC 7009, resource indicators RFC 8707): the sign-in URL, the code and refresh grants, revocation. Every token
// obtained joins the secrets.

import type { OAuthProvider } from '../catalog/index.js';
import type { Secrets } from '../secrets/index.js';
import type { TokenRecord } from './vault.js';

/** The provider answered, and refused: the grant (code or refresh token) is spent or was never good. */
export class GrantRefusedError extends Error {
  constructor(message: string, readonly oauthError?: string) {
    super(message);
    this.name = 'GrantRefusedError';
  }
}

/** The provider could not be reached, or answered something that is not a token. */
export class ProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Who atp is to the provider: the configured client, or one registered for a redirect URI (RFC 7591). */
export interface OAuthClient {
  id: string;
  secret?: string;
  /** How the token endpoint takes the secret: HTTP Basic (the default) or in the form. */
  secretInForm?: boolean;
}

/** The configured client; undefined when the provider registers clients dynamically. */
export function configuredClient(provider: OAuthProvider): OAuthClient | undefined {
  return provider.clientId ? { id: provider.clientId, ...(provider.clientSecret && { secret: provider.clientSecret }) } : undefined;
}

export function authorizationUrl(provider: OAuthProvider, client: OAuthClient, redirectUri: string, state: string, challenge?: string): string {
  const url = new URL(provider.authorizationUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.id);
  url.searchParams.set('redirect_uri', redirectUri);
  if (provider.scopes.length > 0) url.searchParams.set('scope', provider.scopes.join(' '));
  url.searchParams.set('state', state);
  if (challenge) {
    url.searchParams.set('code_challenge', challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  if (provider.audience) url.searchParams.set('audience', provider.audience);
  if (provider.resource) url.searchParams.set('resource', provider.resource);
  return url.toString();
}

export class ProviderClient {
  /** RFC 6749 prefers HTTP Basic for the client's credentials; a provider that refuses it (invalid_client) gets them in the form. */
  private credentialsInForm = false;

  constructor(
    private readonly provider: OAuthProvider,
    private readonly secrets: Secrets,
    private readonly timeoutMs: number,
  ) {
    secrets.add(provider.clientSecret);
  }

  exchangeCode(client: OAuthClient, code: string, redirectUri: string, verifier: string | undefined): Promise<TokenRecord> {
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    if (verifier) form.set('code_verifier', verifier);
    if (this.provider.resource) form.set('resource', this.provider.resource);
    return this.grant(client, form, undefined);
  }

  /** Keeps the refresh token when the provider does not send a new one. */
  refresh(client: OAuthClient, refreshToken: string): Promise<TokenRecord> {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
    if (this.provider.scopes.length > 0) form.set('scope', this.provider.scopes.join(' '));
    if (this.provider.resource) form.set('resource', this.provider.resource);
    return this.grant(client, form, refreshToken);
  }

  /** Tells the provider a token is no longer wanted; false when there is no revocation endpoint or it refused. */
  async revoke(client: OAuthClient, token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    if (!this.provider.revocationUrl) return false;
    const response = await this.post(client, this.provider.revocationUrl, new URLSearchParams({ token, token_type_hint: hint }));
    await response.body?.cancel();
    return response.ok;
  }

  private async grant(client: OAuthClient, form: URLSearchParams, previousRefresh: string | undefined): Promise<TokenRecord> {
    const where = new URL(this.provider.tokenUrl).host;
    let response = await this.post(client, this.provider.tokenUrl, form);
    let text = await response.text();
    if (!response.ok && !this.credentialsInForm && client.secret && !client.secretInForm && oauthError(text) === 'invalid_client') {
      this.credentialsInForm = true;
      response = await this.post(client, this.provider.tokenUrl, form);
      text = await response.text();
    }
    if (!response.ok) {
      const error = oauthError(text);
      const detail = this.secrets.mask(error ? `${error}${describe(text)}` : `HTTP ${response.status}`);
      if (response.status === 400 || response.status === 401) throw new GrantRefusedError(`the token endpoint of ${where} refused the grant: ${detail}`, error);
      throw new ProviderError(`the token endpoint of ${where} failed: ${detail}`);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new ProviderError(`the token endpoint of ${where} did not answer JSON`);
    }
    if (typeof body.access_token !== 'string' || !body.access_token) throw new ProviderError(`the token endpoint of ${where} answered without an access_token`);
    const refreshToken = typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : previousRefresh;
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in);
    const now = Date.now();
    const record: TokenRecord = { accessToken: body.access_token, obtainedAt: now };
    if (refreshToken) record.refreshToken = refreshToken;
    if (Number.isFinite(lifetime) && lifetime > 0) record.expiresAt = now + lifetime * 1000;
    if (typeof body.scope === 'string') record.scope = body.scope;
    this.secrets.add(record.accessToken, record.refreshToken);
    return record;
  }

  private async post(client: OAuthClient, url: string, form: URLSearchParams): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const body = new URLSearchParams(form);
    const { id: clientId, secret: clientSecret } = client;
    if (clientSecret && !this.credentialsInForm && !client.secretInForm) {
      const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
      this.secrets.add(basic);
      headers.authorization = `Basic ${basic}`;
    } else {
      body.set('client_id', clientId);
      if (clientSecret) body.set('client_secret', clientSecret);
    }
    try {
      return await fetch(url, { method: 'POST', headers, body: body.toString(), signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new ProviderError(`cannot reach ${new URL(url).host}: ${cause === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : cause}`);
    }
  }
}

function oauthError(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    return typeof body.error === 'string' ? body.error.slice(0, 100) : undefined;
  } catch {
    return undefined;
  }
}

function describe(text: string): string {
  try {
    const body = JSON.parse(text) as { error_description?: unknown };
    return typeof body.error_description === 'string' ? ` (${body.error_description.slice(0, 300)})` : '';
  } catch {
    return '';
  }
}
