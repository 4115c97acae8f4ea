// Log and progress entries as the sandbox posts them, checked and bounded into the events the client gets.

import type { LogEvent, ProgressEvent } from './types.js';

const LEVELS: readonly LogEvent['level'][] = ['debug', 'info', 'warn', 'error'];

/** `data` arrives as JSON text; text that does not parse is kept as text. Strings are cut at `maxChars`. */
export function logEvent(level: unknown, message: unknown, data: unknown, maxChars: number): LogEvent {
  const event: LogEvent = {
    level: LEVELS.includes(level as LogEvent['level']) ? (level as LogEvent['level']) : 'info',
    message: typeof message === 'string' ? message.slice(0, maxChars) : '',
  };
  if (typeof data === 'string') {
    try {
      event.data = JSON.parse(data);
    } catch {
      event.data = data.slice(0, maxChars);
    }
  }
  return event;
}

/** Undefined for anything but an object; numbers that are not finite are left out, `fraction` kept in [0, 1]. */
export function progressEvent(raw: unknown, maxChars: number): ProgressEvent | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  const event: ProgressEvent = { message: typeof o.message === 'string' ? o.message.slice(0, maxChars) : '' };
  const fraction = finite(o.fraction);
  const current = finite(o.current);
  const total = finite(o.total);
  if (fraction !== undefined) event.fraction = Math.min(1, Math.max(0, fraction));
  if (current !== undefined) event.current = current;
  if (total !== undefined) event.total = total;
  return event;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
