// An execution's outcome as an MCP tool result: the value, the logs and the API calls it made; a failure is a
// result with isError and a message the model can act on (what happened, where in its code, what to do).

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ExecutionResult, LogEvent } from '../execution/index.js';
import type { ToolCallCount } from './tool-calls.js';

/** Logs kept for the result: the notifications carry them all as they happen. */
const MAX_LOGS = 100;
const MAX_LOG_CHARS = 500;

export class LogBook {
  readonly lines: string[] = [];
  private dropped = 0;

  add(event: LogEvent): void {
    if (this.lines.length >= MAX_LOGS) {
      this.dropped++;
      return;
    }
    const data = event.data === undefined ? '' : ` ${JSON.stringify(event.data)}`;
    const line = `[${event.level}] ${event.message}${data}`;
    this.lines.push(line.length > MAX_LOG_CHARS ? `${line.slice(0, MAX_LOG_CHARS)}…` : line);
  }

  list(): string[] {
    return this.dropped > 0 ? [...this.lines, `(${this.dropped} more log lines left out)`] : [...this.lines];
  }
}

export function executionToolResult(result: ExecutionResult, logs: string[], toolCalls: ToolCallCount[]): CallToolResult {
  if (result.status === 'completed') {
    const value = result.result === undefined ? null : result.result;
    const structured = { result: value, logs, toolCalls };
    return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
  }
  const error = result.error;
  const lines = [`${result.status}${error?.code ? ` (${error.code})` : ''}: ${error?.message ?? 'the execution ended without details'}`];
  if (error?.stack) lines.push(...error.stack.split('\n').slice(1).map((frame) => frame.trimEnd()));
  else if (error?.line !== undefined) lines.push(`    at agent.ts:${error.line}:${error.column ?? 1}`);
  const hint = error?.suggestion ?? HINTS[result.status];
  if (hint) lines.push(`hint: ${hint}`);
  if (error?.authorizationUrl) lines.push(`sign in at: ${error.authorizationUrl}`);
  if (logs.length > 0) lines.push('logs:', ...logs.map((line) => `  ${line}`));
  if (toolCalls.length > 0) lines.push(`API calls made: ${toolCalls.map((call) => `${call.name} x${call.count}`).join(', ')}`);
  return { content: [{ type: 'text', text: lines.join('\n') }], isError: true };
}

const HINTS: Partial<Record<ExecutionResult['status'], string>> = {
  timeout: 'do less per run (fewer or smaller calls, a page at a time), or run the independent calls together with Promise.all',
  memory_exceeded: 'keep less in memory: ask the APIs for less (a page, a filter), and return only what you need',
  security_violation: 'a policy of this server stopped the code; do not retry the same call: tell the user what was refused and why',
  llm_calls_exceeded: 'make fewer atp.llm calls (batch the prompts into one)',
  parse_error: 'fix the syntax: the code is the body of an async function (no imports, no top-level export)',
  rate_limited: 'the server is busy; retry in a moment',
  loop_detected: 'the code repeated the same call without progress; change the approach',
};

/** A tool's failure before any code ran (bad input, the server shutting down). */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}
