// One Tool per operation: self-contained JSON Schemas (each carries the shared schemas it uses under
// `$defs`), annotations from the method, and invoke = validate, build the request, send it.

import type { CallContext, JsonSchema, Tool } from '../../types.js';
import type { Transport } from './http.js';
import type { ApiModel, OperationModel } from './model.js';
import { buildRequest, type HttpRequest } from './request.js';
import { isObject, refsIn, type Schema } from './schemas.js';
import { lazyInputCheck } from '../../input-check.js';

const READ_ONLY = new Set(['get', 'head']);
const IDEMPOTENT = new Set(['get', 'put', 'delete', 'head']);

export interface ToolFactoryOptions {
  group: string;
  model: ApiModel;
  transport: Transport;
  baseUrlOf(operation: OperationModel): string;
}

export function createTools(operations: readonly OperationModel[], options: ToolFactoryOptions): Tool[] {
  const defs = new DefsIndex(options.model.defs);
  return operations.map((operation) => createTool(operation, defs, options));
}

function createTool(operation: OperationModel, defs: DefsIndex, options: ToolFactoryOptions): Tool {
  const label = `${options.group}.${operation.path.join('.')} (${operation.method.toUpperCase()} ${operation.route})`;
  const inputSchema = defs.selfContained(operation.input, operation.inputRefs);
  const check = lazyInputCheck(() => inputSchema, label);
  const baseUrl = options.baseUrlOf(operation);
  const tool: Tool = {
    path: operation.path,
    sourceName: operation.sourceName,
    description: operation.description,
    ...(operation.details !== undefined && { details: operation.details }),
    inputSchema,
    annotations: {
      readOnly: READ_ONLY.has(operation.method),
      idempotent: IDEMPOTENT.has(operation.method),
      destructive: operation.method === 'delete',
      ...(operation.tags.length > 0 && { keywords: operation.tags }),
    },
    async invoke(input: unknown, ctx: CallContext): Promise<unknown> {
      const value = input ?? {};
      const invalid = check(value);
      if (invalid) throw invalid;
      const build = () => buildRequest(operation, baseUrl, value as Record<string, unknown>, label);
      return options.transport.send(label, ctx.trace ? traced(build, ctx.trace) : build, ctx.signal, ctx);
    },
    checkInput(input: unknown): Error | undefined {
      const value = input ?? {};
      const invalid = check(value);
      if (invalid) return invalid;
      try {
        buildRequest(operation, baseUrl, value as Record<string, unknown>, label); // values no request can carry safely
        return undefined;
      } catch (error) {
        return error as Error; // what invoke would throw: send() builds the same request before anything leaves
      }
    },
  };
  if (operation.output !== undefined) tool.outputSchema = defs.selfContained(operation.output, operation.outputRefs);
  return tool;
}

/** Which shared schemas each schema needs, transitively, computed once per shared schema. */
class DefsIndex {
  private readonly direct = new Map<string, string[]>();

  constructor(private readonly defs: Record<string, Schema>) {}

  /**
   * The schema with `$defs` holding exactly the shared schemas it reaches from `refs` (its direct references).
   * `$defs` is computed when first read: a search index that reads only `properties` never pays for it.
   */
  selfContained(schema: Schema, refs: string[] | undefined): JsonSchema {
    if (!refs || refs.length === 0 || !isObject(schema)) return schema;
    const out: Record<string, unknown> = { ...schema };
    Object.defineProperty(out, '$defs', {
      enumerable: true,
      configurable: true,
      get: () => {
        const defs = Object.fromEntries(this.closure(refs).map((name) => [name, this.defs[name]]));
        Object.defineProperty(out, '$defs', { value: defs, enumerable: true, configurable: true, writable: true });
        return defs;
      },
    });
    return out;
  }

  private closure(start: string[]): string[] {
    const seen = new Set<string>();
    const stack = [...start];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (seen.has(name) || !(name in this.defs)) continue;
      seen.add(name);
      stack.push(...this.refsOf(name));
    }
    return [...seen].sort();
  }

  private refsOf(name: string): string[] {
    let refs = this.direct.get(name);
    if (!refs) this.direct.set(name, (refs = refsIn(this.defs[name])));
    return refs;
  }
}

/** Each attempt's request with the call's trace context, unless the operation sends a header of that name itself. */
function traced(build: () => HttpRequest, trace: Readonly<Record<string, string>>): () => HttpRequest {
  return () => {
    const request = build();
    for (const [name, value] of Object.entries(trace)) request.headers[name] ??= value;
    return request;
  };
}
