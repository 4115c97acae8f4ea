// Constants of the daemon that commands read without building one.

import { readFileSync } from 'node:fs';

export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Default wait for executions in flight on shutdown: below the usual 30 s before orchestrators kill. */
export const DEFAULT_GRACE_MS = 25_000;
