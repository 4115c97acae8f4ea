// `type: module`: tools exported by a JavaScript or TypeScript file, run in the daemon's process (trusted like config).

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ModuleGroupConfig } from '../../../config/index.js';
import { toIdentifier, uniqueName } from '../../naming.js';
import { GroupLoadError, ToolCallError, type LoadContext, type Loader, type Tool, type ToolGroup } from '../../types.js';
import { importToolModule } from './import.js';
import { collectTools, type FoundTool } from './exports.js';
import { moduleInputCheck } from './input.js';
import { callWithTimeout } from '../../timeout.js';

export type { ModuleTool, ModuleToolContext, ModuleToolLogger } from './define.js';
export { defineTool } from './define.js';

export const moduleLoader: Loader<ModuleGroupConfig> = {
  async load(config: ModuleGroupConfig, ctx: LoadContext): Promise<ToolGroup> {
    const logger = ctx.logger.child({ group: config.name });
    const shown = path.basename(config.module);
    let exports: Record<string, unknown>;
    if (!existsSync(config.module)) throw new GroupLoadError(config.name, `the module ${config.module} does not exist; fix the path in "module" (relative to the config file)`);
    try {
      exports = await importToolModule(config.module);
    } catch (error) {
      throw new GroupLoadError(config.name, `could not import the module ${shown}: ${(error as Error).message}`, { cause: error });
    }
    const found = collectTools(exports, shown, config.name);
    const taken = new Set<string>();
    const tools = found.map((entry) => toTool(entry, taken, config, logger));
    const close = typeof exports.close === 'function' ? (exports.close as () => unknown) : undefined;
    logger.debug('module group loaded', { functions: tools.length });
    return {
      name: config.name,
      kind: 'module',
      description: config.description,
      tools,
      async close() {
        await close?.();
      },
    };
  },
};

function toTool(entry: FoundTool, taken: Set<string>, config: ModuleGroupConfig, logger: LoadContext['logger']): Tool {
  const { tool, name } = entry;
  const id = uniqueName(toIdentifier(name), taken);
  const label = `api.${config.name}.${id}`;
  const check = moduleInputCheck(tool.inputSchema, `${config.name}.${name}`, label);
  const checkInput = (input: unknown): ToolCallError | undefined => check(input ?? {});
  return {
    path: [id],
    sourceName: name,
    description: tool.description,
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    annotations: { ...tool.annotations },
    invoke(input, ctx) {
      const invalid = checkInput(input);
      if (invalid) return Promise.reject(invalid);
      return callWithTimeout(label, config.timeout, ctx, (call) =>
        tool.handler(input as Record<string, unknown>, {
          get signal() { return call.signal; },
          executionId: ctx.executionId,
          clientId: ctx.clientId,
          progress: (message, fraction) => ctx.onProgress?.(message, fraction),
          logger,
        }));
    },
    checkInput,
  };
}
