// The audit trail: what each execution did, one event per step, to every configured sink. Events are
// built only when a sink exists (createAudit returns undefined otherwise), redacted before they leave,
// and bounded in size: an input or result past MAX_FIELD_CHARS of JSON is recorded by its size alone.
// Every event has the shape schemas/audit-event.schema.json gives, version AUDIT_EVENT_VERSION (`v`).

import os from 'node:os';
import type { Config } from '../config/index.js';
import { secretsOf, type Secrets } from '../secrets/index.js';
import type { Metrics } from '../telemetry/index.js';
import { answerEvents, type AnsweredCallback } from './answers.js';
import { reasonOf } from './health.js';
import { AuditRedactor } from './redact.js';
import { openSink, type AuditSink, type SinkOptions } from './sinks.js';

const MAX_FIELD_CHARS = 16_384;
/** The `v` of every event; raised when a field changes meaning or goes away (new fields and events keep it). */
export const AUDIT_EVENT_VERSION = 1;

/** Who and which execution an event is about. */
export interface AuditSubject { executionId: string; clientId: string }

/** How an execution is refused or failed when audit.onFailure is reject and the trail cannot be written. */
export interface AuditRefusal {
  status: 'failed';
  error: { message: string; code: 'AUDIT_FAILED'; retryable: true };
}

export interface AuditOptions {
  includeInputs: boolean;
  includeResults: boolean;
  /** reject: executions wait for their events to be written, and are refused while a sink fails. */
  onFailure: 'reject' | 'continue';
  /** Names this process in every event: audit.instanceId, else <hostname>:<pid>. */
  instance: string;
}

export interface ToolCallRecord {
  /** `github.issues.create` */
  function: string;
  group: string;
  kind: string;
  /** The name at the source: MCP tool name, operationId, export name. */
  source: string;
  ms: number;
  input: unknown;
  /** Set when the call succeeded. */
  result?: unknown;
  error?: { message: string; code?: string; status?: number };
}

export interface ExecutionEndRecord {
  status: string;
  ms: number;
  llmCalls: number;
  approvals: number;
  result?: unknown;
  error?: { message: string; code?: string };
}

export class Audit {
  private readonly redactor: AuditRedactor;
  private readonly rejecting: boolean;

  constructor(private readonly sinks: AuditSink[], private readonly options: AuditOptions, redactor: AuditRedactor) {
    this.redactor = redactor;
    this.rejecting = options.onFailure === 'reject';
  }

  /** Losses are counted in these metrics (atp.audit.events_lost, by sink type). */
  countLossesIn(metrics: Metrics): void {
    for (const sink of this.sinks) sink.health.metrics = metrics;
  }

  /**
   * With onFailure reject, resolves once the start event is written by every sink, or with the refusal the
   * execution gets instead of running; with continue, undefined at once.
   */
  executionStarted(subject: AuditSubject, code: string): Promise<AuditRefusal | undefined> | undefined {
    const line = this.line('execution.start', subject, { codeChars: code.length, ...(this.options.includeInputs && { code }) });
    if (!this.rejecting) {
      this.send(line);
      return undefined;
    }
    return Promise.all(this.sinks.map((sink) => sink.written(line))).then(
      () => undefined,
      (error: unknown) => refusal(`its start could not be recorded (${reasonOf(error)}), so the code did not run`),
    );
  }

  /** With onFailure reject, the refusal a resume gets while a sink fails (the pause stays, to be answered again). */
  refusal(): AuditRefusal | undefined {
    if (!this.rejecting) return undefined;
    const failing = this.sinks.find((sink) => sink.health.failure !== undefined);
    return failing && refusal(`the audit sink ${failing.health.kind} fails (${failing.health.failure}), so this step was not taken`);
  }

  /**
   * `live`: its isolate was paused here; `replay`: rebuilt from the journal in the state store. `answered`:
   * the callbacks of the pause with the client's answers (call id to value), each recorded as llm.answer,
   * approval.decision or callback.answer; `apiKeyId`: the identity of the API key the answering session was
   * opened with (apiKeyIdentity), when the caller knows it.
   */
  executionResumed(subject: AuditSubject, mode: 'live' | 'replay', answered?: { callbacks: readonly AnsweredCallback[]; values: ReadonlyMap<number, unknown>; apiKeyId?: string }): void {
    this.emit('execution.resume', subject, { mode });
    if (!answered) return;
    const field = (name: string, value: unknown, wanted: boolean) => this.field(name, value, wanted);
    for (const [event, fields] of answerEvents(answered.callbacks, answered.values, subject, this.options.includeResults, field, answered.apiKeyId)) {
      this.emit(event, subject, fields);
    }
  }

