export type { Tool, ToolGroup, ToolAnnotations, CallContext, LoadContext, Loader, JsonSchema, KeyValueStore } from './types.js';
export { GroupLoadError, ToolCallError, type ToolCallErrorCode } from './types.js';
export { loadGroup, loadGroups, type LoadedGroups } from './load.js';
import './loaders/index.js';
export { Catalog, functionIds, type CatalogEntry, type CatalogOptions } from './catalog.js';
export { toIdentifier, isIdentifier, uniqueName } from './naming.js';
export { ConcurrencyLimit } from './limit.js';
export type { GuardedGroup } from './guard.js';
export { defineTool, type ModuleTool, type ModuleToolContext, type ModuleToolLogger } from './loaders/module/define.js';
