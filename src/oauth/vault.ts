// Each user's tokens per group, sealed in a key-value store (the state store, or the terminal's file): the
// store holds no token in the clear, and a user's entry is found only under a hash of that user's identity.

import { createHash } from 'node:crypto';
import type { Secrets } from '../secrets/index.js';
import type { TokenCipher } from './cipher.js';
import type { OAuthClient } from './endpoints.js';

/** What the vault and sign-in states need of a store: the state store's Store has it, and so does the file store. */
export interface KeyValue {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Sets the key only when absent; true when this call set it (atomic across processes sharing the store). */
  claim(key: string, value: unknown, ttlMs: number): Promise<boolean>;
}

export interface TokenRecord {
  accessToken: string;
  refreshToken?: string;
  /** ms since the epoch; undefined when the provider did not say. */
  expiresAt?: number;
  scope?: string;
  obtainedAt: number;
  /** The client the token was issued to, when it was registered dynamically (refresh and revocation need it). */
  client?: OAuthClient;
}

export function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 40);
}

export class TokenVault {
  constructor(
    private readonly store: KeyValue,
    private readonly cipher: TokenCipher,
    private readonly secrets: Secrets,
  ) {}

  /** The user's tokens for the group; an entry this key cannot open counts as none. */
  async get(group: string, user: string): Promise<TokenRecord | undefined> {
    const record = this.cipher.open<TokenRecord>(await this.store.get(entryKey(group, user)), context(group, user));
    if (!record || typeof record.accessToken !== 'string') return undefined;
    this.secrets.add(record.accessToken, record.refreshToken, record.client?.secret); // obtained by another instance or an earlier run
    return record;
  }

  async set(group: string, user: string, record: TokenRecord): Promise<void> {
    this.secrets.add(record.accessToken, record.refreshToken);
    await this.store.set(entryKey(group, user), this.cipher.seal(record, context(group, user)));
  }

  /** True when there was an entry. */
  delete(group: string, user: string): Promise<boolean> {
    return this.store.delete(entryKey(group, user));
  }
}

function entryKey(group: string, user: string): string {
  return `oauth:token:${group}:${digest(user)}`;
}

function context(group: string, user: string): string {
  return `token\n${group}\n${user}`;
}
