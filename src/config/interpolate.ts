// `${VAR}` and `${VAR:-default}` in string values, from the environment, with positions for mistakes.

import { isMap, isPair, isScalar, isSeq, parse, Scalar } from 'yaml';
import { formatPath, type ConfigProblem } from './errors.js';
import { positionAt, type ConfigPath, type ConfigSource } from './source.js';

const REFERENCE = /\$\$\{|\$\{([^}]*)\}?/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Replaces references in every string scalar of the document, in place. `$${` stands for a literal `${`.
 * A plain (unquoted) scalar that is one whole reference takes the YAML type of its value where the
 * schema (`typesAt`) allows it, so `port: ${PORT}` gives a number and `password: ${PW}` a string. Returns every
 * problem found, the paths of the values left untouched because of them, and, by path, the variable of each
 * value that is one whole reference (a problem with the value is then a problem with the variable).
 */
export function interpolate(
  source: ConfigSource, env: Environment, typesAt: (path: ConfigPath) => readonly string[] | undefined = () => undefined,
): { problems: ConfigProblem[]; unresolved: ConfigPath[]; references: Map<string, string> } {
  const problems: ConfigProblem[] = [];
  const unresolved: ConfigPath[] = [];
  const references = new Map<string, string>();
  const root = source.root.length > 0 ? source.document.getIn(source.root, true) : source.document.contents;
  walk(root, [], (scalar, path) => {
    if (typeof scalar.value !== 'string' || !scalar.value.includes('$')) return;
    const result = substitute(scalar, path, source, env, problems);
    if (result === undefined) {
      unresolved.push(path);
      return;
    }
    const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$/.exec(scalar.value);
    if (whole && env[whole[1]]) references.set(formatPath(path), whole[1]); // the environment gave the value, not a default
    scalar.value = whole && scalar.type === Scalar.PLAIN ? typedScalar(result, typesAt(path)) : result;
  });
  return { problems, unresolved, references };
}

function substitute(scalar: Scalar, path: ConfigPath, source: ConfigSource, env: Environment, problems: ConfigProblem[]): string | undefined {
  const text = scalar.value as string;
  let failed = false;
  // Where in the scalar's source the next reference is searched for, so a repeated one is placed right.
  const cursor = { offset: scalar.range?.[0] ?? 0 };
  const out = text.replace(REFERENCE, (match: string, body: string | undefined) => {
    const at = where(source, scalar, match, path, cursor);
    if (match === '$${') return '${';
    const problem = (message: string, hint: string) => {
      failed = true;
      problems.push({ ...at, message, hint });
      return match;
    };
    if (!match.endsWith('}')) return problem(`unterminated reference "${match}"`, 'close it with }, or write $${ for a literal ${');
    const separator = body!.indexOf(':-');
    const name = separator === -1 ? body! : body!.slice(0, separator);
    if (!NAME.test(name)) {
      return problem(`invalid reference "${match}"`, 'write ${NAME} or ${NAME:-default}, where NAME is letters, digits and _');
    }
    const value = env[name];
    if (separator !== -1) return value === undefined || value === '' ? body!.slice(separator + 2) : value;
    if (value === undefined) {
      return problem(`environment variable ${name} is not set`, `set ${name}, or give a default: \${${name}:-value}`);
    }
    return value;
  });
  return failed ? undefined : out;
}

/** Position of the reference inside the scalar's source text, searched from `cursor`, falling back to the scalar's start. */
function where(
  source: ConfigSource, scalar: Scalar, match: string, path: ConfigPath, cursor: { offset: number },
): Pick<ConfigProblem, 'file' | 'line' | 'col' | 'path'> {
  const [start, end] = scalar.range ?? [0, 0];
  const index = source.text.slice(0, end).indexOf(match, cursor.offset);
  if (index !== -1) cursor.offset = index + match.length;
  const { line, col } = positionAt(source, index === -1 ? start : index);
  return { file: source.file, line, col, path: formatPath(path) };
}

/**
 * The YAML type of an interpolated value, when the schema accepts it there: `8080` for a port, but a
 * numeric password stays the string it is (and is not echoed back in a type error).
 */
function typedScalar(value: string, allowed: readonly string[] | undefined): unknown {
  let typed: unknown;
  try {
    typed = parse(value);
  } catch {
    return value;
  }
  if (typed === null || typeof typed === 'object') return value;
  if (!allowed || !allowed.includes('string')) return typed;
  const type = typeof typed === 'number' ? (Number.isInteger(typed) ? ['integer', 'number'] : ['number']) : [typeof typed];
  return type.some((name) => allowed.includes(name)) ? typed : value;
}

function walk(node: unknown, path: (string | number)[], visit: (scalar: Scalar, path: ConfigPath) => void): void {
  if (isScalar(node)) visit(node, path);
  else if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      walk(pair.value, [...path, key], visit);
    }
  } else if (isSeq(node)) node.items.forEach((item, index) => walk(item, [...path, index], visit));
}
