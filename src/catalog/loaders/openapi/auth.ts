// Credentials from the config on each request: bearer, basic, an API key in a header, query or cookie, an
// OAuth2 client-credentials token that is fetched once, shared by concurrent calls and refreshed before expiry,
// or the calling user's own OAuth2 token (authorization code flow), which src/oauth keeps per user.

import type { HttpAuthConfig, OAuth2AuthConfig } from '../../../config/index.js';
import { abortable } from '../../abortable.js';
import { ToolCallError, type GroupCredentials, type OAuthProvider } from '../../types.js';
import type { OAuthFlowModel } from './model.js';
import type { HttpRequest } from './request.js';
import { networkReason, printableUrl } from './source.js';
import type { Redactor } from './redact.js';
import type { OriginBound } from './upstream.js';

/** Who a call is made for: the client whose execution made it (its user's token is the one sent). */
export interface Caller {
  clientId?: string;
}

export interface Authenticator {
  /** What apply() adds that only the upstream's origin may receive (header names, encoded query pairs). */
  readonly bound: OriginBound;
  /** Adds the credentials; a promise only when they are not at hand (a token to fetch), else nothing to wait for. */
  apply(request: HttpRequest, signal: AbortSignal, caller: Caller): Promise<void> | void;
  /** Forget a token the upstream refused; true when a new one can be fetched (worth one retry). */
  invalidate(caller: Caller): boolean;
}

const NO_AUTH: Authenticator = { bound: { headers: [], query: [] }, apply: () => undefined, invalidate: () => false };

/** `user`: the group's per-user tokens, when its auth is oauth2 with the authorization code flow. */
export function createAuthenticator(auth: HttpAuthConfig | undefined, redactor: Redactor, timeoutMs: number, user?: GroupCredentials): Authenticator {
  if (!auth) return NO_AUTH;
  if (user) return userToken(user);
  switch (auth.type) {
    case 'bearer':
      redactor.add(auth.token);
      return fixed({ headers: ['authorization'], query: [] }, (request) => void (request.headers.authorization = `Bearer ${auth.token}`));
    case 'basic': {
      const credentials = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
      redactor.add(auth.password, credentials);
      return fixed({ headers: ['authorization'], query: [] }, (request) => void (request.headers.authorization = `Basic ${credentials}`));
    }
    case 'apiKey': {
      redactor.add(auth.value);
      const where = auth.in ?? 'header';
      const pair = `${encodeURIComponent(auth.name)}=${encodeURIComponent(auth.value)}`;
      const bound = where === 'header' ? { headers: [auth.name.toLowerCase()], query: [] } : where === 'query' ? { headers: [], query: [pair] } : { headers: ['cookie'], query: [] };
      return fixed(bound, (request) => {
        if (where === 'header') request.headers[auth.name.toLowerCase()] = auth.value;
        else if (where === 'query') request.query.push(pair);
        else request.cookies.push(`${auth.name}=${encodeURIComponent(auth.value)}`);
      });
    }
    case 'oauth2':
      redactor.add(auth.clientSecret);
      return new ClientCredentials(auth as ClientCredentialsConfig, redactor, timeoutMs);
  }
}

/** The flow an oauth2 auth uses: as configured, else client credentials only when it has all they need and no authorizationUrl. */
export function oauthFlow(auth: OAuth2AuthConfig): 'clientCredentials' | 'authorizationCode' {
  if (auth.flow) return auth.flow;
  return auth.tokenUrl && auth.clientSecret && !auth.authorizationUrl ? 'clientCredentials' : 'authorizationCode';
}

/**
 * The provider of an authorization code flow: the config's URLs and scopes, else the document's; a relative URL in
 * the document is relative to the API's base URL. Throws naming the key to set when an endpoint is unknown.
 */
export function oauthProvider(auth: OAuth2AuthConfig, document: OAuthFlowModel | undefined, baseUrl: string | undefined): OAuthProvider {
  const absolute = (value: string | undefined) => (value && baseUrl && !/^https?:/i.test(value) ? new URL(value, baseUrl).toString() : value);
  const authorizationUrl = auth.authorizationUrl ?? absolute(document?.authorizationUrl);
  const tokenUrl = auth.tokenUrl ?? absolute(document?.tokenUrl);
  const missing = !authorizationUrl ? 'authorizationUrl' : !tokenUrl ? 'tokenUrl' : undefined;
  if (missing) {
    throw new Error(`auth.${missing} is not set and the document declares no oauth2 securityScheme with an authorization code flow that has one; set auth.${missing} in the group`);
  }
  return {
    authorizationUrl: authorizationUrl!,
    tokenUrl: tokenUrl!,
    clientId: auth.clientId,
    scopes: auth.scopes ?? document?.scopes ?? [],
    pkce: auth.pkce !== false,
    ...(auth.revocationUrl && { revocationUrl: auth.revocationUrl }),
    ...(auth.clientSecret && { clientSecret: auth.clientSecret }),
    ...(auth.audience && { audience: auth.audience }),
  };
}

