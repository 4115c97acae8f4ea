// A new execution's id (unguessable: an id is the only thing that names an execution to resume or cancel) and
// the seed of its Math.random, journaled so that a replay draws the same numbers.

import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for execution ids and Math.random seeds, drawn from the system's generator for 64 executions at
 * a time, as randomUUID does: one call into it costs 60-90 µs on a request's path here when the server was idle.
 */
const IDENTITY_BYTES = 34;
const random = { bytes: Buffer.alloc(IDENTITY_BYTES * 64), offset: IDENTITY_BYTES * 64 };

/** What an execution id looks like: anything else is not found, without a look in the store. */
export const ID_PATTERN = /^exe_[A-Za-z0-9_-]{24}$/;

/** A new execution's id (144 random bits) and the seed of its Math.random (128 more). */
export function newIdentity(): { id: string; seed: number[] } {
  if (random.offset === random.bytes.length) {
    randomFillSync(random.bytes);
    random.offset = 0;
  }
  const at = random.offset;
  random.offset += IDENTITY_BYTES;
  const { bytes } = random;
  return {
    id: `exe_${bytes.toString('base64url', at, at + 18)}`,
    seed: [bytes.readInt32LE(at + 18), bytes.readInt32LE(at + 22), bytes.readInt32LE(at + 26), bytes.readInt32LE(at + 30)],
  };
}
