// The audit trail (config `audit`): events for executions, tool calls, answers, policy decisions, logs and
// progress, redacted, versioned (schemas/audit-event.schema.json), to sinks that say when they fail.

export { AUDIT_EVENT_VERSION, Audit, createAudit, type AuditRefusal, type AuditSubject, type ToolCallRecord, type ExecutionEndRecord } from './audit.js';
export { AuditRedactor, REDACTED } from './redact.js';
