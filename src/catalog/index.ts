export type { Tool, ToolGroup, ToolAnnotations, CallContext, LoadContext, Loader, JsonSchema } from './types.js';
export { GroupLoadError } from './types.js';
export { loadGroup } from './load.js';
import './loaders/index.js';
export { Catalog, type CatalogEntry } from './catalog.js';
export { toIdentifier, isIdentifier, uniqueName } from './naming.js';
