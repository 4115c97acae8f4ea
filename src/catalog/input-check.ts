// Input checked with ajv before any request leaves: the error lists each missing, unknown or wrong field,
// with a "did you mean" for misspelt names, so an agent can fix its call in one go.

import { createRequire } from 'node:module';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { closest } from '../config/index.js';
import { toIdentifier } from './naming.js';
import { ToolCallError, type JsonSchema } from './types.js';

type AjvClass = new (options: Options) => { compile(schema: object): ValidateFunction };

const MAX_LISTED = 8;
const OPTIONS: Options = { allErrors: true, strict: false, validateFormats: false, verbose: true };

const instances: { draft2020?: InstanceType<AjvClass>; draft07?: InstanceType<AjvClass> } = {};

/** Loaded on the first call, not at start-up. ajv ships CommonJS; its class is module.exports itself. */
function ajv(dialect: 'draft2020' | 'draft07'): InstanceType<AjvClass> {
  const Ajv = createRequire(import.meta.url)(dialect === 'draft2020' ? 'ajv/dist/2020' : 'ajv') as AjvClass;
  return (instances[dialect] ??= new Ajv(OPTIONS));
}

/** The error for an invalid input (code VALIDATION_FAILED), undefined for a valid one. */
export type InputCheck = (input: unknown) => ToolCallError | undefined;

/** Compiles on first use: most of a large API's functions are never called. */
export function lazyInputCheck(schema: () => JsonSchema, label: string): InputCheck {
  let check: InputCheck | undefined;
  return (input) => (check ??= compileInputCheck(schema(), label))(input);
}

/**
 * Compiles now, throwing ajv's error when the schema itself is invalid. 2020-12 unless `$schema` names an
 * older draft, or the schema is only valid as draft-07 (`items: [...]` tuples): sources write both.
 */
export function compileInputCheck(schema: JsonSchema, label: string): InputCheck {
  const validate = compile(asRequest(schema));
  return (input) => {
    if (validate(input)) return undefined;
    const problems = describe(validate.errors ?? []);
    const shown = problems.slice(0, MAX_LISTED);
    if (problems.length > MAX_LISTED) shown.push(`${problems.length - MAX_LISTED} more`);
    return new ToolCallError(`${label}: invalid input: ${shown.join('; ')}`, { code: 'VALIDATION_FAILED' });
  };
}

function compile(schema: unknown): ValidateFunction {
  if (typeof schema === 'boolean') return ajv('draft2020').compile(schema as unknown as object);
  if (typeof schema !== 'object' || schema === null) return ajv('draft2020').compile({});
  const { $schema: dialect, ...rest } = schema as Record<string, unknown>;
  if (typeof dialect === 'string' && /draft-0[4-7]/.test(dialect)) return ajv('draft07').compile(rest);
  try {
    return ajv('draft2020').compile(rest);
  } catch (error) {
    try {
      return ajv('draft07').compile(rest);
    } catch {
      throw error;
    }
  }
}

/**
 * The schema as a caller must satisfy it: a readOnly property (an id, a timestamp) is the server's to set, so it
 * is never required of a caller, though the same shared schema requires it of an answer. A copy where that differs.
 */
function asRequest(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    const items = schema.map(asRequest);
    return items.every((item, i) => item === schema[i]) ? schema : items;
  }
  if (typeof schema !== 'object' || schema === null) return schema;
  const object = schema as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(object)) {
    const next = key === 'enum' || key === 'const' || key === 'default' || key === 'examples' ? value : asRequest(value);
    if (next !== value) (out ??= { ...object })[key] = next;
  }
  const properties = object.properties as Record<string, { readOnly?: unknown } | undefined> | undefined;
  if (Array.isArray(object.required) && properties && typeof properties === 'object') {
    const required = (object.required as string[]).filter((key) => properties[key]?.readOnly !== true);
    if (required.length < object.required.length) (out ??= { ...object }).required = required;
  }
  return out ?? schema;
}

function where(instancePath: string): string {
  if (!instancePath) return 'input';
  return instancePath
    .slice(1)
    .split('/')
    .map((part, i) => {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      if (/^\d+$/.test(key)) return `[${key}]`;
      return i === 0 ? `"${key}"` : `.${key}`;
    })
    .join('');
}

function describe(errors: ErrorObject[]): string[] {
  // Branch errors of a failed anyOf/oneOf say little on their own; the combinator's own error stands for them.
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.schemaPath);
  const kept = errors.filter((e) => !combinators.some((path) => e.schemaPath !== path && e.schemaPath.startsWith(path + '/')));
  const out = new Set<string>();
  for (const error of kept) out.add(describeOne(error));
  return [...out];
}

function describeOne(error: ErrorObject): string {
  const at = where(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return error.instancePath ? `missing "${String(params.missingProperty)}" in ${at}` : `missing required field "${String(params.missingProperty)}"`;
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys(((error.parentSchema as { properties?: object } | undefined)?.properties ?? {}));
      const suggestion = known.find((k) => toIdentifier(k) === toIdentifier(name)) ?? closest(name, known);
      const field = error.instancePath ? `${at}.${name}` : `"${name}"`;
      return `unknown field ${field}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
    }
    case 'type':
      return `${at} must be ${article(String(params.type))}, not ${typeOf(error.data)}`;
    case 'enum':
      return `${at} must be one of ${((params.allowedValues as unknown[]) ?? []).slice(0, 12).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at} must be ${JSON.stringify(params.allowedValue)}`;
    case 'anyOf':
    case 'oneOf':
      return `${at} matches none of its allowed shapes`;
    default:
      return `${at} ${error.message ?? 'is invalid'}`;
  }
}

function article(type: string): string {
  return type.split(',').map((t) => (t === 'array' || t === 'object' || t === 'integer' ? `an ${t}` : t === 'null' ? 'null' : `a ${t}`)).join(' or ');
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && Number.isInteger(value)) return `the number ${value}`;
  return typeof value === 'string' ? `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}` : `${typeof value} ${String(value)}`;
}
