// Values leave the sandbox as plain JSON only: what is wrong with one, said in words the agent can act on.

import { ArrayProto, DateProto, ErrorCtor, ObjectKeys, ObjectProto, apply, getOwnPropertyDescriptor, getPrototypeOf, isArray, jsonStringify, safeString, slice } from './intrinsics.js';

/** `stack[0 .. depth - 1]`: the objects that contain value (no prototype, so no setter of agent code runs). */
export function jsonProblem(value: unknown, where: string, stack: any, depth: number): string | null {
  switch (typeof value) {
    case 'string': case 'boolean': case 'number': case 'undefined': return null;
    case 'bigint': return `${where} is a BigInt; convert it to a string or number`;
    case 'symbol': return `${where} is a Symbol`;
    case 'function': return `${where} is a function; only plain data can be sent`;
  }
  if (value === null) return null;
  if (depth > 200) return `${where} is nested more than 200 levels deep`;
  for (let i = 0; i < depth; i++) if (stack[i] === value) return `${where} refers back to itself (a cycle); JSON cannot express cycles`;
  const proto = getPrototypeOf(value as object);
  const array = isArray(value);
  if (proto === DateProto) return null;
  if (array ? proto !== ArrayProto : proto !== ObjectProto && proto !== null) {
    const tag = safeString(apply(ObjectProto.toString, value, []));
    return `${where} is ${tag === '[object Object]' ? 'a class instance' : 'a ' + slice(tag, 8, tag.length - 1)}, not plain data; convert it to a plain object or array`;
  }
  stack[depth] = value;
  const keys = ObjectKeys(value as object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === '__proto__') return `${where} has a "__proto__" key; rename it`;
    const descriptor = getOwnPropertyDescriptor(value as object, key);
    const at = array ? `${where}[${key}]` : `${where}.${key}`;
    if (!descriptor) continue;
    if (!('value' in descriptor)) return `${at} is a getter or setter; pass plain data`;
    const problem = jsonProblem(descriptor.value, at, stack, depth + 1);
    if (problem !== null) return problem;
  }
  return null;
}

/** A value as a line of text: strings as they are, errors by their stack, plain data as JSON. */
export function format(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof ErrorCtor) {
    try { return safeString((value as any).stack || value); } catch { return safeString(value); }
  }
  if (typeof value === 'object' && value !== null) {
    try {
      const text = jsonStringify(value);
      if (typeof text === 'string') return text;
    } catch {}
  }
  return safeString(value);
}
