// Reading an OpenAPI document: bytes from a file or URL, their hash (the cache key), then JSON or YAML.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SpecBytes {
  /** Decoded only when the cache cannot answer: decoding 13 MB of UTF-8 costs more than hashing it. */
  bytes: Buffer;
  /** sha256 of the bytes, hex. */
  hash: string;
}

export function isHttpUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

/** A URL without credentials, query or fragment: safe to print. */
export function printableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export async function readSpec(spec: string, timeoutMs: number, signal?: AbortSignal): Promise<SpecBytes> {
  const bytes = isHttpUrl(spec) ? await fetchSpec(spec, timeoutMs, signal) : await readSpecFile(spec.startsWith('file:') ? fileURLToPath(spec) : spec);
  return { bytes, hash: createHash('sha256').update(bytes).digest('hex') };
}

async function readSpecFile(file: string): Promise<Buffer> {
  try {
    return readFileSync(file); // start-up only; one read instead of fs/promises' 512 KB chunks
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw new Error(`cannot read the spec ${file}: ${why}; check the spec path`);
  }
}

async function fetchSpec(url: string, timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
  const where = printableUrl(url);
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, headers: { accept: 'application/json, application/yaml, text/yaml, */*' } });
  } catch (error) {
    if (timeout.aborted) throw new Error(`cannot fetch the spec ${where}: no answer within ${timeoutMs} ms`);
    throw new Error(`cannot fetch the spec ${where}: ${networkReason(error)}; check the URL and that the server is up`);
  }
  if (!response.ok) throw new Error(`cannot fetch the spec ${where}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  return Buffer.from(await response.arrayBuffer());
}

/** A short reason for a failed fetch, from undici's cause (ECONNREFUSED, ENOTFOUND...). */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    UND_ERR_SOCKET: 'connection closed by the server',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  };
  if (code && known[code]) return known[code];
  return code ?? cause?.message ?? (error as Error).message;
}

/** JSON when it looks like JSON, else YAML; a syntax error names the line. */
export async function parseSpecText(text: string, where: string): Promise<unknown> {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error(`the spec ${where} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const { parseDocument } = await import('yaml');
  const document = parseDocument(text, { uniqueKeys: false });
  const first = document.errors[0];
  if (first) {
    const line = first.linePos?.[0];
    const position = line ? ` at line ${line.line}, column ${line.col}` : '';
    const reason = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new Error(`the spec ${where} is not valid YAML${position}: ${reason}`);
  }
  return document.toJS({ maxAliasCount: 10_000 });
}
