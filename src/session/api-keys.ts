// API keys compared in constant time: hashing first makes lengths equal, and every key is checked.

import { createHash, timingSafeEqual } from 'node:crypto';

export type ApiKeyCheck = (presented: string | undefined) => boolean;

export function apiKeyChecker(keys: readonly string[]): ApiKeyCheck {
  const digests = keys.map(digest);
  return (presented) => {
    if (presented === undefined) return false;
    const given = digest(presented);
    let matched = false;
    for (const key of digests) matched = timingSafeEqual(given, key) || matched;
    return matched;
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The identity of an API key's holder: a hash, so the key itself is never stored or logged. */
export function apiKeyIdentity(key: string): string {
  return `key:${digest(key).toString('hex').slice(0, 32)}`;
}
