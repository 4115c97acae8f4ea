// One input object to one HTTP request: path, query, header and cookie parameters serialised by their
// OpenAPI style, and the body encoded as its content type says.

import { ToolCallError } from '../../types.js';
import type { BodyModel, OperationModel, ParameterModel } from './model.js';

export interface HttpRequest {
  method: string;
  /** Without query string. */
  url: string;
  /** Encoded `name=value` pairs. */
  query: string[];
  headers: Record<string, string>;
  cookies: string[];
  body?: string | Buffer | FormData;
}

type Input = Record<string, unknown>;

/** Throws a ToolCallError (VALIDATION_FAILED) for values no request can carry safely. */
export function buildRequest(operation: OperationModel, baseUrl: string, input: Input, label: string): HttpRequest {
  const request: HttpRequest = { method: operation.method.toUpperCase(), url: '', query: [], headers: {}, cookies: [] };
  const pathValues = new Map<string, string>();
  for (const parameter of operation.parameters) {
    const value = input[parameter.key];
    if (value === undefined || value === null) continue;
    if (parameter.in === 'path') pathValues.set(parameter.name, pathValue(parameter, value));
    else if (parameter.in === 'query') request.query.push(...queryPairs(parameter, value));
    else if (parameter.in === 'header') {
      const header = headerValue(parameter, value);
      if (/[\r\n\0]/.test(header)) throw invalid(label, `"${parameter.key}" cannot contain line breaks`);
      request.headers[parameter.name.toLowerCase()] = header;
    }
    else request.cookies.push(`${parameter.name}=${encodeURIComponent(parameter.json ? JSON.stringify(value) : scalarList(value, ','))}`);
  }
  request.url = baseUrl.replace(/\/+$/, '') + routeWith(operation, pathValues, label);
  if (operation.body) encodeBody(operation.body, input, request);
  return request;
}

/**
 * The route with its parameters filled in, each segment checked as serialised: an empty segment or a dot
 * segment (`.`, `..`, in any case of %2E) would make the request reach another route, which URL parsing or
 * the upstream resolves (`DELETE /items/{id}` with an empty id is `DELETE /items/`; `['..']` is `..`).
 */
function routeWith(operation: OperationModel, values: Map<string, string>, label: string): string {
  let route = '';
  const segments = routeSegments(operation);
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s];
    if (s > 0) route += '/';
    if (typeof segment === 'string') {
      route += segment;
      continue;
    }
    const names: string[] = [];
    let filled = '';
    for (let i = 0; i < segment.length; i++) {
      if (i % 2 === 0) {
        filled += segment[i];
        continue;
      }
      const name = segment[i];
      const value = values.get(name);
      if (value === undefined) throw invalid(label, `the path parameter "${keyOf(operation, name)}" is required`);
      names.push(name);
      filled += value;
    }
    const dots = filled.replace(/%2e/gi, '.');
    if (filled === '' || dots === '.' || dots === '..') {
      const shown = filled === '' ? 'empty' : JSON.stringify(dots);
      const which = names.map((name) => `"${keyOf(operation, name)}"`).join(' and ');
      throw invalid(label, `the path parameter${names.length > 1 ? 's' : ''} ${which} make${names.length > 1 ? '' : 's'} the path segment ${shown}, which would reach another route; give a non-empty value that is not "." or ".."`);
    }
    route += filled;
  }
  return route;
}

const PATH_PARAMETER = /\{([^}]+)\}/;
const SEGMENTS = new WeakMap<OperationModel, (string | string[])[]>();

/**
 * The route split once per operation: a segment without parameters as it is, one with them as its literal
 * parts with the parameter names between them (odd indexes), as `split` with a capturing group gives them.
 */
function routeSegments(operation: OperationModel): (string | string[])[] {
  let segments = SEGMENTS.get(operation);
  if (!segments) {
    segments = operation.route.split('/').map((segment) => (segment.includes('{') ? segment.split(PATH_PARAMETER) : segment));
    SEGMENTS.set(operation, segments);
  }
  return segments;
}

function keyOf(operation: OperationModel, name: string): string {
  return operation.parameters.find((parameter) => parameter.in === 'path' && parameter.name === name)?.key ?? name;
}

function invalid(label: string, problem: string): ToolCallError {
  return new ToolCallError(`${label}: invalid input: ${problem}`, { code: 'VALIDATION_FAILED' });
}

