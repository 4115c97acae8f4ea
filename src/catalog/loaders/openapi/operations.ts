// From an OpenAPI 3.x document (Swagger 2.0 is converted first) to the API model: one entry per operation
// with its name, how to build its request, and one merged input schema. The model is plain JSON, so it is
// what the cache stores.

import { uniqueName } from '../../naming.js';
import { assignOperationPaths } from './naming.js';
import { SchemaConverter, escapePointer, isObject, oneLine, refsIn, type Schema } from './schemas.js';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

export interface ParameterModel {
  /** The property of the input object. */
  key: string;
  name: string;
  in: ParameterLocation;
  style: string;
  explode: boolean;
  allowReserved?: boolean;
  /** Declared with `content` rather than `schema`: sent as JSON text. */
  json?: boolean;
}

export type BodyEncoding = 'json' | 'form' | 'multipart' | 'text' | 'binary';

export interface BodyModel {
  contentType: string;
  encoding: BodyEncoding;
  /** The body's properties are top-level input properties (listed); otherwise the body is input[key]. */
  flatKeys?: string[];
  key?: string;
}

export interface ServerModel {
  url: string;
  variables?: Record<string, { default?: string; enum?: string[] }>;
}

export interface OperationModel {
  path: string[];
  /** operationId, or `METHOD /route` when there is none. */
  sourceName: string;
  operationId?: string;
  method: string;
  route: string;
  servers?: ServerModel[];
  description: string;
  tags: string[];
  deprecated?: boolean;
  parameters: ParameterModel[];
  body?: BodyModel;
  input: Schema;
  output?: Schema;
  /** The shared schemas input and output reference directly (names under defs). */
  inputRefs?: string[];
  outputRefs?: string[];
}

export interface ApiModel {
  title?: string;
  description?: string;
  servers: ServerModel[];
  defs: Record<string, Schema>;
  operations: OperationModel[];
}

type Obj = Record<string, unknown>;

/** What a binary response becomes in the sandbox. */
export const BINARY_RESULT_SCHEMA: Schema = {
  type: 'object',
  description: 'a binary response',
  properties: { contentType: { type: 'string' }, size: { type: 'integer' }, base64: { type: 'string' } },
  required: ['contentType', 'size', 'base64'],
};

/** Bytes in a request: text as is, or base64 with an optional content type and file name. */
export const BINARY_INPUT_SCHEMA: Schema = {
  anyOf: [
    { type: 'string' },
    { type: 'object', properties: { base64: { type: 'string' }, contentType: { type: 'string' }, filename: { type: 'string' } }, required: ['base64'], additionalProperties: false },
  ],
};

export function buildApiModel(document: Obj, dialect: '2.0' | '3.0' | '3.1'): ApiModel {
  const converter = new SchemaConverter(document, dialect);
  const found: Omit<OperationModel, 'path'>[] = [];
  const paths = isObject(document.paths) ? document.paths : {};
  for (const [route, rawItem] of Object.entries(paths)) {
    const itemAt = `#/paths/${escapePointer(route)}`;
    const item = converter.resolve<Obj>(rawItem, itemAt);
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      found.push(buildOperation(converter, route, method, item, operation, `${itemAt}/${method}`));
    }
  }
  const names = assignOperationPaths(found.map((op) => ({ operationId: op.operationId, method: op.method, path: op.route })));
  const info = isObject(document.info) ? document.info : {};
  return {
    title: typeof info.title === 'string' ? info.title : undefined,
    description: oneLine(info.description),
    servers: servers(document.servers) ?? [],
    defs: converter.defs,
    operations: found.map((op, i) => ({ path: names[i], ...op })),
  };
}

