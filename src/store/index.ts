export type { Store, StoreKind } from './types.js';
export { StoreError } from './types.js';
export { openStore, redactUrl, type OpenStoreOptions } from './open.js';
export { claimFor } from './keyv-store.js';
