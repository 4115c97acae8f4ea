// Instances sharing a state store take turns refreshing one user's token: a provider that rotates refresh tokens
// honours each once, so two instances refreshing at once would lose the user's sign-in. The turn is a short
// claim in the store; whoever waits reads the token its holder stored instead of refreshing again.

import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../logging/index.js';
import { digest, type KeyValue, type TokenRecord, type TokenVault } from './vault.js';

/** How often a waiting instance looks at the store for the holder's token. */
const POLL_MS = 25;

export type Turn =
  | { kind: 'mine'; release(): Promise<void> }
  /** Another instance refreshed the token meanwhile: this is its record. */
  | { kind: 'refreshed'; record: TokenRecord }
  /** The token is gone (the user signed out, or the holder's refresh was refused). */
  | { kind: 'gone' };

export class RefreshLock {
  /** `holdMs`: the longest one refresh holds the turn (the provider's timeout and some): a holder that died frees it then. */
  constructor(
    private readonly store: KeyValue,
    private readonly vault: TokenVault,
    private readonly logger: Logger,
    private readonly holdMs = 35_000,
  ) {}

  /** The turn to refresh `seen`, or the outcome of another instance's turn. */
  async take(group: string, user: string, seen: TokenRecord): Promise<Turn> {
    const key = `oauth:refresh-lock:${group}:${digest(user)}`;
    let waited = false;
    for (;;) {
      if (await this.store.claim(key, 1, this.holdMs)) {
        const release = async () => void (await this.store.delete(key));
        // read again: a holder may have stored its token between our read and our claim
        const outcome = await this.changed(group, user, seen);
        if (outcome) {
          await release();
          return outcome;
        }
        return { kind: 'mine', release };
      }
      if (!waited) this.logger.debug('another instance is refreshing this user\'s token; waiting for its result', { group });
      waited = true;
      await delay(POLL_MS);
      const outcome = await this.changed(group, user, seen);
      if (outcome) return outcome;
    }
  }

  private async changed(group: string, user: string, seen: TokenRecord): Promise<Turn | undefined> {
    const current = await this.vault.get(group, user);
    if (!current) return { kind: 'gone' };
    return current.accessToken !== seen.accessToken ? { kind: 'refreshed', record: current } : undefined;
  }
}
