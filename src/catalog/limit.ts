// The per-group cap on calls in flight: one agent's Promise.all over 1,000 items must not flood an upstream, and
// one client's slow calls must not hold every slot while another client's calls wait.

interface Waiter {
  start: () => void;
  abandoned: boolean;
}

/** One client's calls waiting for a slot, in call order; abandoned ones are skipped when their turn comes. */
class Lane {
  /** Waiters not abandoned. */
  live = 0;
  private readonly waiting: Waiter[] = [];
  private head = 0;

  constructor(readonly client: string) {}

  push(waiter: Waiter): void {
    this.waiting.push(waiter);
    this.live++;
  }

  abandon(waiter: Waiter): void {
    waiter.abandoned = true;
    this.live--;
  }

  /** The first waiter not abandoned, taken off the lane. */
  shift(): Waiter | undefined {
    while (this.head < this.waiting.length) {
      const next = this.waiting[this.head++];
      if (next.abandoned) continue;
      this.live--;
      this.compact();
      return next;
    }
    this.compact();
    return undefined;
  }

  private compact(): void {
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }
}

/**
 * At most `max` functions run at once, and at most `clientMax` of them for one client, even when no other client
 * waits: calls already in flight cannot be taken back, so a client that took every slot with slow calls would make
 * the next client wait for one of them to end. The rest wait, in call order within a client; a freed slot goes to
 * the waiting clients in turn (round robin). A waiter leaves when its signal aborts.
 */
export class ConcurrencyLimit {
  readonly max: number;
  readonly clientMax: number;
  private running = 0;
  /** Calls in flight per client; a client with none has no entry. */
  private readonly perClient = new Map<string, number>();
  /** Clients with calls waiting. */
  private readonly lanes = new Map<string, Lane>();
  /** Lanes whose client is under clientMax, in turn order; empty whenever a slot is free. */
  private readonly turns = new Set<Lane>();

  constructor(max: number, clientMax = max) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`a concurrency cap must be a positive integer, not ${max}`);
    if (!Number.isInteger(clientMax) || clientMax < 1) throw new RangeError(`a per-client concurrency cap must be a positive integer, not ${clientMax}`);
    this.max = max;
    this.clientMax = Math.min(clientMax, max);
  }

  /** Calls running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    let count = 0;
    for (const lane of this.lanes.values()) count += lane.live;
    return count;
  }

  /** Runs fn in a slot of `client` (calls without a client share one). */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal, client = ''): Promise<T> {
    const mine = this.perClient.get(client) ?? 0;
    // no lane check needed: a client under its cap never waits while a slot is free (dispatch empties turns first)
    if (this.running < this.max && mine < this.clientMax) {
      this.running++;
      this.perClient.set(client, mine + 1);
    } else {
      await this.slot(client, signal);
    }
    try {
      return await fn();
    } finally {
      this.release(client);
    }
  }

  private slot(client: string, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    let found = this.lanes.get(client);
    if (!found) this.lanes.set(client, (found = new Lane(client)));
    const lane = found;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        lane.abandon(entry);
        if (lane.live === 0) this.drop(lane);
        reject(signal!.reason);
      };
      const entry: Waiter = {
        abandoned: false,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      lane.push(entry);
      if ((this.perClient.get(client) ?? 0) < this.clientMax) this.turns.add(lane); // waits for the group, not for its own share
    });
  }

  private release(client: string): void {
    this.running--;
    const mine = this.perClient.get(client)! - 1;
    if (mine === 0) this.perClient.delete(client);
    else this.perClient.set(client, mine);
    if (this.lanes.size === 0) return; // nobody waits: the common case
    const lane = this.lanes.get(client);
    if (lane) this.turns.add(lane); // back under its cap: its turn comes after the clients already waiting
    this.dispatch();
  }

  /** Hands free slots to the lanes in turn, one call each, synchronously, so `running` never dips and refills out of order. */
  private dispatch(): void {
    while (this.running < this.max && this.turns.size > 0) {
      const lane = this.turns.values().next().value as Lane;
      this.turns.delete(lane);
      const next = lane.shift();
      if (!next) {
        this.drop(lane);
        continue;
      }
      const mine = (this.perClient.get(lane.client) ?? 0) + 1;
      this.running++;
      this.perClient.set(lane.client, mine);
      if (lane.live === 0) this.drop(lane);
      else if (mine < this.clientMax) this.turns.add(lane);
      next.start();
    }
  }

  private drop(lane: Lane): void {
    if (this.lanes.get(lane.client) === lane) this.lanes.delete(lane.client);
    this.turns.delete(lane);
  }
}
