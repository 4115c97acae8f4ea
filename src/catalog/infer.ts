// Learning a JSON Schema from observed values: merged across observations, bounded in depth, width and size.
// A Shape is the learned state (JSON-serialisable, stored across restarts); toJsonSchema renders it.

type Primitive = 'string' | 'number' | 'boolean' | 'null';

export interface Shape {
  /** Primitive kinds seen here. */
  primitives?: Primitive[];
  object?: ObjectShape;
  /** `items` absent while only empty arrays were seen. */
  array?: { items?: Shape };
}

interface ObjectShape {
  properties: Record<string, Shape>;
  /** Keys present in every object seen. */
  required: string[];
  /** Set when the object turned out to be a map (too many distinct keys): the merged shape of its values. */
  values?: Shape;
  /** Set when keys were left out to keep the shape small. */
  truncated?: boolean;
}

export interface InferLimits {
  /** Deeper values are recorded as unknown. */
  maxDepth: number;
  /** An object with more distinct keys than this becomes a map (`Record<string, T>`). */
  maxProperties: number;
  /** Array elements sampled per array. */
  maxItems: number;
  /** Shape nodes in total; growth beyond is dropped. */
  maxNodes: number;
}

export const DEFAULT_LIMITS: InferLimits = { maxDepth: 6, maxProperties: 64, maxItems: 20, maxNodes: 800 };

const PRIMITIVE_ORDER: Primitive[] = ['string', 'number', 'boolean', 'null'];

/** Merges the shape of `value` into `shape` (mutated); returns true when the rendered schema may have changed. */
export function observe(shape: Shape, value: unknown, limits: InferLimits = DEFAULT_LIMITS): boolean {
  const budget = { nodes: limits.maxNodes - countNodes(shape) };
  return mergeValue(shape, value, 0, limits, budget);
}

function mergeValue(shape: Shape, value: unknown, depth: number, limits: InferLimits, budget: { nodes: number }): boolean {
  if (depth >= limits.maxDepth) return false;
  if (value === null) return addPrimitive(shape, 'null');
  if (Array.isArray(value)) return mergeArray(shape, value, depth, limits, budget);
  switch (typeof value) {
    case 'string': return addPrimitive(shape, 'string');
    case 'number': case 'bigint': return addPrimitive(shape, 'number');
    case 'boolean': return addPrimitive(shape, 'boolean');
    case 'object': return mergeObject(shape, value as Record<string, unknown>, depth, limits, budget);
    default: return false; // undefined, functions: not JSON
  }
}

function addPrimitive(shape: Shape, kind: Primitive): boolean {
  const list = (shape.primitives ??= []);
  if (list.includes(kind)) return false;
  list.push(kind);
  list.sort((a, b) => PRIMITIVE_ORDER.indexOf(a) - PRIMITIVE_ORDER.indexOf(b));
  return true;
}

function mergeArray(shape: Shape, value: unknown[], depth: number, limits: InferLimits, budget: { nodes: number }): boolean {
  let changed = false;
  if (!shape.array) {
    shape.array = {};
    changed = true;
  }
  const step = Math.max(1, Math.ceil(value.length / limits.maxItems));
  for (let i = 0; i < value.length; i += step) {
    if (!shape.array.items) {
      if (budget.nodes <= 0) break;
      budget.nodes--;
      shape.array.items = {};
      changed = true;
    }
    changed = mergeValue(shape.array.items, value[i], depth + 1, limits, budget) || changed;
  }
  return changed;
}

function mergeObject(shape: Shape, value: Record<string, unknown>, depth: number, limits: InferLimits, budget: { nodes: number }): boolean {
  const keys = Object.keys(value);
  let changed = false;
  let target = shape.object;
  if (!target) {
    target = shape.object = { properties: {}, required: keys.slice(0, limits.maxProperties) };
    changed = true;
  } else {
    const required = target.required.filter((key) => key in value);
    if (required.length !== target.required.length) {
      target.required = required;
      changed = true;
    }
  }
  if (!target.values && Object.keys(target.properties).length + keys.filter((k) => !(k in target!.properties)).length > limits.maxProperties) {
    becomeMap(target);
    changed = true;
  }
  if (target.values) {
    for (const key of keys.slice(0, limits.maxItems)) changed = mergeValue(target.values, value[key], depth + 1, limits, budget) || changed;
    return changed;
  }
  for (const key of keys) {
    let child = target.properties[key];
    if (!child) {
      if (budget.nodes <= 0) {
        if (!target.truncated) changed = true;
        target.truncated = true;
        continue;
      }
      budget.nodes--;
      child = target.properties[key] = {};
      changed = true;
    }
    changed = mergeValue(child, value[key], depth + 1, limits, budget) || changed;
  }
  if (target.truncated) target.required = target.required.filter((key) => key in target!.properties);
  return changed;
}

