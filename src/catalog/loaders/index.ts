// Where each source kind's loader is declared. A new kind is one line here and one loader file.

import { registerLoader } from '../load.js';

registerLoader('mcp', async () => (await import('./mcp/index.js')).mcpLoader);
registerLoader('module', async () => (await import('./module/index.js')).moduleLoader);
registerLoader('openapi', async () => (await import('./openapi/index.js')).openApiLoader);
