// The api.* tree as the sandbox runtime reads it (runtime/api.ts, `branch`): one JSON array per namespace,
// the root first. An entry is a function's name, or [name, namespace index] for a namespace, or
// [name, namespace index, 1] for a function that also has members. The runtime parses a namespace's array
// when the code first reaches into it, so a big catalog costs a program only what it touches.

interface Namespace { functions: Set<string>; members: Map<string, Namespace> }

/** Encodes catalog ids (`github.issues.create`: dot-separated, each part an identifier). */
export function encodeApiTree(ids: Iterable<string>): string[] {
  const root: Namespace = { functions: new Set(), members: new Map() };
  for (const id of ids) {
    const parts = id.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let next = node.members.get(part);
      if (!next) node.members.set(part, (next = { functions: new Set(), members: new Map() }));
      node = next;
    }
    node.functions.add(parts[parts.length - 1]);
  }
  const encoded: string[] = [];
  const encode = (node: Namespace): number => {
    const index = encoded.length;
    encoded.push('');
    const entries: unknown[] = [...node.functions].filter((name) => !node.members.has(name));
    for (const [name, member] of node.members) entries.push(node.functions.has(name) ? [name, encode(member), 1] : [name, encode(member)]);
    encoded[index] = JSON.stringify(entries);
    return index;
  };
  encode(root);
  return encoded;
}
