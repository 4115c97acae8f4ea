// Inputs are checked against the tool's JSON Schema before its handler runs: handlers can trust their input.
// The checker is the one every source uses (input-check.ts); a module's schema is compiled at load, so a
// mistake in it stops the group there rather than at its first call.

import { compileInputCheck, type InputCheck } from '../../input-check.js';
import type { JsonSchema } from '../../types.js';

/** The check of one tool's input, its errors naming `label`; throws when the schema itself is invalid. */
export function moduleInputCheck(schema: JsonSchema, schemaName: string, label: string): InputCheck {
  try {
    return compileInputCheck(schema, label);
  } catch (error) {
    throw new Error(`the inputSchema of ${schemaName} is not a valid JSON Schema: ${(error as Error).message}`);
  }
}
