// console.*, atp.log.* and atp.progress: bounded here and again on the host; nothing reaches the client while
// a replay repeats what the program already did.

import { MathMax, MathMin, NumberCtor, defineProperty, g, isFinite, jsonStringify, safeString, truncate } from './intrinsics.js';
import { isLive } from './clock.js';
import { format } from './plain-data.js';
import { post } from './post.js';

let maxLogChars = 0;
let maxLogEntries = 1000;
let logCount = 0;
let logLimitNoticed = false;

export function setLogLimits(limits: { maxLogChars?: number; maxLogEntries?: number }): void {
  if (limits.maxLogChars !== undefined) maxLogChars = limits.maxLogChars;
  if (limits.maxLogEntries !== undefined) maxLogEntries = limits.maxLogEntries;
}

function emitLog(level: string, parts: any[], data?: unknown, hasData?: boolean): void {
  if (logCount >= maxLogEntries) {
    if (!logLimitNoticed && isLive()) post('logLimit');
    logLimitNoticed = true;
    return;
  }
  logCount++;
  if (!isLive()) return;
  let message = '';
  for (let i = 0; i < parts.length; i++) message += (i ? ' ' : '') + format(parts[i]);
  let dataText: string | undefined;
  if (hasData && data !== undefined) {
    try { dataText = jsonStringify(data); } catch { dataText = jsonStringify(format(data)); }
    if (typeof dataText === 'string') dataText = truncate(dataText, maxLogChars);
  }
  post('log', level, truncate(message, maxLogChars), dataText);
}

/** console.* as a global of this context: every method logs at a level. */
export function installConsole(): void {
  const makeConsole = (level: string) => function (...parts: any[]) { emitLog(level, parts); };
  const consoleObject: any = {
    log: makeConsole('info'), info: makeConsole('info'), debug: makeConsole('debug'), trace: makeConsole('debug'),
    warn: makeConsole('warn'), error: makeConsole('error'), dir: makeConsole('info'),
  };
  defineProperty(g, 'console', { value: consoleObject, writable: true, configurable: true });
}

/** atp.log.<level>(message, data?). */
export const logFor = (level: string) => function (message: unknown, data?: unknown) { emitLog(level, [message], data, arguments.length > 1); };

/** atp.progress.report({current, total, message}) or (message, fraction). */
export function reportProgress(first: unknown, second?: unknown): void {
  if (logCount >= maxLogEntries) return;
  logCount++;
  if (!isLive()) return;
  let event: any;
  if (first !== null && typeof first === 'object') {
    const o: any = first;
    const current = typeof o.current === 'number' && isFinite(o.current) ? o.current : undefined;
    const total = typeof o.total === 'number' && isFinite(o.total) ? o.total : undefined;
    event = { message: truncate(o.message === undefined ? '' : safeString(o.message), maxLogChars), current, total,
      fraction: current !== undefined && total ? MathMin(1, MathMax(0, current / total)) : undefined };
  } else {
    const fraction = NumberCtor(second);
    event = { message: truncate(first === undefined ? '' : safeString(first), maxLogChars), fraction: isFinite(fraction) ? MathMin(1, MathMax(0, fraction)) : undefined };
  }
  post('progress', event);
}
