// A replay rebuilds a program from its journal without making any call again: each call the program makes is
// checked against the one it made when it first ran (same id, operation, function and arguments), and at the
// end it must have made all of them. What differs is a divergence, said in words.

import { argsHash, type CallRecord } from './journal.js';

export class ReplayVerifier {
  private verified = 0;

  constructor(private readonly calls: Map<number, CallRecord>) {}

  /** Undefined when call `id` is the one the journal has; else how the replay diverged. `json`: its arguments. */
  check(id: number, op: string, name: string, json: string): string | undefined {
    const expected = this.calls.get(id);
    const now = describeCall(op, name);
    if (!expected) return `it made call #${id} (${now}), which it did not make when it first ran`;
    if (expected[1] !== op || expected[2] !== name) return `call #${id} was ${describeCall(expected[1], expected[2])} when the code first ran, and is ${now} now`;
    if (expected[3] !== argsHash(json)) return `call #${id} (${now}) got different arguments than when the code first ran`;
    this.verified++;
    return undefined;
  }

  /** At the end of the replay: undefined when every call was made again, else how many were not. */
  missing(): string | undefined {
    if (this.verified === this.calls.size) return undefined;
    return `it made ${this.verified} of the ${this.calls.size} calls it made when it first ran`;
  }
}

function describeCall(op: string, name: string): string {
  if (op === 'api' || op === 'tool') return `api.${name}`;
  if (op === 'timer') return 'a timer';
  return `atp.${op}`;
}
