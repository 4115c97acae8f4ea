// What every isolate of one executor starts from: the runtime bundle (versioned by its hash), V8's code cache
// of it, and the api.* tree, which is data rather than source so that a catalog change keeps the code cache.

import { createHash } from 'node:crypto';
import ivm from 'isolated-vm';
import type { BootstrapInputs } from './builder.js';
import { encodeApiTree } from './api-tree.js';
import { API_GLOBAL, RUNTIME_EXPORTS, type SandboxRuntimeOptions } from './protocol.js';
import { RUNTIME_BUNDLE, RUNTIME_BUNDLE_NAME } from './runtime-bundle.js';

/** Identifies the in-isolate runtime: a journal replays only on the runtime that recorded it. */
export const RUNTIME_VERSION = createHash('sha1').update(RUNTIME_BUNDLE).digest('hex').slice(0, 12);
export const RUNTIME_FILENAME = 'atp-runtime.js';

/**
 * The runtime source, shared by every isolate of one executor (V8 code cache included), and the api.* tree
 * each new isolate gets. The tree is data, not source: a catalog that changes keeps the code cache.
 */
export class RuntimeBootstrap {
  readonly source: string;
  cachedData?: ivm.ExternalCopy<ArrayBuffer>;
  private tree: ivm.ExternalCopy<string[]>;
  private treeGeneration = 0;

  constructor(options: SandboxRuntimeOptions, apiIds: Iterable<string>) {
    // the bundle's `var` stays inside this function: nothing of it is a global the program could reach
    this.source = `(function () { 'use strict';
${RUNTIME_BUNDLE}
const tree = globalThis.${API_GLOBAL}; delete globalThis.${API_GLOBAL};
return ${RUNTIME_BUNDLE_NAME}.atpSandboxRuntime(tree, ${JSON.stringify(options)}); })()`;
    this.tree = new ivm.ExternalCopy(encodeApiTree(apiIds));
  }

  /** Bumped by setApi: an isolate bootstrapped with an older tree no longer has the catalog's functions. */
  get generation(): number {
    return this.treeGeneration;
  }

  /** The catalog changed (an MCP server's tools/list_changed): isolates bootstrapped from now on get its functions. */
  setApi(apiIds: Iterable<string>): void {
    this.tree.release(); // builds already given the old tree (inputs) hold their own handle on it
    this.tree = new ivm.ExternalCopy(encodeApiTree(apiIds));
    this.treeGeneration++;
  }

  /** What the builder runs in a new isolate, with the generation of its api.* tree. */
  inputs(): { boot: BootstrapInputs; generation: number } {
    const boot = { source: this.source, filename: RUNTIME_FILENAME, cachedData: this.cachedData, globals: { [API_GLOBAL]: this.tree }, exports: [...RUNTIME_EXPORTS] };
    return { boot, generation: this.treeGeneration };
  }
}
