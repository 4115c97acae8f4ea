export { build, VERSION, DEFAULT_GRACE_MS, type Daemon } from './build.js';
export { StartupError, type LoadedGroup } from './catalog.js';
export { summary } from './summary.js';
