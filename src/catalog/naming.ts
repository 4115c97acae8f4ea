// Identifier-safe, collision-free names for functions from any source, deterministic for a given input.

const RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null',
  'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield',
  'let', 'static', 'implements', 'interface', 'package', 'private', 'protected', 'public', 'await', 'async',
  'arguments', 'eval', 'undefined', 'NaN', 'Infinity', 'constructor', 'prototype', '__proto__', 'toString',
  'valueOf', 'hasOwnProperty',
]);

/** `get-content` -> `getContent`, `list_for-repo` -> `listForRepo`, `2fa` -> `_2fa`, `delete` -> `delete_`. */
export function toIdentifier(raw: string): string {
  const words = raw
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  if (words.length === 0) return '_';
  const camel = words
    .map((word, index) => {
      const keepCase = word.length > 1 && word === word.toUpperCase() && /[A-Z]/.test(word); // acronyms: URL, SSH
      const lower = keepCase ? word : word.toLowerCase();
      return index === 0 ? (keepCase ? lower.toLowerCase() : lower) : lower.charAt(0).toUpperCase() + lower.slice(1);
    })
    .join('');
  const safe = /^[0-9]/.test(camel) ? `_${camel}` : camel;
  return RESERVED.has(safe) ? `${safe}_` : safe;
}

export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) && !RESERVED.has(name);
}

/** Returns `name`, or `name2`, `name3`… when taken; records the result in `taken`. */
export function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) candidate = `${name}${n}`;
  taken.add(candidate);
  return candidate;
}
