// The daemon's metrics on OpenTelemetry's metrics SDK (config `telemetry.metrics`): pushed over OTLP/HTTP every
// `interval`, and/or collected when a scraper asks for /metrics (Prometheus text). Counters and histograms are
// recorded as things happen; gauges are read from their source at collection only. Executions in flight per
// client are a fresh snapshot each collection (a MetricProducer, not an observable gauge, which the SDK would keep
// reporting for every client it ever saw): the top clients by name, the rest summed as "other".

import { ValueType, type Attributes, type Counter, type Histogram, type Meter } from '@opentelemetry/api';
import { ExportResultCode, millisToHrTime, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality, DataPointType, InstrumentType, MeterProvider, PeriodicExportingMetricReader,
  type CollectionResult, type MetricProducer, type MetricReader, type PushMetricExporter, type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { TelemetryConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { GaugeSource, Metrics } from './metrics.js';

export interface MetricsOptions {
  logger: Logger;
  version: string;
}

/** Bucket bounds of durations, in seconds: from a fast module call (50 µs) to a long execution (5 min). */
const SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Bucket bounds of tool calls per execution: one call is what a tool-calling agent would have made per LLM turn. */
const CALLS = [0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000];
const SHUTDOWN_TIMEOUT_MS = 5_000;
const MIN_INTERVAL_MS = 100;
/** The exporter's default: a push that gets no answer by then has failed (within half the interval, when shorter). */
const EXPORTER_TIMEOUT_MS = 10_000;

export class DaemonMetrics implements Metrics {
  private readonly provider: MeterProvider;
  private readonly prometheus?: PrometheusExporter;
  private readonly serializer = new PrometheusSerializer();
  private source?: GaugeSource;
  private readonly meter: Meter;
  private readonly executions: Counter;
  private readonly executionDuration: Histogram;
  private readonly toolCallsPerExecution: Histogram;
  private readonly pauses: Counter;
  private readonly toolDuration: Histogram;
  private readonly toolErrors: Counter;
  private readonly retries: Counter;
  private readonly violations: Counter;
  private readonly auditLost: Counter;
  private readonly storeDuration: Histogram;
  /** Attribute sets by group (or status, operation): the same object each time, none made per call. */
  private readonly attributes = new Map<string, Attributes>();

  /**
   * The exporter's timeout is OTEL_EXPORTER_OTLP_METRICS_TIMEOUT (or OTEL_EXPORTER_OTLP_TIMEOUT) when set; the
   * endpoint, headers and interval come from the config.
   */
  constructor(config: TelemetryConfig, private readonly options: MetricsOptions, env: NodeJS.ProcessEnv = process.env) {
    const { metrics } = config;
    const resource = resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': options.version });
    const clients = new ClientsProducer(resource, options.version, metrics.topClients, () => this.source);
    const readers: MetricReader[] = [];
    const endpoint = otlpEndpoint(config);
    if (endpoint) {
      const interval = Math.max(MIN_INTERVAL_MS, metrics.interval);
      // a push ends (and a failed one is logged) before the reader would give up on it
      const timeout = env.OTEL_EXPORTER_OTLP_METRICS_TIMEOUT || env.OTEL_EXPORTER_OTLP_TIMEOUT ? undefined : Math.min(EXPORTER_TIMEOUT_MS, Math.floor(interval / 2));
      const exporter = new OTLPMetricExporter({ url: endpoint, headers: { ...config.headers }, ...(timeout && { timeoutMillis: timeout }) });
      readers.push(new PeriodicExportingMetricReader({
        exporter: new LoggedExporter(exporter, options.logger, withoutCredentials(endpoint)),
        exportIntervalMillis: interval,
        exportTimeoutMillis: interval,
        metricProducers: [clients],
      }));
    }
    if (metrics.prometheus) {
      this.prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: [clients] });
      readers.push(this.prometheus);
    }
    this.provider = new MeterProvider({ resource, readers });
    const meter = (this.meter = this.provider.getMeter('atp', options.version));
    const seconds = (name: string, description: string) => meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: SECONDS } });
    this.executions = meter.createCounter('atp.executions', { description: 'Executions ended, by status (atp.execution.status)', unit: '{execution}' });
    this.executionDuration = seconds('atp.execution.duration', 'Time the code of an execution ran, pauses excluded, by status');
    this.toolCallsPerExecution = meter.createHistogram('atp.execution.tool_calls', {
      description: 'Catalog function calls one execution made: each is an LLM turn a tool-calling agent would have taken', unit: '{call}', valueType: ValueType.INT,
      advice: { explicitBucketBoundaries: CALLS },
    });
    this.pauses = meter.createCounter('atp.execution.pauses', { description: 'Callbacks executions paused for, by type (llm, approval, embedding, tool)', unit: '{callback}' });
    this.toolDuration = seconds('atp.tool.duration', 'Duration of catalog function calls, by group');
    this.toolErrors = meter.createCounter('atp.tool.errors', { description: 'Failed catalog function calls, by group and error.type', unit: '{call}' });
    this.retries = meter.createCounter('atp.upstream.retries', { description: 'Requests sent again to an upstream, by group and reason', unit: '{request}' });
    this.violations = meter.createCounter('atp.policy.violations', { description: 'Calls whose input broke a data-flow rule, by rule and action', unit: '{call}' });
    this.auditLost = meter.createCounter('atp.audit.events_lost', { description: 'Audit events a sink could not write, by sink type (atp.audit.sink)', unit: '{event}' });
    this.storeDuration = seconds('atp.state_store.duration', 'Duration of execution state store operations, by operation');
  }

  executionEnded(status: string, ms: number, toolCalls: number): void {
    const attributes = this.named('atp.execution.status', status);
    this.executions.add(1, attributes);
    this.executionDuration.record(ms / 1000, attributes);
    this.toolCallsPerExecution.record(toolCalls);
  }

  executionRefused(status: string): void {
    this.executions.add(1, this.named('atp.execution.status', status));
  }

  executionPaused(callbackTypes: readonly string[]): void {
    for (const type of callbackTypes) this.pauses.add(1, this.named('atp.callback.type', type));
  }

  toolCall(group: string, ms: number, errorKind?: string): void {
    this.toolDuration.record(ms / 1000, this.named('atp.group', group));
    if (errorKind !== undefined) this.toolErrors.add(1, { 'atp.group': group, 'error.type': errorKind });
  }

  upstreamRetry(group: string, reason: string): void {
    this.retries.add(1, { 'atp.group': group, 'atp.retry.reason': reason });
  }

  policyViolation(rule: string, action: string): void {
    this.violations.add(1, { 'atp.policy.rule': rule, 'atp.policy.action': action });
  }

  auditEventsLost(sink: string, events: number): void {
    this.auditLost.add(events, { 'atp.audit.sink': sink });
  }

  stateStore(operation: string, ms: number): void {
    this.storeDuration.record(ms / 1000, this.named('atp.store.operation', operation));
  }

  watch(source: GaugeSource): void {
    this.source = source;
    const meter = this.meter;
    const running = meter.createObservableGauge('atp.executions.running', { description: 'Executions running on this instance', unit: '{execution}', valueType: ValueType.INT });
    const queued = meter.createObservableGauge('atp.executions.queued', { description: 'Executions waiting for a slot (the queue)', unit: '{execution}', valueType: ValueType.INT });
    const paused = meter.createObservableGauge('atp.executions.paused', { description: 'Paused executions held live on this instance', unit: '{execution}', valueType: ValueType.INT });
    const warm = meter.createObservableGauge('atp.isolates.warm', { description: 'Warm isolates ready in the pool', unit: '{isolate}', valueType: ValueType.INT });
    const live = meter.createObservableGauge('atp.isolates.live', { description: 'Isolates alive: warm, running an execution, or held by a paused one', unit: '{isolate}', valueType: ValueType.INT });
    const built = meter.createObservableCounter('atp.isolates.built', { description: 'Isolates built since start', unit: '{isolate}', valueType: ValueType.INT });
    meter.addBatchObservableCallback((result) => {
      const executions = source.executions();
      const isolates = source.isolates();
      result.observe(running, executions.running);
      result.observe(queued, executions.queued);
      result.observe(paused, executions.paused);
      result.observe(warm, isolates.warm);
      result.observe(live, isolates.live);
      result.observe(built, isolates.built);
    }, [running, queued, paused, warm, live, built]);
  }

  /** Every metric now, in the Prometheus text format (GET /metrics); empty when Prometheus is not configured. */
  async scrape(): Promise<string> {
    if (!this.prometheus) return '';
    const { resourceMetrics, errors } = await this.prometheus.collect();
    for (const error of errors) this.options.logger.warn(`metrics: a metric could not be collected: ${(error as Error).message ?? String(error)}`);
    return this.serializer.serialize(resourceMetrics);
  }

  /** Pushes what was recorded since the last push (waiting at most a few seconds for the collector) and stops. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.provider.shutdown().then(() => true, () => true), // a failed push was logged by LoggedExporter
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), SHUTDOWN_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (!done) this.options.logger.warn(`telemetry: the collector did not take the last metrics within ${SHUTDOWN_TIMEOUT_MS} ms of shutdown; they are dropped`);
  }

  private named(key: string, value: string): Attributes {
    const id = `${key}\u0000${value}`;
    let attributes = this.attributes.get(id);
    if (!attributes) this.attributes.set(id, (attributes = Object.freeze({ [key]: value })));
    return attributes;
  }
}

/** Executions in flight per client, as a gauge built afresh at each collection: the top `top` by name, the others summed. */
class ClientsProducer implements MetricProducer {
  constructor(
    private readonly resource: Resource,
    private readonly version: string,
    private readonly top: number,
    private readonly source: () => GaugeSource | undefined,
  ) {}

