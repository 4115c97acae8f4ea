// What the daemon tells its metrics: one small interface the parts that record are given. When metrics are off
// (config `telemetry.metrics`) they are given none, as with the audit trail and tracing: no call, no clock read.

/** The recording side of the daemon's metrics. Durations are in milliseconds, as the daemon measures them. */
export interface Metrics {
  /** An execution ended here: its status, the time its code ran (pauses excluded) and the tool calls it made. */
  executionEnded(status: string, ms: number, toolCalls: number): void;
  /** An execution was answered without running (rate_limited, shutting down, not resumable here). */
  executionRefused(status: string): void;
  /** An execution paused for the client: the callbacks it waits for, by type (llm, approval, embedding, tool). */
  executionPaused(callbackTypes: readonly string[]): void;
  /** A call of a catalog function settled; `errorKind` is the error's code (HTTP_ERROR, TIMEOUT_ERROR...) when it failed. */
  toolCall(group: string, ms: number, errorKind?: string): void;
  /** A request to an upstream was sent again: `reason` is the HTTP status, `network`, `stale_connection` or `auth`. */
  upstreamRetry(group: string, reason: string): void;
  /** A data-flow rule was broken by a call's input; `action` is what the rule does (block, approve, log). */
  policyViolation(rule: string, action: string): void;
  /** Audit events a sink could not write (or had to drop), by sink type (file, http, stdout). */
  auditEventsLost?(sink: string, events: number): void;
  /** One operation on the execution state store (save_pause, read_pause, read_journal, claim, forget). */
  stateStore(operation: string, ms: number): void;
  /** Gauges read at each collection (never per call): the executor registers where they come from. */
  watch(source: GaugeSource): void;
}

/** What the gauges read, when metrics are collected. */
export interface GaugeSource {
  /** Executions running, waiting for a slot, and paused while held live on this instance. */
  executions(): { running: number; queued: number; paused: number };
  /** Executions in flight (running or waiting) per client. */
  clients(): Iterable<[clientId: string, inFlight: number]>;
  /** Isolates: warm in the pool, alive (warm, running or held by a paused execution), built since start. */
  isolates(): { warm: number; live: number; built: number };
}
