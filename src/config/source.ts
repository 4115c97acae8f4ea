// A config file parsed with `yaml`, keeping every node's position so problems can name file:line:col.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigFileError } from './errors.js';
import { yamlProblems } from './yaml-errors.js';

export type ConfigPath = readonly (string | number)[];

export interface ConfigSource {
  /** The file as the user named it (relative to the working directory when it is inside it). */
  file: string;
  /** Absolute path, to resolve relative paths in the config against its folder. */
  filepath: string;
  text: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
  /** Where the config sits in the document: [] for atp.yaml, ['atp'] inside package.json. */
  root: ConfigPath;
}

export interface Position { line: number; col: number }

/** Parses YAML (JSON is YAML too); a syntax error is a ConfigFileError with its position. */
export function parseConfigText(text: string, file: string, filepath: string, root: ConfigPath = []): ConfigSource {
  const lineCounter = new LineCounter();
  // merge keys (<<: *defaults) as YAML 1.1 has them: a config with many similar entries is written once
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false, merge: true });
  const source: ConfigSource = { file, filepath, text, document, lineCounter, root };
  if (document.errors.length > 0) {
    const problems = yamlProblems(document.errors, text, file, (offset) => positionAt(source, offset));
    throw new ConfigFileError(`cannot parse ${file}`, problems, file);
  }
  return source;
}

export function positionAt(source: ConfigSource, offset: number): Position {
  const { line, col } = source.lineCounter.linePos(Math.max(0, Math.min(offset, source.text.length)));
  return { line, col };
}

/**
 * The position best describing `path`: the value at that path, or, when `key` is true, the key that
 * introduces it. A path that does not exist (a missing key) resolves to its nearest existing ancestor.
 */
export function locate(source: ConfigSource, path: ConfigPath, key = false): Position {
  const full = [...source.root, ...path];
  let node: unknown = source.document.contents;
  let keyNode: Node | undefined;
  for (const part of full) {
    const next = child(node, part, source.document);
    if (!next) break;
    node = next.value;
    keyNode = next.key;
  }
  const target = key && keyNode ? keyNode : (node as Node | null | undefined) ?? keyNode;
  const offset = target?.range?.[0] ?? 0;
  return positionAt(source, offset);
}

function child(node: unknown, part: string | number, document?: Document.Parsed): { key?: Node; value: unknown } | undefined {
  if (isAlias(node) && document) node = node.resolve(document);
  if (isMap(node)) {
    const merged: unknown[] = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyValue = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(keyValue) === String(part)) return { key: pair.key as Node, value: pair.value ?? pair.key };
      if (isMergeKey(keyValue)) merged.push(...(isSeq(pair.value) ? pair.value.items : [pair.value]));
    }
    // a key the map has from a merge (<<: *defaults) is where the anchored mapping writes it
    for (const source of merged) {
      const found = child(source, part, document);
      if (found) return found;
    }
    return undefined;
  }
  if (isSeq(node) && typeof part === 'number' && part < node.items.length) return { value: node.items[part] };
  return undefined;
}

/** With `merge: true` the parser makes the key of `<<: *defaults` a symbol (a plain "<<" string otherwise). */
function isMergeKey(value: unknown): boolean {
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<');
}