  async collect(): Promise<CollectionResult> {
    const source = this.source();
    const ranked = source ? [...source.clients()].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]) : [];
    const time = millisToHrTime(Date.now());
    const point = (client: string, value: number) => ({ startTime: time, endTime: time, attributes: { 'atp.client.id': client }, value });
    const points = ranked.slice(0, this.top).map(([client, n]) => point(client, n));
    const rest = ranked.slice(this.top).reduce((sum, [, n]) => sum + n, 0);
    if (rest > 0) points.push(point('other', rest));
    const resourceMetrics: ResourceMetrics = {
      resource: this.resource,
      scopeMetrics: points.length === 0 ? [] : [{
        scope: { name: 'atp', version: this.version },
        metrics: [{
          descriptor: { name: 'atp.client.executions', description: `Executions in flight (running or waiting) of the ${this.top} busiest clients; the others as "other"`, unit: '{execution}', valueType: ValueType.INT },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.GAUGE,
          dataPoints: points,
        }],
      }],
    };
    return { resourceMetrics, errors: [] };
  }
}

/**
 * The OTLP exporter, with a failed push said in our log (what failed and what to check), not as a stack: once
 * for a run of failures for the same reason, and once more when pushes go through again.
 */
class LoggedExporter implements PushMetricExporter {
  private failing?: string;