function scalar(value: unknown): string {
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function scalarList(value: unknown, separator: string): string {
  return Array.isArray(value) ? value.map(scalar).join(separator) : scalar(value);
}

function pathValue(parameter: ParameterModel, value: unknown): string {
  if (parameter.json) return encodeURIComponent(JSON.stringify(value));
  const encode = (v: unknown) => encodeURIComponent(scalar(v));
  const joined = (separator: string) => {
    if (Array.isArray(value)) return value.map(encode).join(separator);
    if (typeof value === 'object' && value !== null) {
      return Object.entries(value).map(([k, v]) => (parameter.explode ? `${encodeURIComponent(k)}=${encode(v)}` : `${encodeURIComponent(k)},${encode(v)}`)).join(separator);
    }
    return encode(value);
  };
  if (parameter.style === 'label') return '.' + joined(parameter.explode ? '.' : ',');
  if (parameter.style === 'matrix') {
    if (Array.isArray(value) && parameter.explode) return value.map((v) => `;${parameter.name}=${encode(v)}`).join('');
    return `;${parameter.name}=${joined(',')}`;
  }
  return joined(',');
}

const RESERVED_KEPT = /%(3A|2F|3F|5B|5D|40|21|24|27|28|29|2A|2B|2C|3B)/gi;

function queryPairs(parameter: ParameterModel, value: unknown): string[] {
  const name = encodeURIComponent(parameter.name);
  const encode = (v: unknown) => {
    const encoded = encodeURIComponent(scalar(v));
    return parameter.allowReserved ? encoded.replace(RESERVED_KEPT, (m) => decodeURIComponent(m)) : encoded;
  };
  if (parameter.json) return [`${name}=${encodeURIComponent(JSON.stringify(value))}`];
  if (Array.isArray(value)) {
    if (parameter.style === 'spaceDelimited') return [`${name}=${value.map(encode).join('%20')}`];
    if (parameter.style === 'pipeDelimited') return [`${name}=${value.map(encode).join('|')}`];
    if (parameter.explode) return value.map((item) => `${name}=${encode(item)}`);
    return [`${name}=${value.map(encode).join(',')}`];
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
    if (parameter.style === 'deepObject') return entries.map(([k, v]) => `${name}%5B${encodeURIComponent(k)}%5D=${encode(v)}`);
    if (parameter.explode) return entries.map(([k, v]) => `${encodeURIComponent(k)}=${encode(v)}`);
    return [`${name}=${entries.map(([k, v]) => `${encodeURIComponent(k)},${encode(v)}`).join(',')}`];
  }
  return [`${name}=${encode(value)}`];
}

function headerValue(parameter: ParameterModel, value: unknown): string {
  if (parameter.json) return JSON.stringify(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value).map(([k, v]) => (parameter.explode ? `${k}=${scalar(v)}` : `${k},${scalar(v)}`)).join(',');
  }
  return scalarList(value, ',');
}

function bodyValue(body: BodyModel, input: Input): unknown {
  if (body.key !== undefined) return input[body.key];
  const out: Input = {};
  let any = false;
  for (const key of body.flatKeys ?? []) {
    if (input[key] === undefined) continue;
    out[key] = input[key];
    any = true;
  }
  return any ? out : undefined;
}

/** `{ base64, contentType?, filename? }`: how a sandbox passes bytes. */
interface BinaryValue { base64: string; contentType?: string; filename?: string }

function isBinaryValue(value: unknown): value is BinaryValue {
  return typeof value === 'object' && value !== null && typeof (value as BinaryValue).base64 === 'string';
}

function encodeBody(body: BodyModel, input: Input, request: HttpRequest): void {
  const value = bodyValue(body, input);
  if (value === undefined) return;
  const declared = body.contentType.includes('*') ? undefined : body.contentType;
  switch (body.encoding) {
    case 'json':
      request.body = JSON.stringify(value);
      request.headers['content-type'] = declared ?? 'application/json';
      return;
    case 'form': {
      const pairs: string[] = [];
      for (const [k, v] of Object.entries(value as Input)) {
        if (v === undefined || v === null) continue;
        for (const item of Array.isArray(v) ? v : [v]) pairs.push(`${encodeURIComponent(k)}=${encodeURIComponent(scalar(item))}`.replace(/%20/g, '+'));
      }
      request.body = pairs.join('&');
      request.headers['content-type'] = 'application/x-www-form-urlencoded';
      return;
    }
    case 'multipart': {
      const form = new FormData();
      for (const [k, v] of Object.entries(value as Input)) {
        if (v === undefined || v === null) continue;
        for (const item of Array.isArray(v) ? v : [v]) {
          if (isBinaryValue(item)) form.append(k, new Blob([Buffer.from(item.base64, 'base64')], { type: item.contentType ?? 'application/octet-stream' }), item.filename ?? k);
          else form.append(k, scalar(item));
        }
      }
      request.body = form; // fetch sets the multipart content type with its boundary
      return;
    }
    case 'text':
      request.body = scalar(value);
      request.headers['content-type'] = declared ?? 'text/plain';
      return;
    case 'binary':
      request.body = isBinaryValue(value) ? Buffer.from(value.base64, 'base64') : Buffer.from(scalar(value));
      request.headers['content-type'] = (isBinaryValue(value) ? value.contentType : undefined) ?? declared ?? 'application/octet-stream';
  }
}
