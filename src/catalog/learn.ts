// Output types for tools that declare none, learned from their results and kept in the state store.

import type { Logger } from '../logging/index.js';
import { isShape, mergeShapes, observe, toJsonSchema, type Shape } from './infer.js';
import type { JsonSchema, KeyValueStore } from './types.js';

const STORE_VERSION = 1;
/** After this many results in a row that taught nothing, only every SAMPLE_EVERY-th result is looked at. */
const STABLE_AFTER = 32;
const SAMPLE_EVERY = 8;

export interface OutputLearnerOptions {
  /** Key in the store, e.g. `atp:outputs:v1:everything:echo`. */
  key: string;
  store?: KeyValueStore;
  logger: Logger;
  /** Called after `schema` changed. */
  onChange(): void;
}

export function outputStoreKey(group: string, sourceName: string): string {
  return `atp:outputs:v${STORE_VERSION}:${group}:${sourceName}`;
}

export class OutputLearner {
  /** The learned schema, undefined until a result was seen (now or before a restart). */
  schema?: JsonSchema;
  private readonly shape: Shape = {};
  private unchanged = 0;
  private skipped = 0;
  private writing?: Promise<void>;
  private persistAgain = false;

  constructor(private readonly options: OutputLearnerOptions) {}

  /** Merges what an earlier run learned; a store failure only costs the history. */
  async restore(): Promise<void> {
    if (!this.options.store) return;
    let stored: unknown;
    try {
      stored = await this.options.store.get(this.options.key);
    } catch (error) {
      this.options.logger.warn('could not read learned output types', { key: this.options.key, error: (error as Error).message });
      return;
    }
    const shape = (stored as { v?: number; shape?: unknown } | undefined)?.shape;
    if ((stored as { v?: number } | undefined)?.v !== STORE_VERSION || !isShape(shape)) return;
    const before = JSON.stringify(this.shape);
    mergeShapes(this.shape, shape);
    if (JSON.stringify(this.shape) !== before) this.update(false);
  }

  /** Learns from one result; never throws, cheap once the shape is stable. */
  observe(value: unknown): void {
    if (value === undefined) return;
    if (this.unchanged >= STABLE_AFTER && ++this.skipped % SAMPLE_EVERY !== 0) return;
    let changed: boolean;
    try {
      changed = observe(this.shape, value);
    } catch (error) {
      this.options.logger.debug('could not learn from a result', { key: this.options.key, error: (error as Error).message });
      return;
    }
    if (!changed) {
      this.unchanged++;
      return;
    }
    this.unchanged = 0;
    this.update(true);
  }

  private update(persist: boolean): void {
    this.schema = toJsonSchema(this.shape);
    if (persist) this.persist();
    this.options.onChange();
  }

  /** One write at a time; changes made meanwhile are written once more afterwards. */
  private persist(): void {
    if (!this.options.store) return;
    if (this.writing) {
      this.persistAgain = true;
      return;
    }
    this.writing = this.write(this.options.store).finally(() => (this.writing = undefined));
  }

  private async write(store: KeyValueStore): Promise<void> {
    try {
      do {
        this.persistAgain = false;
        await store.set(this.options.key, { v: STORE_VERSION, shape: structuredClone(this.shape) });
      } while (this.persistAgain);
    } catch (error) {
      this.options.logger.warn('could not store learned output types', { key: this.options.key, error: (error as Error).message });
    }
  }

  /** Resolves once pending writes are done (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }
}