  constructor(private readonly inner: OTLPMetricExporter, private readonly logger: Logger, private readonly endpoint: string) {}

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    this.inner.export(metrics, (result) => {
      const why = result.code === ExportResultCode.SUCCESS ? undefined : result.error?.message ?? 'no reason given';
      if (why !== undefined && why !== this.failing) {
        this.logger.warn(`telemetry: metrics could not be sent (${why}); check telemetry.metrics.otlp (or telemetry.endpoint) and that the collector is up; said once until it changes`, { endpoint: this.endpoint });
      } else if (why === undefined && this.failing !== undefined) {
        this.logger.info('telemetry: metrics are sent again', { endpoint: this.endpoint });
      }
      this.failing = why;
      done({ code: ExportResultCode.SUCCESS }); // reported above: not again through OpenTelemetry's global error handler
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return this.inner.selectAggregationTemporality(type);
  }
}

/** Where metrics are pushed: telemetry.metrics.otlp as a URL, or beside the traces for `true`; undefined when not pushed. */
export function otlpEndpoint(config: TelemetryConfig): string | undefined {
  const { otlp } = config.metrics;
  if (typeof otlp === 'string') return otlp;
  if (otlp !== true || !config.endpoint) return undefined;
  const url = new URL(config.endpoint);
  url.pathname = url.pathname.replace(/\/v1\/traces\/?$/, '/v1/metrics');
  return url.toString();
}

/** The endpoint as the log may show it: a user or password in the URL is left out. */
function withoutCredentials(endpoint: string): string {
  const url = new URL(endpoint);
  url.username = '';
  url.password = '';
  return url.toString();
}

/** The daemon's metrics, or undefined when `telemetry.metrics` pushes nothing and serves no /metrics (no cost then). */
export function createMetrics(config: TelemetryConfig, options: MetricsOptions): DaemonMetrics | undefined {
  if (!otlpEndpoint(config) && !config.metrics.prometheus) return undefined;
  return new DaemonMetrics(config, options);
}
