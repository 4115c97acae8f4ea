// What the catalog adds to every loaded group, whatever its source: the per-group cap on calls in flight, shared
// fairly between clients, and output types learned from results for tools that declare none.

import type { Logger } from '../logging/index.js';
import type { Secrets } from '../secrets/index.js';
import { OutputLearner, outputStoreKey } from './learn.js';
import { ConcurrencyLimit } from './limit.js';
import { secretFree, type KeyValueStore, type Tool, type ToolGroup } from './types.js';

export interface GuardOptions {
  /** Calls in flight to the group at once; the rest wait in order. */
  concurrency: number;
  /** Of those, calls of one client (CallContext.clientId) at once; concurrency when absent. */
  clientConcurrency?: number;
  store?: KeyValueStore;
  logger: Logger;
  /** Masked out of every answer, error and progress message before it leaves the group (LoadContext.secrets). */
  secrets?: Secrets;
}

/** A guarded view of a group: every call goes through the cap, untyped tools learn their output type. */
export interface GuardedGroup extends ToolGroup {
  readonly limit: ConcurrencyLimit;
  /** Resolves once learned types are written to the store. */
  flush(): Promise<void>;
}

export async function guardGroup(inner: ToolGroup, options: GuardOptions): Promise<GuardedGroup> {
  const limit = new ConcurrencyLimit(options.concurrency, options.clientConcurrency);
  const listeners = new Set<() => void>();
  const learners = new Map<string, OutputLearner>();
  const wrappers = new WeakMap<Tool, Tool>();
  const current = new Map<string, Tool>(); // sourceName -> the wrapper of an untyped tool, whose schema its learner sets

  const emit = () => {
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        options.logger.warn('a catalog change listener failed', { error: (error as Error).message });
      }
    }
  };

  const learnerFor = (tool: Tool): OutputLearner => {
    let learner = learners.get(tool.sourceName);
    if (learner) return learner;
    const created = new OutputLearner({
      key: outputStoreKey(inner.name, tool.sourceName),
      store: options.store,
      logger: options.logger,
      onChange: () => {
        const wrapper = current.get(tool.sourceName);
        if (wrapper) {
          wrapper.outputSchema = created.schema;
          wrapper.outputInferred = true;
        }
        emit();
      },
    });
    learners.set(tool.sourceName, created);
    return created;
  };

  const wrap = (tool: Tool): Tool => {
    const known = wrappers.get(tool);
    if (known) return known;
    const learner = tool.outputSchema === undefined ? learnerFor(tool) : undefined;
    const invoke = (input: unknown, ctx: Parameters<Tool['invoke']>[1]) => limit.run(() => tool.invoke(input, ctx), ctx.signal, ctx.clientId);
    const answer = options.secrets ? masked(options.secrets, invoke) : invoke;
    const wrapper: Tool = {
      path: tool.path,
      sourceName: tool.sourceName,
      description: tool.description,
      ...(tool.details !== undefined && { details: tool.details }),
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema ?? learner?.schema,
      // inferred only once something was learned: until then the output type is simply unknown
      outputInferred: learner ? learner.schema !== undefined : tool.outputInferred,
      annotations: tool.annotations,
      checkInput: tool.checkInput,
      invoke: learner
        ? async (input, ctx) => {
          const result = await answer(input, ctx);
          learner.observe(result);
          return result;
        }
        : answer,
    };
    if (learner) current.set(tool.sourceName, wrapper);
    wrappers.set(tool, wrapper);
    return wrapper;
  };

  let seen: Tool[] | undefined;
  let wrapped: Tool[] = [];
  const tools = (): Tool[] => {
    if (inner.tools !== seen) {
      seen = inner.tools;
      wrapped = seen.map(wrap);
    }
    return wrapped;
  };

  tools();
  await Promise.all([...learners.values()].map((learner) => learner.restore()));

  const unsubscribe = inner.onChange?.(() => {
    const before = new Set(learners.keys());
    tools();
    for (const [name, learner] of learners) if (!before.has(name)) void learner.restore();
    emit();
  });

  return {
    name: inner.name,
    kind: inner.kind,
    description: inner.description,
    get tools() {
      return tools();
    },
    set tools(_value: Tool[]) {
      throw new Error(`the tools of group ${inner.name} are managed by its loader`);
    },
    limit,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async flush() {
      await Promise.all([...learners.values()].map((learner) => learner.flush()));
    },
    async close() {
      unsubscribe?.();
      listeners.clear();
      await Promise.allSettled([...learners.values()].map((learner) => learner.flush()));
      await inner.close();
    },
  };
}

type Invoke = Tool['invoke'];

/**
 * An upstream that echoes the request (whoami, debug, httpbin-style endpoints), an MCP server that prints its
 * token: whatever a tool hands back passes through here, so the gateway's secrets never reach agent code.
 */
function masked(secrets: Secrets, invoke: Invoke): Invoke {
  return async (input, ctx) => {
    const onProgress = ctx.onProgress;
    const call = onProgress ? { ...ctx, onProgress: (message: string, fraction?: number) => onProgress(secrets.mask(message), fraction) } : ctx;
    try {
      const result = await invoke(input, call);
      return typeof result === 'object' && result !== null && secretFree.has(result) ? result : secrets.maskValue(result);
    } catch (error) {
      throw maskedError(secrets, error);
    }
  };
}

function maskedError(secrets: Secrets, error: unknown): unknown {
  if (typeof error === 'string') return secrets.mask(error);
  if (!(error instanceof Error)) return error;
  if (secrets.test(error.message)) error.message = secrets.mask(error.message);
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string' && secrets.test(body)) Object.defineProperty(error, 'body', { value: secrets.mask(body), enumerable: true });
  return error;
}
