// Metrics across generations: each generation's executor records into the daemon's one Metrics and registers its
// gauge source here; the gauges read the sum over the generations alive (a retiring one still runs executions).

import type { GaugeSource, Metrics } from '../telemetry/index.js';

export class GenerationGauges {
  private readonly sources = new Set<GaugeSource>();
  /** Isolates built by retired generations: the counter never goes down. */
  private retiredBuilt = 0;

  constructor(metrics: Metrics) {
    const sources = this.sources;
    const retired = () => this.retiredBuilt;
    metrics.watch({
      executions: () => sumOf([...sources].map((source) => source.executions()), { running: 0, queued: 0, paused: 0 }),
      clients() {
        const merged = new Map<string, number>();
        for (const source of sources) for (const [client, inFlight] of source.clients()) merged.set(client, (merged.get(client) ?? 0) + inFlight);
        return merged;
      },
      isolates: () => sumOf([...sources].map((source) => source.isolates()), { warm: 0, live: 0, built: retired() }),
    });
  }

  /**
   * The Metrics one generation records into: the daemon's, except watch(), which registers the generation's
   * gauges here; `retire()` drops them once it is gone. A proxy, so that a recording method added to Metrics
   * reaches the daemon's without a change here.
   */
  forGeneration(metrics: Metrics): { metrics: Metrics; retire(): void } {
    let source: GaugeSource | undefined;
    const sources = this.sources;
    const gone = (built: number) => (this.retiredBuilt += built);
    const watch = (next: GaugeSource) => {
      if (source) sources.delete(source);
      source = next;
      sources.add(next);
    };
    const bound = new Map<PropertyKey, unknown>();
    return {
      metrics: new Proxy(metrics, {
        get(target, key) {
          if (key === 'watch') return watch;
          const value: unknown = Reflect.get(target, key, target);
          if (typeof value !== 'function') return value;
          if (!bound.has(key)) bound.set(key, value.bind(target));
          return bound.get(key);
        },
      }),
      retire() {
        if (!source || !sources.delete(source)) return;
        gone(source.isolates().built);
      },
    };
  }
}

/** Each field of `start` plus the same field of every record. */
function sumOf<T extends Record<string, number>>(records: readonly T[], start: T): T {
  const sum = { ...start };
  for (const record of records) for (const key of Object.keys(sum) as (keyof T)[]) sum[key] = (sum[key] + record[key]) as T[keyof T];
  return sum;
}