function buildOperation(converter: SchemaConverter, route: string, method: string, item: Obj, operation: Obj, at: string): Omit<OperationModel, 'path'> {
  const operationId = typeof operation.operationId === 'string' && operation.operationId.trim() ? operation.operationId.trim() : undefined;
  const deprecated = operation.deprecated === true;
  const summary = oneLine(operation.summary) ?? oneLine(operation.description) ?? `${method.toUpperCase()} ${route}`;
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  const parameters = collectParameters(converter, item.parameters, operation.parameters, at).map(({ parameter, schema, required: needed }) => {
    properties[parameter.key] = schema;
    if (needed) required.push(parameter.key);
    return parameter;
  });
  const allOf: Schema[] = [];
  const body = buildBody(converter, operation.requestBody, `${at}/requestBody`, properties, required, allOf);
  const input: Obj = { type: 'object', properties, additionalProperties: false };
  if (required.length > 0) input.required = required;
  if (allOf.length > 0) input.allOf = allOf;
  const model: Omit<OperationModel, 'path'> = {
    sourceName: operationId ?? `${method.toUpperCase()} ${route}`,
    method,
    route,
    description: (summary.replace(/\.$/, '') + (deprecated ? ' (deprecated)' : '')).trim(),
    tags: Array.isArray(operation.tags) ? operation.tags.filter((t): t is string => typeof t === 'string') : [],
    parameters,
    input,
  };
  if (operationId) model.operationId = operationId;
  if (deprecated) model.deprecated = true;
  const opServers = servers(operation.servers) ?? servers(item.servers);
  if (opServers) model.servers = opServers;
  if (body) model.body = body;
  const output = outputSchema(converter, operation.responses, `${at}/responses`);
  if (output !== undefined) model.output = output;
  const inputRefs = refsIn(input);
  if (inputRefs.length > 0) model.inputRefs = inputRefs;
  const outputRefs = output === undefined ? [] : refsIn(output);
  if (outputRefs.length > 0) model.outputRefs = outputRefs;
  return model;
}

interface CollectedParameter { parameter: ParameterModel; schema: Schema; required: boolean }

function collectParameters(converter: SchemaConverter, pathLevel: unknown, operationLevel: unknown, at: string): CollectedParameter[] {
  const byLocation = new Map<string, { raw: Obj; at: string }>();
  const add = (list: unknown, listAt: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((entry, i) => {
      const raw = converter.resolve<Obj>(entry, `${listAt}/${i}`);
      if (isObject(raw) && typeof raw.name === 'string' && typeof raw.in === 'string') byLocation.set(`${raw.in}:${raw.name}`, { raw, at: `${listAt}/${i}` });
    });
  };
  add(pathLevel, `${at.slice(0, at.lastIndexOf('/'))}/parameters`);
  add(operationLevel, `${at}/parameters`);
  const keys = new Set<string>();
  const out: CollectedParameter[] = [];
  for (const { raw, at: paramAt } of byLocation.values()) {
    const location = raw.in as string;
    if (location !== 'path' && location !== 'query' && location !== 'header' && location !== 'cookie') continue;
    const name = raw.name as string;
    const key = uniqueName(keys.has(name) ? `${name}_${location}` : name, keys);
    const style = typeof raw.style === 'string' ? raw.style : location === 'query' || location === 'cookie' ? 'form' : 'simple';
    const parameter: ParameterModel = { key, name, in: location, style, explode: typeof raw.explode === 'boolean' ? raw.explode : style === 'form' };
    if (raw.allowReserved === true) parameter.allowReserved = true;
    let schemaSource = raw.schema;
    if (schemaSource === undefined && isObject(raw.content)) {
      const media = Object.values(raw.content)[0];
      schemaSource = isObject(media) ? media.schema : undefined;
      parameter.json = true;
    }
    const converted = converter.convert(schemaSource ?? {}, `${paramAt}/schema`);
    const description = oneLine(raw.description);
    const schema = description && isObject(converted) ? { ...converted, description } : converted;
    out.push({ parameter, schema, required: location === 'path' || raw.required === true });
  }
  return out;
}

const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json\b|^\*\/\*$/i;

