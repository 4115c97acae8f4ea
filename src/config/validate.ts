// ajv's errors turned into problems a person can act on: position, path, message and a hint.

import type { ErrorObject } from 'ajv';
import { closest } from './suggest.js';
import { formatPath, type ConfigProblem } from './errors.js';
import { locate, type ConfigPath, type ConfigSource } from './source.js';
import { resolveRef, STORE_SCHEMES, type JsonSchema } from './schema.js';

const FORMAT_HINTS: Record<string, { what: string; hint: string }> = {
  duration: { what: 'a duration', hint: 'write a number with a unit: 500ms, 30s, 5m, 1h, 1d (or an integer of milliseconds)' },
  size: { what: 'a size', hint: 'write a number with a unit: 512KB, 128MB, 1GB, 64MiB (or an integer of bytes)' },
  uri: { what: 'an http(s) URL', hint: 'write an absolute URL with its scheme, such as https://api.example.com' },
  'store-url': { what: 'a supported store URL', hint: `use one of ${STORE_SCHEMES.map((s) => `${s}//`).join(', ')}` },
};

/**
 * Translates ajv errors into problems, dropping the noise ajv produces around `oneOf`. `references`: by path,
 * the environment variable that gave a value (`port: ${PORT}`), so a wrong value is blamed on the variable.
 */
export function schemaProblems(errors: ErrorObject[], data: unknown, source: ConfigSource, references: ReadonlyMap<string, string> = new Map()): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const error of pruneOneOfNoise(errors)) {
    const path = instancePath(error.instancePath, data);
    const problem = describe(error, path);
    if (!problem) continue;
    const { line, col } = locate(source, problem.path, problem.atKey);
    const at = formatPath(problem.path);
    const hint = problem.numeric ? numberHint(problem.numeric, error.data, references.get(at), source, line, col) : problem.hint;
    problems.push({ file: source.file, line, col, path: at, message: problem.message, hint });
  }
  return problems;
}

/**
 * What to do about a value that should be a number, by where it came from: an environment variable
 * (`PORT=abc`), a quoted number (`"3333"`, or `"${PORT}"` with PORT=3333), or a word written in the file.
 */
function numberHint(kind: 'integer' | 'number', value: unknown, variable: string | undefined, source: ConfigSource, line: number, col: number): string {
  const wanted = kind === 'integer' ? 'a whole number' : 'a number';
  const quoted = /^["']/.test(source.text.split('\n')[line - 1]?.slice(col - 1) ?? '');
  const numeric = typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value));
  if (variable && quoted && numeric) return `write \${${variable}} without quotes, so that it takes the number it holds`;
  if (variable) return `the value comes from the environment variable ${variable}: set it to ${wanted}${quoted ? `, and write \${${variable}} without quotes` : ''}`;
  return quoted && numeric ? 'write the number without quotes' : `write ${wanted}`;
}

/** `numeric`: a number was wanted; its hint depends on how the value was written (numberHint). */
interface Described { path: ConfigPath; message: string; hint?: string; atKey?: boolean; numeric?: 'integer' | 'number' }

function describe(error: ErrorObject, path: ConfigPath): Described | undefined {
  const parent = (error.parentSchema ?? {}) as JsonSchema;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as object).filter((name) => name !== '$schema');
      const guess = closest(key, allowed);
      const hint = key.startsWith('x-')
        ? 'x- keys are accepted at the top level only (a place for anchors); here, write a # comment instead'
        : guess ? `did you mean "${guess}"?` : `allowed keys here: ${allowed.join(', ')}`;
      return { path: [...path, key], message: `unknown key "${key}"`, hint, atKey: true };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return { path: [...path, key], message: `missing required key "${key}"`, hint: requiredHint(key, parent, error.data) };
    }
    case 'type': {
      const expected = ([] as string[]).concat(params.type as string | string[]);
      const wanted = parent.format ? FORMAT_HINTS[String(parent.format)]?.what : undefined;
      const message = `must be ${wanted ?? expected.map(article).join(' or ')}, not ${describeValue(error.data)}`;
      if (path.length === 0) return { path, message, hint: 'a config is a mapping of sections, starting with apis: (see atp.config.example.yaml)' };
      if (!parent.format && !expected.includes('array') && !expected.includes('object') && (expected.includes('integer') || expected.includes('number'))) {
        return { path, message, numeric: expected.includes('number') ? 'number' : 'integer' };
      }
      return { path, message, hint: parent.format ? FORMAT_HINTS[String(parent.format)]?.hint : hintForType(expected) };
    }
    case 'enum':
    case 'const': {
      const allowed = (error.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue]).map(String);
      const guess = typeof error.data === 'string' ? closest(error.data, allowed) : undefined;
      const message = `${describeValue(error.data)} is not allowed: expected ${oneOf(allowed)}`;
      return { path, message, hint: guess ? `did you mean "${guess}"?` : undefined };
    }
    case 'discriminator': {
      const tag = String(params.tag);
      if (params.error === 'tag' && !(error.data && typeof error.data === 'object' && tag in error.data)) return undefined; // reported by "required"
      const allowed = branchTags(parent, tag);
      const value = (error.data as Record<string, unknown> | null)?.[tag];
      const guess = typeof value === 'string' ? closest(value, allowed) : undefined;
      return {
        path: [...path, tag],
        message: `${describeValue(value)} is not a known ${tag}: expected ${oneOf(allowed)}`,
        hint: guess ? `did you mean "${guess}"?` : undefined,
      };
    }
    case 'format': {
      const known = FORMAT_HINTS[String(params.format)];
      return { path, message: `${describeValue(error.data)} is not ${known?.what ?? `a valid ${String(params.format)}`}`, hint: known?.hint };
    }
    case 'pattern':
      return describePattern(error, path);
    case 'if':
      return undefined; // the errors of its "then" say what is missing
    case 'oneOf':
      return { path, message: `${describeValue(error.data)} does not match any allowed form`, hint: describeBranches(parent) };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `${describeValue(error.data)} is out of range: must be ${String(params.comparison)} ${String(params.limit)}` };
    case 'minLength':
      return params.limit === 1
        ? { path, message: 'must not be empty' }
        : { path, message: `is too short: must have at least ${String(params.limit)} characters`, hint: parent.description as string | undefined };
    case 'minItems':
      return { path, message: `must list at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}` };
    default:
      return { path, message: error.message ?? `is invalid (${error.keyword})` };
  }
}

