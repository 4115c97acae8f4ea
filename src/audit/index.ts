// The audit trail (config `audit`): events for executions, tool calls, logs and progress, redacted, to sinks.

export { Audit, createAudit, type AuditSubject, type ToolCallRecord, type ExecutionEndRecord } from './audit.js';
export { AuditRedactor, REDACTED } from './redact.js';