/** Too many distinct keys: the keys are data, not fields. Keep the merged shape of the values instead. */
function becomeMap(target: ObjectShape): void {
  const values: Shape = {};
  for (const child of Object.values(target.properties)) mergeShapes(values, child);
  target.values = values;
  target.properties = {};
  target.required = [];
}

/** Merges a whole shape into another (mutated), e.g. a stored shape into one learned since start-up. */
export function mergeShapes(into: Shape, from: Shape): void {
  for (const kind of from.primitives ?? []) addPrimitive(into, kind);
  if (from.array) {
    into.array ??= {};
    if (from.array.items) mergeShapes((into.array.items ??= {}), from.array.items);
  }
  if (from.object) {
    if (!into.object) {
      into.object = structuredClone(from.object);
      return;
    }
    const target = into.object;
    if (from.object.values && !target.values) becomeMap(target);
    if (target.values) {
      for (const child of Object.values(from.object.properties)) mergeShapes(target.values, child);
      if (from.object.values) mergeShapes(target.values, from.object.values);
      return;
    }
    target.required = target.required.filter((key) => from.object!.required.includes(key));
    for (const [key, child] of Object.entries(from.object.properties)) mergeShapes((target.properties[key] ??= {}), child);
    if (from.object.truncated) target.truncated = true;
  }
}

export function countNodes(shape: Shape | undefined): number {
  if (!shape) return 0;
  let count = 1;
  if (shape.array?.items) count += countNodes(shape.array.items);
  if (shape.object) {
    for (const child of Object.values(shape.object.properties)) count += countNodes(child);
    if (shape.object.values) count += countNodes(shape.object.values);
  }
  return count;
}

/** The JSON Schema of a shape; `{}` (any) where nothing is known. */
export function toJsonSchema(shape: Shape): Record<string, unknown> {
  const variants: Record<string, unknown>[] = [];
  if (shape.object) variants.push(objectSchema(shape.object));
  if (shape.array) variants.push({ type: 'array', items: shape.array.items ? toJsonSchema(shape.array.items) : {} });
  const primitives = shape.primitives ?? [];
  if (variants.length === 0) {
    if (primitives.length === 0) return {};
    return { type: primitives.length === 1 ? primitives[0] : [...primitives] };
  }
  for (const kind of primitives) variants.push({ type: kind });
  return variants.length === 1 ? variants[0] : { anyOf: variants };
}

function objectSchema(object: ObjectShape): Record<string, unknown> {
  if (object.values) return { type: 'object', additionalProperties: toJsonSchema(object.values) };
  const properties: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(object.properties)) properties[key] = toJsonSchema(child);
  const schema: Record<string, unknown> = { type: 'object', properties };
  if (object.required.length > 0) schema.required = [...object.required];
  if (object.truncated) schema.additionalProperties = true;
  return schema;
}

/** True for a stored value that looks like a Shape (stores outlive code versions). */
export function isShape(value: unknown): value is Shape {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const shape = value as Shape;
  if (shape.primitives !== undefined && !Array.isArray(shape.primitives)) return false;
  if (shape.array !== undefined && (typeof shape.array !== 'object' || (shape.array.items !== undefined && !isShape(shape.array.items)))) return false;
  if (shape.object !== undefined) {
    const object = shape.object;
    if (typeof object !== 'object' || !Array.isArray(object.required) || typeof object.properties !== 'object') return false;
    if (!Object.values(object.properties).every(isShape)) return false;
    if (object.values !== undefined && !isShape(object.values)) return false;
  }
  return true;
}
