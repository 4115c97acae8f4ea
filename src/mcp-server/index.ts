// The MCP server side of atp: code mode (search_api, explore_api, execute_code) for any MCP client, over stdio
// (atp mcp) or streamable HTTP (atp serve, /mcp when server.mcp is true).

export { McpSession, type McpOpener } from './session.js';
export { McpHttpEndpoint, McpSessionError, type McpCaller, type McpHttpOptions } from './http.js';
export { serveStdio, type StdioServing } from './stdio.js';
export { CallLedger, type ToolCallCount } from './tool-calls.js';
export { toolDefinitions, TOOL_NAMES } from './descriptions.js';
export { catalogIndex } from './catalog-index.js';
export type { McpDeps } from './types.js';
