// Definitions, runtime declarations, search and explore for the HTTP layer, from the modules that make them.

import type { Config } from '../config/index.js';
import type { Catalog } from '../catalog/index.js';
import { generateDefinitions } from '../definitions/index.js';
import { runtimeDeclarations } from '../execution/index.js';
import type { Discovery } from '../http/index.js';
import type { Logger } from '../logging/index.js';
import { createSearchIndex, explore } from '../search/index.js';

export function createDiscovery(catalog: Catalog, config: Config, logger: Logger): Discovery {
  const index = createSearchIndex(catalog, { maxResults: config.search.maxResults, embeddings: config.search.embeddings, logger, embedInBackground: true });
  return {
    definitions(groups, session, mode) {
      const typescript = generateDefinitions(catalog, { filter: groups, mode, clientTools: session?.tools });
      return { typescript, apiGroups: groups ?? catalog.groups.map((group) => group.name) };
    },
    runtime: (apis) => runtimeDeclarations(apis),
    async search(query, options) {
      const results = await index.searchAsync(query, options);
      return results.map(({ apiGroup, functionName, description, signature, relevanceScore }) => ({ apiGroup, functionName, description, signature, relevanceScore }));
    },
    explore: (path) => explore(catalog, path),
    warmUp: () => index.warmUp(),
  };
}
