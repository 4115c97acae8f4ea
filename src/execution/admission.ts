// Which executions run now: at most `concurrency` in all and `clientConcurrency` per client; the rest wait, up to
// `clientQueue` per client and `queue` in all (beyond that, rate_limited), and each freed slot goes to the waiting
// clients in turn (round robin), so one client's burst neither fills every slot nor makes the others wait behind it.

export interface AdmissionLimits {
  concurrency: number;
  queue: number;
  clientConcurrency: number;
  clientQueue: number;
}

/** Who is at their limit when an execution is refused: this client (its own share) or the whole server. */
export type Refusal = 'client' | 'server';

/** One client's executions: how many run, and the wake-ups of those waiting, in arrival order. */
interface Lane {
  running: number;
  waiting: (() => void)[];
}

export class Admission {
  private running = 0;
  private waitingCount = 0;
  /** Clients with executions running or waiting; an idle client has no entry. */
  private readonly lanes = new Map<string, Lane>();
  /** Lanes with a waiter and a running count under the client's cap, in turn order (a Set keeps insertion order). */
  private readonly turns = new Set<Lane>();

  constructor(readonly limits: AdmissionLimits) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waitingCount;
  }

  /** One client's executions running and waiting. */
  usage(clientId: string): { running: number; queued: number } {
    const lane = this.lanes.get(clientId);
    return { running: lane?.running ?? 0, queued: lane?.waiting.length ?? 0 };
  }

  /** Executions in flight (running and waiting) per client that has any: for the metrics, read at collection only. */
  *inFlight(): IterableIterator<[string, number]> {
    for (const [clientId, lane] of this.lanes) yield [clientId, lane.running + lane.waiting.length];
  }

  /** A release function once a slot is free, or who is at their limit when there is no room to wait either. */
  acquire(clientId: string): Promise<() => void> | Refusal {
    const { concurrency, clientConcurrency } = this.limits;
    let lane = this.lanes.get(clientId);
    if (!lane) this.lanes.set(clientId, (lane = { running: 0, waiting: [] }));
    if (this.running < concurrency && lane.running < clientConcurrency && lane.waiting.length === 0) {
      this.start(lane);
      return Promise.resolve(this.releaser(clientId, lane));
    }
    const refusal = this.refusal(lane);
    if (refusal) {
      if (lane.running === 0 && lane.waiting.length === 0) this.lanes.delete(clientId);
      return refusal;
    }
    const own = lane;
    return new Promise((resolve) => {
      own.waiting.push(() => resolve(this.releaser(clientId, own)));
      this.waitingCount++;
      if (own.running < clientConcurrency) this.turns.add(own); // it waits for the server, not for its own share
    });
  }

  private refusal(lane: Lane): Refusal | undefined {
    const { queue, clientConcurrency, clientQueue } = this.limits;
    if (lane.waiting.length >= clientQueue) {
      // with clientQueue 0, a client under its cap that finds the server full is not the one to blame
      return lane.waiting.length > 0 || lane.running >= clientConcurrency ? 'client' : 'server';
    }
    return this.waitingCount >= queue ? 'server' : undefined;
  }

  private start(lane: Lane): void {
    this.running++;
    lane.running++;
  }

  private releaser(clientId: string, lane: Lane): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      lane.running--;
      if (lane.waiting.length > 0) this.turns.add(lane); // back under its cap: it takes its turn after those already waiting
      else if (lane.running === 0) this.lanes.delete(clientId);
      this.dispatch();
    };
  }

  /** Hands free slots to the lanes in turn, one execution each, synchronously: no newcomer can slip in between. */
  private dispatch(): void {
    const { concurrency, clientConcurrency } = this.limits;
    while (this.running < concurrency && this.turns.size > 0) {
      const lane = this.turns.values().next().value as Lane;
      this.turns.delete(lane);
      const wake = lane.waiting.shift()!;
      this.waitingCount--;
      this.start(lane);
      if (lane.waiting.length > 0 && lane.running < clientConcurrency) this.turns.add(lane);
      wake();
    }
  }
}
