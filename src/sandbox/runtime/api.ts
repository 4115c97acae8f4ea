// api.* is made as the code reaches into it: the host hands the tree over as one JSON array per namespace
// (api-tree.ts), and a namespace's functions and sub-namespaces are made when it is first read. Making all of
// them up front cost every isolate about 8 ms for GitHub's 1,223 operations.

import { defineProperty, jsonParse } from './intrinsics.js';
import { hostCall } from './calls.js';

const ownValue = (target: any, key: string, value: unknown): void => {
  defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
};

function lazy(target: any, key: string, make: () => any): void {
  defineProperty(target, key, {
    configurable: true,
    enumerable: true,
    get() {
      const value = make();
      ownValue(target, key, value);
      return value;
    },
    set(value: unknown) { ownValue(target, key, value); },
  });
}

/** A function of api.*: a catalog function (op `api`, throttled as server work) or a client tool (op `tool`). */
export function apiFunction(op: string, name: string, label: string, shortName: string): any {
  const fn = function (input?: unknown) { return hostCall(op, name, label, input, op === 'api'); };
  defineProperty(fn, 'name', { value: shortName });
  return fn;
}

/** Gives `target` the entries of namespace `index`: a name is a function; [name, namespace, 1] a function with members too. */
function branch(apiTree: string[], target: any, index: number, prefix: string): any {
  const entries: any[] = jsonParse(apiTree[index]);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (typeof entry === 'string') {
      const id = prefix + entry;
      lazy(target, entry, () => apiFunction('api', id, `api.${id}`, entry));
      continue;
    }
    const key: string = entry[0];
    const child: number = entry[1];
    const callable = entry.length > 2;
    const id = prefix + key;
    lazy(target, key, () => branch(apiTree, callable ? apiFunction('api', id, `api.${id}`, key) : {}, child, id + '.'));
  }
  return target;
}

export function makeApi(apiTree: string[]): any {
  return apiTree.length > 0 ? branch(apiTree, {}, 0, '') : {};
}

/** A client tool at api.<namespace>.<name>, unless the catalog has a function there. */
export function placeClientTool(api: any, namespace: string, name: string): void {
  const fn = apiFunction('tool', `${namespace}.${name}`, `api.${namespace}.${name}`, name);
  if (api[namespace] === undefined || api[namespace] === null) api[namespace] = {};
  if (api[namespace][name] === undefined) api[namespace][name] = fn;
}
