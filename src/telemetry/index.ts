// Tracing (config `telemetry`): OpenTelemetry spans for HTTP requests, execution runs and tool calls, over OTLP/HTTP.

export { Telemetry, createTelemetry, type TraceSubject, type TracedCall, type RunOutcome, type TelemetryOptions } from './telemetry.js';
