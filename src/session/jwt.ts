// HS256 JSON Web Tokens with node:crypto: the few lines we need, verified in constant time.

import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  /** The client id the token was issued to. */
  sub: string;
  /** Issued at and expiry, seconds since the epoch (RFC 7519). */
  iat: number;
  exp: number;
  jti: string;
}

export type TokenProblem = 'malformed' | 'signature' | 'expired';

export class TokenError extends Error {
  readonly problem: TokenProblem;
  constructor(problem: TokenProblem, message: string) {
    super(message);
    this.name = 'TokenError';
    this.problem = problem;
  }
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

export function signToken(claims: TokenClaims, secret: Buffer): string {
  const body = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${body}.${sign(body, secret)}`;
}

/** The claims of a token this secret signed and that has not expired; throws TokenError otherwise. */
export function verifyToken(token: string, secret: Buffer, nowMs = Date.now()): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('malformed', 'the bearer token is not a token this server issued');
  const [header, payload, signature] = parts;
  // only our own header is accepted, so alg=none or RS256 confusion cannot happen
  if (header !== HEADER) throw new TokenError('malformed', 'the bearer token is not a token this server issued');
  const expected = Buffer.from(sign(`${header}.${payload}`, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new TokenError('signature', 'the bearer token was not issued by this server (or its secret changed)');
  }
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    throw new TokenError('malformed', 'the bearer token is not a token this server issued');
  }
  if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
    throw new TokenError('malformed', 'the bearer token is not a token this server issued');
  }
  if (claims.exp * 1000 <= nowMs) throw new TokenError('expired', 'the session token expired');
  return claims;
}

function sign(body: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
