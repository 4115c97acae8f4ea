// Request bodies and responses by media type: which content type is used, how a body becomes input
// properties (flattened or under `body`), and the output schema of the first success response.

import { uniqueName } from '../../naming.js';
import type { BodyEncoding, BodyModel } from './model.js';
import { SchemaConverter, escapePointer, isObject, oneLine, type Schema } from './schemas.js';

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

export function buildBody(converter: SchemaConverter, rawBody: unknown, at: string, properties: Record<string, Schema>, required: string[], allOf: Schema[]): BodyModel | undefined {
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
  // readOnly properties are the server's to set (ids, timestamps): not asked for, though an answer has them.
  const properties = Object.fromEntries(Object.entries(target.properties as Record<string, Schema>).filter(([, property]) => !(isObject(property) && property.readOnly === true)));
  const required = Array.isArray(target.required) ? (target.required as string[]).filter((key) => key in properties) : [];
  const shape: FlatShape = { properties, required };
  const combinators = Object.fromEntries(['allOf', 'anyOf', 'oneOf'].filter((k) => Array.isArray(target[k])).map((k) => [k, (target as Obj)[k]]));
  if (Object.keys(combinators).length > 0) shape.combinators = combinators;
  return shape;
}

function decodeDefName(ref: string): string {
  return ref.slice('#/$defs/'.length).replace(/~1/g, '/').replace(/~0/g, '~');
}

export function outputSchema(converter: SchemaConverter, rawResponses: unknown, at: string): Schema | undefined {
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
