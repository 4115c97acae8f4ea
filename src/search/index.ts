// Finding functions: ranked search (lexical, optionally fused with embeddings) and the explore tree.

export {
  createSearchIndex, type SearchIndex, type SearchIndexOptions, type SearchOptions, type HybridSearchOptions, type SearchResult,
} from './search-index.js';
export { openAiEmbedder, embedderFromConfig, type Embedder, type EmbeddingsConfig } from './embeddings.js';
export { oneLineDescription } from './describe.js';
export { explore, splitPath, type ExploreDirectory, type ExploreFunction, type ExploreItem, type ExploreOptions } from './explore.js';
