// The audit trail: what each execution did, one event per step, to every configured sink. Events are
// built only when a sink exists (createAudit returns undefined otherwise), redacted before they leave,
// and bounded in size: an input or result past MAX_FIELD_CHARS of JSON is recorded by its size alone.

import type { Config } from '../config/index.js';
import { secretsOf, type Secrets } from '../secrets/index.js';
import { AuditRedactor } from './redact.js';
import { openSink, type AuditSink, type SinkOptions } from './sinks.js';

const MAX_FIELD_CHARS = 16_384;

/** Who and which execution an event is about. */
export interface AuditSubject { executionId: string; clientId: string }

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

  constructor(private readonly sinks: AuditSink[], private readonly options: { includeInputs: boolean; includeResults: boolean }, redactor: AuditRedactor) {
    this.redactor = redactor;
  }

  executionStarted(subject: AuditSubject, code: string): void {
    this.emit('execution.start', subject, { codeChars: code.length, ...(this.options.includeInputs && { code }) });
  }

  /** `live`: its isolate was paused here; `replay`: rebuilt from the journal in the state store. */
  executionResumed(subject: AuditSubject, mode: 'live' | 'replay'): void {
    this.emit('execution.resume', subject, { mode });
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
   * A data-flow event (policies.sources and policies.rules): `violation` (a rule broken, and what was done),
   * `approval` (a person's answer to a call a rule held), `sensitive_access` (restricted data read).
   */
  policy(subject: AuditSubject, record: { event: 'violation' | 'approval' | 'sensitive_access'; function: string; [field: string]: unknown }): void {
    const { event, ...rest } = record;
    this.emit(`policy.${event}`, subject, rest);
  }

  /** atp.log and atp.progress from the agent's code. */
  output(subject: AuditSubject, kind: 'log' | 'progress', event: object): void {
    this.emit(`execution.${kind}`, subject, event as Record<string, unknown>);
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
    const record = this.redactor.value({ time: new Date().toISOString(), event, executionId: subject.executionId, clientId: subject.clientId, ...fields });
    const line = JSON.stringify(record);
    for (const sink of this.sinks) sink.write(line);
  }
}

/** The audit trail the config asks for, or undefined when it names no sink. Throws if a sink cannot be opened. */
/** `secrets`: the process's set, so tokens fetched later are masked too (default: the config's). */
export function createAudit(config: Config, options: SinkOptions & { secrets?: Secrets }): Audit | undefined {
  const { sinks, includeInputs, includeResults, redact } = config.audit;
  if (sinks.length === 0) return undefined;
  const opened: AuditSink[] = [];
  try {
    for (const sink of sinks) opened.push(openSink(sink, options));
  } catch (error) {
    void Promise.allSettled(opened.map((sink) => sink.close()));
    throw error;
  }
  return new Audit(opened, { includeInputs, includeResults }, new AuditRedactor(options.secrets ?? secretsOf(config).secrets, redact ?? []));
}
