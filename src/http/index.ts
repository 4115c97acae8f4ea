export { createApp } from './app.js';
export { createMetricsApp } from './metrics-app.js';
export { HttpError } from './errors.js';
export type { AppDeps, Discovery, Lifecycle, SearchHit, ExploreNode, UserSignIns } from './types.js';
export { RUNTIME_APIS } from './routes/runtime.js';
