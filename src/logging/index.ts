// The daemon's own log on stderr: text for people, JSON lines for collectors. Every secret the process holds
// is masked in messages and fields, whoever wrote them (an MCP server's stderr, an upstream's error text).

import type { LogLevel } from '../config/index.js';
import type { Secrets } from '../secrets/index.js';

const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 };

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  trace(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level: LogLevel;
  format: 'text' | 'json';
  write?: (line: string) => void;
  /** Masked out of every line; the set may grow after the logger is made (fetched tokens). */
  secrets?: Secrets;
}

export function createLogger(options: LoggerOptions, bound: Record<string, unknown> = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const secrets = options.secrets;
  const enabled = (level: LogLevel) => level !== 'silent' && RANK[level] <= RANK[options.level];
  const emit = (level: Exclude<LogLevel, 'silent'>) => (message: string, fields: Record<string, unknown> = {}) => {
    if (!enabled(level)) return;
    const all = { ...bound, ...fields };
    if (options.format === 'json') {
      const line = JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...all });
      // masked in the values, not the text, so the line stays JSON whatever the secret looks like
      write(secrets?.test(line) ? JSON.stringify(secrets.maskValue(JSON.parse(line))) : line);
      return;
    }
    const extras = Object.entries(all).map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
    const line = `${level.padEnd(5)} ${message}${extras.length ? ' ' + extras.join(' ') : ''}`;
    write(secrets ? secrets.mask(line) : line);
  };
  return {
    error: emit('error'), warn: emit('warn'), info: emit('info'), debug: emit('debug'), trace: emit('trace'),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
    enabled,
  };
}
