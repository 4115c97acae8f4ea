// The program's own literals: what the agent wrote before it read anything, so their origin is the user. Read
// from the transpiled program with acorn: strings, numbers, bigints and the text parts of template literals.

import { parse } from 'acorn';

export interface Literals {
  has(value: string | number): boolean;
}

const NONE: Literals = { has: () => false };

export function programLiterals(script: string): Literals {
  let ast: unknown;
  try {
    ast = parse(script, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true });
  } catch {
    return NONE; // V8 compiled it, so this is acorn lagging behind: no literal is trusted, which only restricts more
  }
  const strings = new Set<string>();
  const numbers = new Set<number>();
  visit(ast, (node) => {
    if (node.type === 'Literal') {
      const value = node.value;
      if (typeof value === 'string') strings.add(value);
      else if (typeof value === 'number') numbers.add(value);
      else if (typeof value === 'bigint') numbers.add(Number(value));
    } else if (node.type === 'TemplateElement') {
      const cooked = (node.value as { cooked?: string | null }).cooked;
      if (cooked) strings.add(cooked);
    } else if (node.type === 'UnaryExpression' && node.operator === '-' && (node.argument as Node).type === 'Literal') {
      const value = (node.argument as Node).value;
      if (typeof value === 'number') numbers.add(-value);
    }
  });
  return { has: (value) => (typeof value === 'number' ? numbers.has(value) : strings.has(value)) };
}

interface Node { type: string; [key: string]: unknown }

/** Every node of the tree, iteratively (a deep program must not overflow the stack). */
function visit(root: unknown, onNode: (node: Node) => void): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      for (const child of item) stack.push(child);
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    const node = item as Node;
    if (typeof node.type === 'string') onNode(node);
    for (const key in node) {
      if (key === 'type' || key === 'start' || key === 'end' || key === 'loc' || key === 'range') continue;
      const child = node[key];
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
}
