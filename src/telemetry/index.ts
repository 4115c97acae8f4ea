// Tracing (config `telemetry`): OpenTelemetry spans for HTTP requests, execution runs and tool calls, over OTLP/HTTP.
// Metrics (config `telemetry.metrics`): pushed over OTLP/HTTP and/or served as Prometheus text.

export { Telemetry, createTelemetry, type TraceSubject, type TracedCall, type RunOutcome, type TelemetryOptions, type AnsweredPause, type ToolCallSpan } from './telemetry.js';
export type { Metrics, GaugeSource } from './metrics.js';
export { DaemonMetrics, createMetrics, otlpEndpoint, type MetricsOptions } from './meters.js';
