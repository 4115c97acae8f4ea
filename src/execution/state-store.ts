// Paused executions in the shared state store (keyv): a small header rewritten at each pause, the spec written
// once, and one journal segment per pause, so a pause writes only what is new. Another instance reading the
// same store can replay the execution. Claims make each pause resumable once across all instances.

import type Keyv from 'keyv';
import type { CallbackRequest, ClientServices, ClientToolDefinition } from './types.js';
import type { Segment } from './journal.js';
import type { ApprovalGate } from '../runtime/index.js';
import type { Metrics } from '../telemetry/index.js';

/** What an execution was asked to do; written once, at its first pause. */
export interface ExecutionSpec {
  id: string;
  clientId: string;
  code: string;
  limits: { timeout: number; memory: number; llmCalls: number };
  services: ClientServices;
  clientTools: ClientToolDefinition[];
  allowedApis?: string[];
  allowLLMCalls: boolean;
  /** Seed of Math.random inside the sandbox. */
  seed: number[];
  /** The time zone the code sees (execution.timezone); each pause's header repeats it. Absent in older journals. */
  timezone?: string;
  /** 'pause': a call whose person has not signed in waits for them (an approval) instead of failing. */
  authorization?: 'fail' | 'pause';
  createdAt: number;
}

/** A callback a pause waits for; with `gate`, an approval that lets a catalog call run (policies.requireApproval). */
export interface PendingCallback { id: number; request: CallbackRequest; gate?: ApprovalGate }
export interface FrozenTimer { id: number; remaining: number; delay: number; repeat: boolean }

/** The state of the latest pause. */
export interface PauseHeader {
  v: 1;
  /** Version of the sandbox runtime: replay needs the same one. */
  runtime: string;
  id: string;
  clientId: string;
  /** 1 for the first pause, then 2, 3…; each can be resumed once. */
  seq: number;
  pausedAt: number;
  usedMs: number;
  memoryUsed: number;
  /** `tools` is absent in pauses written before it was counted. */
  counters: { llm: number; approval: number; tools?: number };
  callbacks: PendingCallback[];
  timers: FrozenTimer[];
  /** Journal segments written so far (keys :seg:0 to :seg:<segments - 1>). */
  segments: number;
  /** When the spec and the oldest segment were last written: their TTL runs from there. */
  refreshedAt: number;
  /** Set when the execution can only resume on the instance that holds it live. */
  issue?: string;
  /** The time zone the code saw (execution.timezone): only an instance with the same replays it. */
  timezone?: string;
  /** W3C traceparent of the run that paused (config `telemetry`): the wait for the answer joins its trace. */
  trace?: string;
}

/** Who cancelled an execution, and when (ms epoch). */
export interface CancelRecord { clientId: string; at: number; reason: string }

export interface StateStoreOptions {
  /** How long state is kept after its last use, ms. */
  ttl: number;
  /** How long a pause may wait for its answer, ms. */
  maxPauseDuration: number;
  /** Atomic set-if-absent across every instance sharing the store (src/store's Store.claim). */
  claim?: (key: string, ttlMs: number) => Promise<boolean>;
  /** Each operation's duration (config `telemetry.metrics`). */
  metrics?: Metrics;
}

const locks = new WeakMap<object, Map<string, Promise<unknown>>>();

export class ExecutionStateStore {
  constructor(
    private readonly store: Keyv,
    private readonly options: StateStoreOptions,
  ) {}

  /** Segments and the spec outlive any single pause; each pause refreshes those that would expire too soon. */
  private get journalTTL(): number {
    return 2 * this.options.maxPauseDuration + this.options.ttl;
  }

  /**
   * Writes a pause: the spec (first time), the new segment, then the header; the header stays small, so a
   * pause costs the same however long the chain. Once in a while (when the oldest parts would expire
   * before the next pause may arrive) the older parts are rewritten to renew their TTL.
   */
  savePause(header: PauseHeader, segment: Segment, spec: ExecutionSpec | undefined): Promise<void> {
    return this.timed('save_pause', () => this.writePause(header, segment, spec));
  }

  private async writePause(header: PauseHeader, segment: Segment, spec: ExecutionSpec | undefined): Promise<void> {
    const now = Date.now();
    const writes: Promise<unknown>[] = [this.store.set(segmentKey(header.id, header.segments), segment, this.journalTTL)];
    if (spec) {
      writes.push(this.store.set(initKey(header.id), spec, this.journalTTL));
      header.refreshedAt = now;
    } else if (header.refreshedAt + this.journalTTL - now < this.options.maxPauseDuration * 1.1) {
      const keys = [initKey(header.id)];
      for (let n = 0; n < header.segments; n++) keys.push(segmentKey(header.id, n));
      writes.push(Promise.all(keys.map((key) => this.refresh(key))).then(() => { header.refreshedAt = now; }));
    }
    await Promise.all(writes);
    header.segments++;
    // the header goes last: a reader that sees it finds every segment it counts
    await this.store.set(headerKey(header.id), header, this.options.maxPauseDuration);
  }

  async header(id: string): Promise<PauseHeader | undefined> {
    const header = (await this.timed('read_pause', () => this.store.get(headerKey(id)))) as PauseHeader | undefined;
    return header && header.v === 1 ? header : undefined;
  }