function pickMedia(content: Obj): [string, Obj] | undefined {
  const entries = Object.entries(content).filter((entry): entry is [string, Obj] => isObject(entry[1]));
  const order = [JSON_MEDIA, /^application\/x-www-form-urlencoded/i, /^multipart\/form-data/i, /^text\//i, /./];
  for (const pattern of order) {
    const hit = entries.find(([type]) => pattern.test(type));
    if (hit) return hit;
  }
  return undefined;
}

function encodingOf(contentType: string): BodyEncoding {
  if (JSON_MEDIA.test(contentType)) return 'json';
  if (/^application\/x-www-form-urlencoded/i.test(contentType)) return 'form';
  if (/^multipart\//i.test(contentType)) return 'multipart';
  if (/^text\/|\/xml\b|\+xml\b/i.test(contentType)) return 'text';
  return 'binary';
}

function buildBody(converter: SchemaConverter, rawBody: unknown, at: string, properties: Record<string, Schema>, required: string[], allOf: Schema[]): BodyModel | undefined {
  const body = converter.resolve<Obj>(rawBody, at);
  if (!isObject(body) || !isObject(body.content)) return undefined;
  const media = pickMedia(body.content);
  if (!media) return undefined;
  const [contentType, mediaObject] = media;
  const encoding = encodingOf(contentType);
  const converted = converter.convert(mediaObject.schema ?? (encoding === 'json' ? {} : { type: 'string' }), `${at}/content/${escapePointer(contentType)}/schema`);
  const schema = encoding === 'binary' ? BINARY_INPUT_SCHEMA : converted;
  const bodyRequired = body.required === true;
  const shape = encoding === 'json' || encoding === 'form' || encoding === 'multipart' ? flatShape(converter, schema) : undefined;
  if (shape && Object.keys(shape.properties).every((key) => !(key in properties))) {
    for (const [key, property] of Object.entries(shape.properties)) properties[key] = encoding === 'multipart' && isBinaryString(property) ? BINARY_INPUT_SCHEMA : property;
    if (bodyRequired) required.push(...shape.required);
    if (shape.combinators) allOf.push(shape.combinators);
    return { contentType, encoding, flatKeys: Object.keys(shape.properties) };
  }
  const key = uniqueName('body', new Set(Object.keys(properties)));
  const description = oneLine(body.description);
  properties[key] = description && isObject(schema) ? { ...schema, description } : schema;
  if (bodyRequired) required.push(key);
  return { contentType, encoding, key };
}

function isBinaryString(schema: Schema): boolean {
  return isObject(schema) && schema.type === 'string' && (schema.format === 'binary' || schema.format === 'byte');
}

interface FlatShape { properties: Record<string, Schema>; required: string[]; combinators?: Schema }

/** An object body whose properties can be top-level input properties; undefined when it has open-ended keys. */
function flatShape(converter: SchemaConverter, schema: Schema): FlatShape | undefined {
  let target = schema;
  for (let hops = 0; isObject(target) && typeof target.$ref === 'string' && hops < 32; hops++) {
    target = converter.defs[decodeDefName(target.$ref)] ?? {};
  }
  if (!isObject(target) || !isObject(target.properties) || Object.keys(target.properties).length === 0) return undefined;
  if (target.type !== undefined && target.type !== 'object') return undefined;
  if (target.additionalProperties !== undefined && target.additionalProperties !== false) return undefined;
  if (target.patternProperties !== undefined) return undefined;
  const shape: FlatShape = { properties: target.properties as Record<string, Schema>, required: Array.isArray(target.required) ? (target.required as string[]) : [] };
  const combinators = Object.fromEntries(['allOf', 'anyOf', 'oneOf'].filter((k) => Array.isArray(target[k])).map((k) => [k, (target as Obj)[k]]));
  if (Object.keys(combinators).length > 0) shape.combinators = combinators;
  return shape;
}

function decodeDefName(ref: string): string {
  return ref.slice('#/$defs/'.length).replace(/~1/g, '/').replace(/~0/g, '~');
}

function outputSchema(converter: SchemaConverter, rawResponses: unknown, at: string): Schema | undefined {
  if (!isObject(rawResponses)) return undefined;
  const codes = Object.keys(rawResponses);
  const success = codes.filter((code) => /^2(\d\d|XX)$/i.test(code)).sort();
  const chosen = success.length > 0 ? success : codes.filter((code) => code === 'default');
  let sawEmpty = false;
  for (const code of chosen) {
    const response = converter.resolve<Obj>(rawResponses[code], `${at}/${code}`);
    if (!isObject(response)) continue;
    const content = isObject(response.content) ? response.content : undefined;
    const media = content ? pickMedia(content) : undefined;
    if (!media) {
      sawEmpty = true;
      continue;
    }
    const [contentType, mediaObject] = media;
    const encoding = encodingOf(contentType);
    if (encoding === 'json') return mediaObject.schema === undefined ? {} : converter.convert(mediaObject.schema, `${at}/${code}/content/${escapePointer(contentType)}/schema`);
    if (encoding === 'text' || encoding === 'form') return { type: 'string' };
    return BINARY_RESULT_SCHEMA;
  }
  return sawEmpty && success.length > 0 ? { type: 'null' } : undefined;
}

function servers(value: unknown): ServerModel[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const list = value.filter(isObject).filter((s) => typeof s.url === 'string').map((s): ServerModel => {
    const server: ServerModel = { url: s.url as string };
    if (isObject(s.variables)) {
      server.variables = Object.fromEntries(Object.entries(s.variables).filter(([, v]) => isObject(v)).map(([name, v]) => {
        const variable = v as Obj;
        return [name, {
          ...(variable.default !== undefined && { default: String(variable.default) }),
          ...(Array.isArray(variable.enum) && { enum: variable.enum.map(String) }),
        }];
      }));
    }
    return server;
  });
  return list.length > 0 ? list : undefined;
}
