// From the `spec` of a group to its API model: read, hash, reuse the cached model or parse (JSON/YAML),
// bundle external $refs, convert Swagger 2.0, build the model and cache it.

import type { Logger } from '../../../logging/index.js';
import { fileVersion, hashByVersion, readCachedModel, writeCachedModel, writeVersionNote } from './cache.js';
import type { ApiModel } from './model.js';
import { buildApiModel } from './operations.js';
import { isObject } from './schemas.js';
import { isHttpUrl, parseSpecText, printableUrl, readSpec } from './source.js';
import { swaggerToOpenApi } from './swagger.js';

export interface ModelSource {
  spec: string;
  timeoutMs: number;
  /** Where models are cached; false turns the cache off. */
  cacheDir: string | false;
  logger: Logger;
  signal?: AbortSignal;
}

export interface LoadedModel {
  model: ApiModel;
  fromCache: boolean;
}

// A `$ref` whose value does not start with `#`, in JSON or YAML, quoted or not.
const EXTERNAL_REF = /["']?\$ref["']?\s*:\s*["']?(?!#)[^\s"'#]/;

export function specLabel(spec: string): string {
  return isHttpUrl(spec) ? printableUrl(spec) : spec;
}

export async function loadApiModel(source: ModelSource): Promise<LoadedModel> {
  const where = specLabel(source.spec);
  const file = isHttpUrl(source.spec) ? undefined : source.spec;
  // Taken before the read: if the file changes in between, the note records an old version and is never used.
  const version = file && source.cacheDir !== false ? fileVersion(file) : undefined;
  const unchanged = file && version && source.cacheDir !== false ? await modelOfVersion(source.cacheDir, file, version) : undefined;
  if (unchanged) return { model: unchanged, fromCache: true };
  const bytes = await readSpec(source.spec, source.timeoutMs, source.signal);
  // Only specs without external $refs are ever cached, so a hit needs no look at the text.
  if (source.cacheDir !== false) {
    const cached = await readCachedModel(source.cacheDir, bytes.hash);
    if (cached) {
      if (file && version) await writeVersionNote(source.cacheDir, file, version, bytes.hash).catch(() => {});
      return { model: cached, fromCache: true };
    }
  }
  let text = bytes.bytes.toString('utf8');
  bytes.bytes = Buffer.alloc(0); // the 13 MB of a big spec need not live while it is converted
  const external = EXTERNAL_REF.test(text);
  // A spec with external $refs depends on other files too: its own hash does not identify the result.
  const cacheable = source.cacheDir !== false && !external;
  let document = await parseSpecText(text, where);
  text = '';
  if (!isObject(document)) throw new Error(`the spec ${where} is not an OpenAPI document (its top level is not an object)`);
  const dialect = dialectOf(document, where);
  if (external) document = await bundle(source.spec, document, source.timeoutMs);
  const model = buildApiModel(dialect === '2.0' ? swaggerToOpenApi(document as Record<string, unknown>) : (document as Record<string, unknown>), dialect);
  if (cacheable) {
    try {
      await writeCachedModel(source.cacheDir as string, bytes.hash, model);
      if (file && version) await writeVersionNote(source.cacheDir as string, file, version, bytes.hash);
    } catch (error) {
      source.logger.warn('cannot write the spec cache; the next start will convert the spec again', { reason: (error as Error).message });
    }
  }
  return { model, fromCache: false };
}

/** The cached model of a spec file whose size, mtime and inode are those noted with the model. */
async function modelOfVersion(cacheDir: string, file: string, version: string): Promise<ApiModel | undefined> {
  const hash = hashByVersion(cacheDir, file, version);
  return hash ? readCachedModel(cacheDir, hash) : undefined;
}

function dialectOf(document: Record<string, unknown>, where: string): '2.0' | '3.0' | '3.1' {
  if (document.swagger !== undefined) {
    if (String(document.swagger).startsWith('2')) return '2.0';
    throw new Error(`the spec ${where} is Swagger ${String(document.swagger)}; only Swagger 2.0 and OpenAPI 3.x are supported`);
  }
  const version = typeof document.openapi === 'string' ? document.openapi : undefined;
  if (!version) throw new Error(`the spec ${where} is not an OpenAPI document: it has no "openapi" or "swagger" version field`);
  if (version.startsWith('3.0')) return '3.0';
  if (version.startsWith('3.')) return '3.1';
  throw new Error(`the spec ${where} is OpenAPI ${version}; only Swagger 2.0 and OpenAPI 3.x are supported`);
}

/** Inlines external $refs (files, URLs) into the document; internal ones stay as they are. */
async function bundle(spec: string, document: unknown, timeoutMs: number): Promise<unknown> {
  const { default: $RefParser } = await import('@apidevtools/json-schema-ref-parser');
  try {
    return await $RefParser.bundle(spec, document as object, { resolve: { http: { timeout: timeoutMs } } });
  } catch (error) {
    const [what, why] = (error as Error).message.split('\n').map((line) => line.trim());
    const reason = why?.startsWith('ENOENT') ? 'no such file' : why?.split(',')[0];
    throw new Error(`cannot resolve a $ref of the spec ${specLabel(spec)}: ${what}${reason ? ` (${reason})` : ''}`);
  }
}
