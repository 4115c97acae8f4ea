// Client sessions: /api/init creates one (id, token, client tools and services); every later request
// proves it with X-Client-ID and a bearer token. Sessions live in the state store, so any instance
// sharing it (and the JWT secret) accepts them.

import { randomBytes, randomUUID } from 'node:crypto';
import type { AuthConfig } from '../config/index.js';
import type { ClientServices, ClientToolDefinition } from '../execution/index.js';
import type { Logger } from '../logging/index.js';
import type { Store } from '../store/index.js';
import { signToken, verifyToken, TokenError, type TokenClaims } from './jwt.js';
import { apiKeyChecker, type ApiKeyCheck } from './api-keys.js';

export interface Session {
  clientId: string;
  createdAt: number;
  clientInfo?: Record<string, unknown>;
  tools: ClientToolDefinition[];
  services: ClientServices;
  guidance?: string;
  /** Who the session acts for when that is not the session itself (oauth.user: apiKey): whose OAuth tokens its calls use. */
  user?: string;
  /** The identity of the API key the session was opened with (apiKeyIdentity; auth.apiKeys set): named in the audit trail. */
  apiKeyId?: string;
}

export interface IssuedToken {
  token: string;
  /** ms since the epoch. */
  expiresAt: number;
  tokenRotateAt: number;
}

export interface Authenticated {
  session: Session;
  /** A fresh token when the presented one is past auth.tokenRotation; send it in X-ATP-Token. */
  refreshed?: IssuedToken;
}

export interface NewSession {
  clientInfo?: Record<string, unknown>;
  tools: ClientToolDefinition[];
  services: ClientServices;
  guidance?: string;
  user?: string;
  apiKeyId?: string;
}

/** Missing, invalid or expired credentials: HTTP 401 with this message. */
export class AuthError extends Error {
  readonly status = 401;
  readonly expose = true;
  readonly headers = { 'WWW-Authenticate': 'Bearer' };
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface SessionsOptions {
  store: Store;
  auth: AuthConfig;
  /** How long an idle session is kept (state.ttl); at least as long as a token lives. */
  ttl: number;
  logger: Logger;
}

const CACHE_MAX = 10_000;

export class Sessions {
  /** Where the signing secret came from: 'random' means sessions die with this process. */
  readonly secretSource: 'config' | 'random';
  readonly requiresApiKey: boolean;
  private readonly secret: Buffer;
  private readonly store: Store;
  private readonly auth: AuthConfig;
  private readonly ttl: number;
  private readonly checkApiKey: ApiKeyCheck;
  // sessions never change after init, so a copy can serve requests until the store would expire it
  private readonly cache = new Map<string, { session: Session; until: number }>();
  // tokens whose signature was checked: a client sends the same one with every request until it rotates
  private readonly verified = new Map<string, TokenClaims>();

  constructor(options: SessionsOptions) {
    this.store = options.store;
    this.auth = options.auth;
    this.ttl = Math.max(options.ttl, options.auth.tokenTTL);
    this.requiresApiKey = (options.auth.apiKeys?.length ?? 0) > 0;
    this.checkApiKey = apiKeyChecker(options.auth.apiKeys ?? []);
    if (options.auth.jwtSecret) {
      this.secret = Buffer.from(options.auth.jwtSecret, 'utf8');
      this.secretSource = 'config';
    } else {
      this.secret = randomBytes(32);
      this.secretSource = 'random';
    }
  }

  /** True when no API key is configured, or `presented` is one of them. */
  apiKeyAccepted(presented: string | undefined): boolean {
    return !this.requiresApiKey || this.checkApiKey(presented);
  }

  async create(input: NewSession): Promise<{ session: Session; token: IssuedToken }> {
    const session: Session = { clientId: `cli_${randomBytes(16).toString('hex')}`, createdAt: Date.now(), ...input };
    if (session.guidance === undefined) delete session.guidance;
    if (session.clientInfo === undefined) delete session.clientInfo;
    if (session.user === undefined) delete session.user;
    await this.store.set(key(session.clientId), session, this.ttl);
    this.remember(session);
    return { session, token: this.issue(session.clientId) };
  }

  /** The session of a request; throws AuthError (401) naming what is wrong. */
  async authenticate(clientId: string | undefined, authorization: string | undefined): Promise<Authenticated> {
    if (!clientId) throw new AuthError('missing X-Client-ID header: call POST /api/init first and send the clientId it returns');
    const bearer = bearerToken(authorization);
    if (!bearer) throw new AuthError('missing bearer token: send Authorization: Bearer <token from /api/init>');
    let claims;
    try {
      claims = this.verify(bearer);
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      if (error.problem === 'expired') throw new AuthError('the session token expired: call POST /api/init for a new session');
      throw new AuthError(`invalid token: ${error.message}`);
    }
    if (claims.sub !== clientId) throw new AuthError('invalid token: it was issued to another client id than X-Client-ID');
    const session = await this.load(clientId);
    if (!session) throw new AuthError('unknown or expired session: call POST /api/init for a new session');
    if (Date.now() < claims.iat * 1000 + this.auth.tokenRotation) return { session };
    // rotating: keep the session alive as long as its client keeps coming back
    await this.store.set(key(clientId), session, this.ttl);
    this.remember(session);
    return { session, refreshed: this.issue(clientId) };
  }

  /**
   * Who a client acts for, whose OAuth tokens its calls use: the identity its session was opened with, else the
   * session itself (also once the session has expired, so no other client's identity is ever taken).
   */
  async identity(clientId: string): Promise<string> {
    const session = await this.load(clientId);
    return session?.user ?? `session:${clientId}`;
  }

  /** verifyToken, with the signature checked once per token; expiry is checked every time. */
  private verify(token: string): TokenClaims {
    const known = this.verified.get(token);
    if (known && known.exp * 1000 > Date.now()) return known;
    this.verified.delete(token);
    const claims = verifyToken(token, this.secret);
    this.verified.set(token, claims);
    if (this.verified.size > CACHE_MAX) this.verified.delete(this.verified.keys().next().value!);
    return claims;
  }

  private issue(clientId: string): IssuedToken {
    const now = Date.now();
    const expiresAt = now + this.auth.tokenTTL;
    const token = signToken({ sub: clientId, iat: Math.floor(now / 1000), exp: Math.floor(expiresAt / 1000), jti: randomUUID() }, this.secret);
    return { token, expiresAt: Math.floor(expiresAt / 1000) * 1000, tokenRotateAt: now + this.auth.tokenRotation };
  }

  private async load(clientId: string): Promise<Session | undefined> {
    const cached = this.cache.get(clientId);
    if (cached && cached.until > Date.now()) return cached.session;
    this.cache.delete(clientId);
    const session = await this.store.get<Session>(key(clientId));
    // its remaining TTL in the store is unknown here: trust the copy only briefly
    if (session) this.remember(session, 5_000);
    return session;
  }

  private remember(session: Session, forMs = 60_000): void {
    this.cache.delete(session.clientId);
    this.cache.set(session.clientId, { session, until: Date.now() + Math.min(this.ttl, forMs) });
    if (this.cache.size > CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
  }
}

function key(clientId: string): string {
  return `session:${clientId}`;
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