/** The calling user's token, from src/oauth: each call asks for the token of the user behind its client. */
function userToken(user: GroupCredentials): Authenticator {
  return {
    bound: { headers: ['authorization'], query: [] },
    async apply(request, signal, caller) {
      request.headers.authorization = `Bearer ${await user.accessToken(caller.clientId, signal)}`;
    },
    invalidate: (caller) => user.invalidate(caller.clientId),
  };
}

function fixed(bound: OriginBound, apply: (request: HttpRequest) => void): Authenticator {
  return { bound, apply, invalidate: () => false };
}

type ClientCredentialsConfig = OAuth2AuthConfig & { tokenUrl: string; clientSecret: string };

/** Refresh this long before the token expires, so a call never starts with a token about to lapse. */
const EARLY_REFRESH_MS = 30_000;

class ClientCredentials implements Authenticator {
  readonly bound: OriginBound = { headers: ['authorization'], query: [] };
  private token?: { value: string; expiresAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly config: ClientCredentialsConfig,
    private readonly redactor: Redactor,
    private readonly timeoutMs: number,
  ) {}

  async apply(request: HttpRequest, signal: AbortSignal): Promise<void> {
    request.headers.authorization = `Bearer ${await this.current(signal)}`;
  }

  invalidate(): boolean {
    this.token = undefined;
    return true;
  }

  private async current(signal: AbortSignal): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return this.token.value;
    // Concurrent calls share one token request; it is not tied to any one call's signal.
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return abortable(this.pending, signal);
  }

  /** RFC 6749 prefers HTTP Basic for the client's credentials; some servers only take them in the form. */
  private credentialsInForm = false;

  private async fetchToken(): Promise<string> {
    const where = printableUrl(this.config.tokenUrl);
    let response = await this.requestToken(where);
    if (!this.credentialsInForm && (response.status === 400 || response.status === 401)) {
      await response.body?.cancel();
      this.credentialsInForm = true;
      response = await this.requestToken(where);
    }
    const text = await response.text();
    if (!response.ok) {
      throw new ToolCallError(`cannot get an OAuth2 token from ${where}: HTTP ${response.status}: ${this.redactor.excerpt(text)}; check clientId, clientSecret and scopes`, { code: 'HTTP_ERROR', status: response.status });
    }
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ToolCallError(`the OAuth2 token endpoint ${where} did not answer JSON`, { code: 'HTTP_ERROR', status: response.status });
    }
    if (typeof body.access_token !== 'string' || !body.access_token) {
      throw new ToolCallError(`the OAuth2 token endpoint ${where} answered without an access_token`, { code: 'HTTP_ERROR', status: response.status });
    }
    this.redactor.add(body.access_token);
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in) || 3600) * 1000;
    this.token = { value: body.access_token, expiresAt: Date.now() + Math.max(lifetimeMs - EARLY_REFRESH_MS, lifetimeMs / 2) };
    return body.access_token;
  }

  private async requestToken(where: string): Promise<Response> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.config.scopes?.length) form.set('scope', this.config.scopes.join(' '));
    if (this.config.audience) form.set('audience', this.config.audience);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.credentialsInForm) {
      form.set('client_id', this.config.clientId);
      form.set('client_secret', this.config.clientSecret);
    } else {
      const basic = Buffer.from(`${encodeURIComponent(this.config.clientId)}:${encodeURIComponent(this.config.clientSecret)}`).toString('base64');
      this.redactor.add(basic);
      headers.authorization = `Basic ${basic}`;
    }
    try {
      return await fetch(this.config.tokenUrl, { method: 'POST', headers, body: form.toString(), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new ToolCallError(`cannot get an OAuth2 token from ${where}: ${networkReason(error)}`, { code: 'NETWORK_ERROR', retryable: true });
    }
  }
}
