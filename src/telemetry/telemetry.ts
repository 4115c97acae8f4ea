// OpenTelemetry traces over OTLP/HTTP (config `telemetry`). Three kinds of span:
//   - one per HTTP request (SERVER), named by its route (`POST /api/resume/:executionId`), continuing the
//     W3C `traceparent` the client sent, if any;
//   - one per run of an execution under it: `atp.execute`, then `atp.resume` for each resume, so a paused
//     execution's runs link up through the client's requests even when another instance resumes it;
//   - one per tool call under the run: `execute_tool api.<group>.<fn>` (OpenTelemetry's GenAI naming), whose
//     W3C trace context (traceparent, tracestate) goes with the upstream request (OpenAPI, remote MCP);
//   - one per pause, `atp.pause`, from the pause to the resume that answered it, under the run that paused
//     (whose trace context is kept with the pause, so it joins up on whichever instance resumes), linked to that resume.
// Spans carry names, ids, statuses, error messages and timings, never a call's input or result or a
// request's headers, which may hold secrets. The tracer provider is ours alone (not registered globally);
// OpenTelemetry's diagnostics logger, which is global, is pointed at our log.

import { AsyncLocalStorage } from 'node:async_hooks';
import {
  diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, defaultTextMapGetter, defaultTextMapSetter, type Context, type Span, type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type Koa from 'koa';
import type { TelemetryConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';

/** Whose execution a span is about. */
export interface TraceSubject {
  executionId: string;
  clientId: string;
}

/** A tool call as traced: the function, its group and where it comes from. */
export interface TracedCall {
  /** `github.issues.create` */
  fn: string;
  group: string;
  kind: string;
  /** The name at the source: MCP tool name, operationId, export name. */
  source: string;
}

/** What ends a run's span: how the execution left the request (and, paused, the callbacks it waits for). */
export interface RunOutcome {
  status: string;
  error?: { message: string; code?: string };
  needsCallback?: { type: string; operation: string };
  needsCallbacks?: { type: string; operation: string }[];
}

/** A pause being answered: when it began, what it waited for, and the trace context of the run that paused. */
export interface AnsweredPause {
  seq: number;
  pausedAt: number;
  /** `llm.call`, `approval.request`... */
  callbacks: string[];
  /** The W3C traceparent of the run that paused; absent when it was not traced. */
  traceparent?: string;
}

/** A tool call's span: its W3C trace context for the upstream request, and its end. */
export interface ToolCallSpan {
  /** traceparent (and tracestate) headers. */
  context: Record<string, string>;
  end(error?: { message: string; code?: string }): void;
}

export interface TelemetryOptions {
  logger: Logger;
  version: string;
}

/** The longest shutdown waits for the collector to take what is still buffered. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

export class Telemetry {
  private readonly provider: TracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();
  /** The span of the HTTP request being handled: the parent of an execution run it starts. */
  private readonly requests = new AsyncLocalStorage<Span>();
  /** The span of each execution run in progress on this instance: the parent of its tool calls. */
  private readonly runs = new Map<string, Span>();

  private readonly logger: Logger;
  /** telemetry.endpoint as the log shows it. */
  private readonly endpoint: string;

  /**
   * OpenTelemetry's standard variables tune the batching (OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_MAX_QUEUE_SIZE,
   * OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BSP_EXPORT_TIMEOUT) and the exporter's timeout
   * (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT); the endpoint, headers and service name come from the config.
   */
  constructor(config: TelemetryConfig & { endpoint: string }, options: TelemetryOptions, env: NodeJS.ProcessEnv = process.env) {
    this.logger = options.logger;
    const exporter = new OTLPTraceExporter({ url: config.endpoint, headers: { ...config.headers } });
    const batching = {
      scheduledDelayMillis: positiveInteger(env.OTEL_BSP_SCHEDULE_DELAY),
      maxQueueSize: positiveInteger(env.OTEL_BSP_MAX_QUEUE_SIZE),
      maxExportBatchSize: positiveInteger(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
      exportTimeoutMillis: positiveInteger(env.OTEL_BSP_EXPORT_TIMEOUT),
    };
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': options.version }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
      spanProcessors: [new BatchSpanProcessor({ exporter, ...batching })],
    });
    this.tracer = this.provider.getTracer('atp', options.version);
    // the exporter reports a collector it cannot reach through OpenTelemetry's diagnostics: into our log,
    // without the stack trace OpenTelemetry serializes with a failed export
    const endpoint = (this.endpoint = withoutCredentials(config.endpoint));
    const warn = (message: string) => options.logger.warn(`telemetry: ${plainDiagnostic(message)}`, { endpoint });
    diag.setLogger({ error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  }

  /** Koa middleware: a span per request, in effect while the request is handled. */
  readonly middleware: Koa.Middleware = async (ctx, next) => {
    const parent = this.propagator.extract(ROOT_CONTEXT, ctx.headers, defaultTextMapGetter);
    // named by the method until the router knows the route: span names stay few, the path is an attribute
    const span = this.tracer.startSpan(ctx.method, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path, 'atp.request.id': String(ctx.state.requestId ?? '') },
    }, parent);
    try {
      await this.requests.run(span, next);
    } finally {
      const route = ctx.state.route as string | undefined;
      if (route) {
        span.updateName(`${ctx.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', ctx.status);
      if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };

  /** Runs `work` as if handling a request that continues `traceparent` (atp exec: the TRACEPARENT variable). */
  within<T>(traceparent: string | undefined, work: () => Promise<T>): Promise<T> {
    const parent = traceparent ? trace.getSpanContext(this.propagator.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter)) : undefined;
    return parent ? this.requests.run(trace.wrapSpanContext(parent), work) : work();
  }

  /** Traces one run of an execution (`execute` or `resume`); tool calls made meanwhile are its children. */
  async run<T extends RunOutcome>(subject: TraceSubject, kind: 'execute' | 'resume', work: () => Promise<T>): Promise<T> {
    const request = this.requests.getStore();
    const span = this.tracer.startSpan(`atp.${kind}`, {
      attributes: { 'atp.execution.id': subject.executionId, 'atp.client.id': subject.clientId },
    }, request ? trace.setSpan(ROOT_CONTEXT, request) : ROOT_CONTEXT);
    this.runs.set(subject.executionId, span);
    try {
      const outcome = await work();
      span.setAttribute('atp.execution.status', outcome.status);
      const waits = outcome.needsCallbacks ?? (outcome.needsCallback ? [outcome.needsCallback] : []);
      if (outcome.status === 'paused') span.setAttribute('atp.pause.callbacks', waits.map((callback) => `${callback.type}.${callback.operation}`));
      if (outcome.error) {
        if (outcome.error.code) span.setAttribute('error.type', outcome.error.code);
        if (outcome.status !== 'paused') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
      }
      return outcome;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      span.setAttribute('error.type', (error as Error).name);
      throw error;
    } finally {
      if (this.runs.get(subject.executionId) === span) this.runs.delete(subject.executionId);
      span.end();
    }
  }

  /** Traces one tool call under its execution's run; `end` is called once it settled. */
  toolCall(subject: TraceSubject, call: TracedCall): ToolCallSpan {
    const run = this.runs.get(subject.executionId);
    const span = this.tracer.startSpan(`execute_tool api.${call.fn}`, {
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': `api.${call.fn}`,
        'atp.group': call.group,
        'atp.group.kind': call.kind,
        'atp.tool.source': call.source,
        'atp.execution.id': subject.executionId,
      },
    }, run ? trace.setSpan(ROOT_CONTEXT, run) : ROOT_CONTEXT);
    return {
      context: this.headersOf(trace.setSpan(ROOT_CONTEXT, span)),
      end(error) {
        if (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          if (error.code) span.setAttribute('error.type', error.code);
        }
        span.end();
      },
    };
  }

  /** The W3C traceparent of an execution's run in progress here, kept with its pause; undefined when none. */
  traceparentOf(executionId: string): string | undefined {
    const run = this.runs.get(executionId);
    return run ? this.headersOf(trace.setSpan(ROOT_CONTEXT, run)).traceparent : undefined;
  }

  /**
   * A pause is being answered (call it under the resume's run): a span for the wait, from the pause to now, under
   * the run that paused, linked both ways with the resume's run.
   */
  pauseAnswered(subject: TraceSubject, pause: AnsweredPause): void {
    const resume = this.runs.get(subject.executionId);
    const paused = pause.traceparent ? this.propagator.extract(ROOT_CONTEXT, { traceparent: pause.traceparent }, defaultTextMapGetter) : undefined;
    const parent = paused ?? (resume ? trace.setSpan(ROOT_CONTEXT, resume) : ROOT_CONTEXT);
    const span = this.tracer.startSpan('atp.pause', {
      startTime: pause.pausedAt,
      attributes: { 'atp.execution.id': subject.executionId, 'atp.pause.seq': pause.seq, 'atp.pause.callbacks': pause.callbacks },
      ...(resume && paused && { links: [{ context: resume.spanContext() }] }),
    }, parent);
    if (resume && paused) resume.addLink({ context: span.spanContext() });
    span.end();
  }

  /** traceparent (and tracestate) of a context's span, as headers. */
  private headersOf(context: Context): Record<string, string> {
    const headers: Record<string, string> = {};
    this.propagator.inject(context, headers, defaultTextMapSetter);
    return headers;
  }

  /** Sends what is still buffered (waiting at most a few seconds for the collector) and stops. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.provider.shutdown().then(() => true, (error: Error) => {
        this.logger.warn(`telemetry: ${unsent(error.message)}`, { endpoint: this.endpoint });
        return true;
      }),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), SHUTDOWN_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (!done) this.logger.warn(`telemetry: the collector did not take the last spans within ${SHUTDOWN_TIMEOUT_MS} ms of shutdown; they are dropped`, { endpoint: this.endpoint });
  }
}

const unsent = (why: string): string => `spans could not be sent (${why}); check telemetry.endpoint and that the collector is up`;

/** OpenTelemetry reports a failed export as the error serialized to JSON: its message, and what to check. */
function plainDiagnostic(message: string): string {
  if (!message.startsWith('{')) return message;
  try {
    const error = JSON.parse(message) as { message?: unknown };
    if (typeof error.message === 'string') return unsent(error.message);
  } catch {
    // not JSON after all
  }
  return message;
}

/** The endpoint as the log may show it: a user or password in the URL is left out. */
function withoutCredentials(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return '[the configured endpoint]';
  }
}

/** A whole number above zero from an environment variable, else undefined (OpenTelemetry's default applies). */
function positiveInteger(text: string | undefined): number | undefined {
  const value = Number(text);
  return text && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** The daemon's tracing, or undefined when `telemetry.endpoint` is not set (tracing off, no cost). */
export function createTelemetry(config: TelemetryConfig, options: TelemetryOptions): Telemetry | undefined {
  if (!config.endpoint) return undefined;
  return new Telemetry({ ...config, endpoint: config.endpoint }, options);
}
