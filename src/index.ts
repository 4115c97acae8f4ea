// The package's public surface for embedders and module-group authors.

export { loadConfig, configFromText, ConfigError, ConfigFileError, type Config } from './config/index.js';
export type { Tool, ToolGroup, JsonSchema } from './catalog/index.js';
export { defineTool, type ModuleTool, type ModuleToolContext } from './catalog/index.js';
