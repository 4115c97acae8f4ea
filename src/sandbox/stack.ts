// Stacks shown to clients contain only frames of the user's code, at the user's own lines. Runtime frames,
// isolated-vm's boundary and anything from the host are dropped.

import { START_GLOBAL } from './protocol.js';
import { AGENT_FILENAME } from './sandbox.js';
import type { Transpiled } from './transpile.js';

export interface UserFrame { fn?: string; line: number; column: number }

const FRAME = new RegExp(`^\\s*at (?:(async )?(.*?) \\()?(?:async )?${AGENT_FILENAME.replace('.', '\\.')}:(\\d+):(\\d+)\\)?\\s*$`);

/** Frames of the user's code found in a V8 stack, mapped to the user's lines, innermost first. */
export function userFrames(stack: string, code: Transpiled): UserFrame[] {
  const frames: UserFrame[] = [];
  for (const text of stack.split('\n')) {
    const match = FRAME.exec(text);
    if (!match) continue;
    const position = code.original(Number(match[3]), Number(match[4]));
    if (!position) continue;
    const name = match[2] && !match[2].includes('<') && match[2] !== START_GLOBAL ? match[2] : undefined;
    frames.push({ fn: name, line: position.line, column: position.column });
  }
  return frames;
}

/** A stack from renderStack with its frames naming `filename` (the file `atp exec` read) instead of the sandbox's name. */
export function stackIn(stack: string, filename: string): string {
  return stack.replaceAll(`(${AGENT_FILENAME}:`, `(${filename}:`).replaceAll(`at ${AGENT_FILENAME}:`, `at ${filename}:`);
}

/** `Name: message` followed by the user's frames, in V8's format. */
export function renderStack(name: string, message: string, frames: UserFrame[]): string {
  const lines = [`${name}: ${message}`];
  for (const frame of frames.slice(0, 10)) {
    const where = `${AGENT_FILENAME}:${frame.line}:${frame.column}`;
    lines.push(frame.fn ? `    at ${frame.fn} (${where})` : `    at ${where}`);
  }
  return lines.join('\n');
}
