// Finding functions: ranked search (lexical, optionally fused with embeddings) and the explore tree.

export { createSearchIndex, type SearchIndex, type SearchIndexOptions, type SearchOptions, type SearchResult } from './search-index.js';
export { oneLineDescription } from './describe.js';