  /** Who ended an execution before it finished (a client's cancel), and why. */
  executionCancelled(subject: AuditSubject, record: { by: string; reason?: string }): void {
    this.emit('execution.cancel', subject, record);
  }

  /** The callbacks the execution waits for: the client's LLM, approval, embedding or tool. */
  executionPaused(subject: AuditSubject, callbacks: { id?: string; type: string; operation: string; payload: unknown }[]): void {
    this.emit('execution.pause', subject, {
      callbacks: callbacks.map(({ id, type, operation, payload }) => ({ ...(id !== undefined && { id }), type, operation, ...this.field('payload', payload, this.options.includeInputs) })),
    });
  }

  executionEnded(subject: AuditSubject, record: ExecutionEndRecord): void {
    const { result, ...rest } = record;
    this.emit('execution.end', subject, { ...rest, ...this.field('result', result, this.options.includeResults && result !== undefined) });
  }

  toolCall(subject: AuditSubject, record: ToolCallRecord): void {
    const { input, result, ...rest } = record;
    this.emit('tool.call', subject, {
      ...rest,
      outcome: record.error ? 'error' : 'ok',
      ...this.field('input', input, this.options.includeInputs),
      ...this.field('result', result, this.options.includeResults && !record.error),
    });
  }

  /**
   * A policy decision: `violation` (a data-flow rule broken, and what was done), `approval` (a person's answer
   * to a call a rule held), `sensitive_access` (restricted data read), `gated` (a call held for a person's
   * approval by requireApproval), `denied` (a call refused by the execution's allowedApis or allowLLMCalls).
   */
  policy(subject: AuditSubject, record: { event: 'violation' | 'approval' | 'sensitive_access' | 'gated' | 'denied'; function: string; [field: string]: unknown }): void {
    const { event, ...rest } = record;
    this.emit(`policy.${event}`, subject, rest);
  }

  /** atp.log and atp.progress from the agent's code. */
  output(subject: AuditSubject, kind: 'log' | 'progress', event: object): void {
    this.emit(`execution.${kind}`, subject, event as Record<string, unknown>);
  }

  /** Events not written since start, over all sinks. */
  get lost(): number {
    return this.sinks.reduce((sum, sink) => sum + sink.health.lost, 0);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.sinks.map((sink) => sink.close()));
  }

  private field(name: string, value: unknown, wanted: boolean): Record<string, unknown> {
    if (!wanted) return {};
    const text = JSON.stringify(value ?? null);
    if (text.length > MAX_FIELD_CHARS) return { [`${name}Chars`]: text.length };
    return { [name]: value ?? null };
  }

  private emit(event: string, subject: AuditSubject, fields: Record<string, unknown>): void {
    this.send(this.line(event, subject, fields));
  }

  private line(event: string, subject: AuditSubject, fields: Record<string, unknown>): string {
    const { instance } = this.options;
    return JSON.stringify(this.redactor.value({ v: AUDIT_EVENT_VERSION, time: new Date().toISOString(), event, instance, executionId: subject.executionId, clientId: subject.clientId, ...fields }));
  }

  private send(line: string): void {
    for (const sink of this.sinks) sink.write(line);
  }
}

function refusal(what: string): AuditRefusal {
  return {
    status: 'failed',
    error: { message: `the audit trail cannot be written: ${what}; retry once it writes again, or set audit.onFailure: continue`, code: 'AUDIT_FAILED', retryable: true },
  };
}

/** The audit trail the config asks for, or undefined when it names no sink. Throws if a sink cannot be opened. */
/** `secrets`: the process's set, so tokens fetched later are masked too (default: the config's). */
export function createAudit(config: Config, options: SinkOptions & { secrets?: Secrets }): Audit | undefined {
  const { sinks, includeInputs, includeResults, redact, instanceId } = config.audit;
  const onFailure = config.audit.onFailure ?? 'continue';
  if (sinks.length === 0) return undefined;
  const opened: AuditSink[] = [];
  try {
    for (const sink of sinks) opened.push(openSink(sink, { ...options, onFailure }));
  } catch (error) {
    void Promise.allSettled(opened.map((sink) => sink.close()));
    throw error;
  }
  const instance = instanceId ?? `${os.hostname()}:${process.pid}`;
  return new Audit(opened, { includeInputs, includeResults, onFailure, instance }, new AuditRedactor(options.secrets ?? secretsOf(config).secrets, redact ?? []));
}