function describePattern(error: ErrorObject, path: ConfigPath): Described {
  const value = String(error.data);
  if (path.at(-1) === 'name' && path[0] === 'apis') {
    const suggestion = value.replace(/[^A-Za-z0-9_]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()).replace(/^(\d)/, '_$1');
    return {
      path,
      message: `"${value}" is not a valid group name: functions are called as api.<name>.*, so it must be an identifier`,
      hint: suggestion ? `use letters, digits and _ without a leading digit, e.g. "${suggestion}"` : 'use letters, digits and _ without a leading digit',
    };
  }
  if (path[0] === 'policies') {
    return { path, message: `"${value}" is not a function pattern`, hint: 'write <group>.<function> names with * and ? wildcards, e.g. github.issues.* or *.list*' };
  }
  return { path, message: `"${value}" has an invalid form: must match ${String((error.params as { pattern: string }).pattern)}` };
}

/** Drops `type`/`const` errors from the branches of a non-discriminated `oneOf` when a branch of the right type explains more. */
function pruneOneOfNoise(errors: ErrorObject[]): ErrorObject[] {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  if (oneOfs.length === 0) return errors;
  return errors.filter((error) => {
    const owner = oneOfs.find((o) => error !== o && error.schemaPath.startsWith(`${o.schemaPath}/`) && error.instancePath.startsWith(o.instancePath));
    if (owner) return error.keyword !== 'type' || error.instancePath !== owner.instancePath ? true : false;
    if (error.keyword !== 'oneOf') return true;
    // Keep the oneOf summary only when no branch error says something more precise.
    return !errors.some((other) => other !== error && other.keyword !== 'type' && other.schemaPath.startsWith(`${error.schemaPath}/`));
  });
}

/** What to add: the key's description, the values a discriminator takes, or the misspelt key already there. */
function requiredHint(key: string, parent: JsonSchema, data: unknown): string {
  const present = data && typeof data === 'object' && !Array.isArray(data) ? Object.keys(data) : [];
  const misspelt = closest(key, present.filter((name) => name !== key));
  if (misspelt) return `"${misspelt}" is not a known key here; did you mean "${key}"?`;
  const tag = (parent.discriminator as { propertyName?: string } | undefined)?.propertyName;
  if (tag === key) return `add ${key}: ${oneOf(branchTags(parent, tag))}`;
  const branches = [parent, ...((parent.oneOf ?? []) as JsonSchema[]).map(resolveRef)];
  const property = branches.map((branch) => (branch.properties as Record<string, JsonSchema> | undefined)?.[key]).find(Boolean);
  const described = property ? (resolveRef(property).description as string | undefined) : undefined;
  return described ? `add ${key}: ${described.replace(/\.$/, '')}` : `add ${key}`;
}

function branchTags(schema: JsonSchema, tag: string): string[] {
  const branches = (schema.oneOf ?? []) as JsonSchema[];
  return branches.map((branch) => ((resolveRef(branch).properties as Record<string, JsonSchema>)?.[tag]?.const as string)).filter(Boolean);
}

function describeBranches(schema: JsonSchema): string {
  const kinds = ((schema.oneOf ?? []) as JsonSchema[]).map((branch) => {
    const resolved = resolveRef(branch);
    if (resolved.type === 'object' && Array.isArray(resolved.required)) return `a mapping with ${resolved.required.join(', ')}`;
    return article(String(resolved.type));
  });
  return `write ${kinds.join(', or ')}`;
}

/** `/apis/2/auth` -> ['apis', 2, 'auth'], using the data to tell array indices from keys. */
export function instancePath(pointer: string, data: unknown): (string | number)[] {
  if (!pointer) return [];
  const path: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(node) ? Number(part) : part;
    path.push(key);
    node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  }
  return path;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

function article(type: string): string {
  const names: Record<string, string> = { string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', object: 'a mapping', array: 'a list', null: 'null' };
  return names[type] ?? type;
}

function hintForType(expected: string[]): string | undefined {
  if (expected.includes('array')) return 'write a YAML list: one "- item" per line, or [a, b]';
  if (expected.includes('object')) return 'write a YAML mapping of key: value lines, indented under this key';
  if (expected.includes('string')) return 'quote the value if YAML read it as another type';
  return undefined;
}

function oneOf(values: string[], word = 'or'): string {
  const quoted = values.map((v) => (/^[a-z]+ /.test(v) ? v : `"${v}"`));
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} ${word} ${quoted.at(-1)}`;
}