  /** The spec and all segments of a pause; undefined if any part expired. */
  async journal(header: PauseHeader): Promise<{ spec: ExecutionSpec; segments: Segment[] } | undefined> {
    const [spec, segments] = await this.timed('read_journal', () => Promise.all([
      this.store.get(initKey(header.id)) as Promise<ExecutionSpec | undefined>,
      this.segments(header.id, header.segments),
    ]));
    return spec && segments ? { spec, segments } : undefined;
  }

  /** The first `count` journal segments of an execution; undefined if any expired. */
  async segments(id: string, count: number): Promise<Segment[] | undefined> {
    const segments = await Promise.all(Array.from({ length: count }, (_, n) => this.store.get(segmentKey(id, n)) as Promise<Segment | undefined>));
    return segments.some((segment) => !segment) ? undefined : (segments as Segment[]);
  }

  /** Takes the right to resume pause `seq`; false if someone (on any instance) already took it. */
  claim(id: string, seq: number): Promise<boolean> {
    return this.timed('claim', () => this.claimOnce(id, seq));
  }

  private async claimOnce(id: string, seq: number): Promise<boolean> {
    const key = claimKey(id, seq);
    // a pause older than maxPauseDuration is refused whatever its claim says, so the claim need not outlive it
    const ttl = this.options.maxPauseDuration;
    if (this.options.claim) return this.options.claim(key, ttl);
    const redis = await this.redis();
    // Redis: SET NX is atomic across every instance sharing it
    if (redis) return (await redis.client.set(redis.name(key), '1', { condition: 'NX', expiration: { type: 'PX', value: ttl } })) === 'OK';
    // other stores: atomic within this process (a memory store cannot be shared between processes anyway)
    return this.serialized(key, async () => {
      if (await this.store.has(key)) return false;
      await this.store.set(key, 1, ttl);
      return true;
    });
  }

  /** Notes that the client cancelled the execution, so a later resume is refused as such (kept as long as a pause). */
  markCancelled(id: string, record: CancelRecord): Promise<void> {
    return this.timed('cancel', async () => { await this.store.set(cancelKey(id), record, this.options.maxPauseDuration); });
  }

  /** The client's cancel of the execution, if it was cancelled within maxPauseDuration. */
  async cancelled(id: string): Promise<CancelRecord | undefined> {
    const record = (await this.timed('read_cancel', () => this.store.get(cancelKey(id)))) as CancelRecord | undefined;
    return record && typeof record.clientId === 'string' ? record : undefined;
  }

  /**
   * Removes a finished execution's state, claims last: a resume that wins a claim after it went finds no
   * journal to replay. One pause writes one segment, so pauses 1 to `segments` are all it ever claimed.
   */
  forget(id: string, segments: number): Promise<void> {
    return this.timed('forget', () => this.remove(id, segments));
  }

  private async remove(id: string, segments: number): Promise<void> {
    const keys = [headerKey(id), initKey(id)];
    for (let n = 0; n < segments; n++) keys.push(segmentKey(id, n));
    await Promise.all(keys.map((key) => this.store.delete(key)));
    const claims = Array.from({ length: segments }, (_, n) => claimKey(id, n + 1));
    // a claim is deleted the way it was written: SET NX on a plain Redis Keyv names keys itself
    const redis = this.options.claim ? undefined : await this.redis();
    if (redis) await redis.client.del(claims.map(redis.name));
    else await Promise.all(claims.map((key) => this.store.delete(key)));
  }

  /** `work`, its duration recorded as `operation` when metrics are on. */
  private async timed<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const metrics = this.options.metrics;
    if (!metrics) return work();
    const started = performance.now();
    try {
      return await work();
    } finally {
      metrics.stateStore(operation, performance.now() - started);
    }
  }

  /** The Redis client under a plain @keyv/redis Keyv, and the name our claims take there. */
  private async redis(): Promise<{ client: RedisLike; name: (key: string) => string } | undefined> {
    const adapter = this.store.store as { getClient?: () => Promise<RedisLike> } | undefined;
    if (!adapter || typeof adapter.getClient !== 'function') return undefined;
    const prefix = this.store.namespace ? `${this.store.namespace}:` : '';
    return { client: await adapter.getClient(), name: (key) => `${prefix}${key}` };
  }

  private async refresh(key: string): Promise<void> {
    const value: unknown = await this.store.get(key);
    if (value !== undefined) await this.store.set(key, value, this.journalTTL);
  }

  private async serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    let perStore = locks.get(this.store);
    if (!perStore) locks.set(this.store, (perStore = new Map()));
    const previous = perStore.get(key) ?? Promise.resolve();
    const current = previous.then(work, work);
    const settled = current.catch(() => undefined);
    perStore.set(key, settled);
    void settled.then(() => { if (perStore.get(key) === settled) perStore.delete(key); });
    return current;
  }
}

interface RedisLike {
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<string | null>;
  del(keys: string[]): Promise<number>;
}

const headerKey = (id: string) => `atp:exec:${id}`;
const initKey = (id: string) => `atp:exec:${id}:spec`;
const segmentKey = (id: string, n: number) => `atp:exec:${id}:seg:${n}`;
const cancelKey = (id: string) => `atp:exec:${id}:cancelled`;
const claimKey = (id: string, seq: number) => `atp:exec:${id}:claim:${seq}`;
