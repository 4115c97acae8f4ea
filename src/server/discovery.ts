// Definitions, runtime declarations, search and explore for the HTTP layer, from the modules that make them.
// A piece not in this build yet stays undefined and its endpoint says so (501).

import type { Config } from '../config/index.js';
import type { Catalog } from '../catalog/index.js';
import type { Discovery } from '../http/index.js';

export function createDiscovery(_catalog: Catalog, _config: Config): Discovery {
  return {};
}
