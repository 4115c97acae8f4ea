// Sign-ins under way: the `state` of each authorization request, bound to the user and group it was made for,
// usable once and for oauth.stateTTL, with the PKCE verifier its callback needs. Only a hash of the state is a key.

import { createHash, randomBytes } from 'node:crypto';
import type { TokenCipher } from './cipher.js';
import type { OAuthClient } from './endpoints.js';
import { digest, type KeyValue } from './vault.js';

export interface SignIn {
  group: string;
  user: string;
  redirectUri: string;
  /** The client registered for this redirect URI, when the provider has none configured. */
  client?: OAuthClient;
  /** PKCE code_verifier (RFC 7636), when the provider gets a challenge. */
  verifier?: string;
  createdAt: number;
}

export class SignIns {
  constructor(
    private readonly store: KeyValue,
    private readonly cipher: TokenCipher,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new state for this sign-in, and the PKCE challenge to send with it. */
  async begin(signIn: Omit<SignIn, 'verifier' | 'createdAt'>, pkce: boolean): Promise<{ state: string; challenge?: string }> {
    const state = randomBytes(32).toString('base64url');
    const verifier = pkce ? randomBytes(32).toString('base64url') : undefined;
    const record: SignIn = { ...signIn, createdAt: this.now(), ...(verifier && { verifier }) };
    const hash = digest(state);
    await this.store.set(`oauth:state:${hash}`, this.cipher.seal(record, `state\n${hash}`), this.ttlMs);
    return { state, ...(verifier && { challenge: createHash('sha256').update(verifier).digest('base64url') }) };
  }

  /** The sign-in of a state, once: 'used' when it was taken before, 'unknown' when it was never made here or expired. */
  async take(state: string): Promise<SignIn | 'used' | 'unknown'> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(state)) return 'unknown';
    const hash = digest(state);
    const record = this.cipher.open<SignIn>(await this.store.get(`oauth:state:${hash}`), `state\n${hash}`);
    const used = `oauth:state-used:${hash}`;
    if (!record) return (await this.store.get(used)) ? 'used' : 'unknown';
    // claimed first: of two callbacks with the same state (a replay racing the real one), one wins, on any instance
    if (!(await this.store.claim(used, 1, this.ttlMs))) return 'used';
    await this.store.delete(`oauth:state:${hash}`);
    return this.now() - record.createdAt > this.ttlMs ? 'unknown' : record; // the store's expiry may lag (Redis, Postgres sweeps)
  }
}
