// Inputs are checked against the tool's JSON Schema before its handler runs: handlers can trust their input.

import { createRequire } from 'node:module';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import type { JsonSchema } from '../../types.js';

// ajv ships CommonJS; its class is module.exports itself.
const Ajv = createRequire(import.meta.url)('ajv') as new (options: Options) => { compile(schema: object): ValidateFunction };

let shared: InstanceType<typeof Ajv> | undefined;

/** Returns a checker answering undefined for valid input, else what is wrong; throws when the schema itself is invalid. */
export function compileInputCheck(schema: JsonSchema, label: string): (input: unknown) => string | undefined {
  shared ??= new Ajv({ allErrors: true, strict: false, validateFormats: false });
  let validate: ValidateFunction;
  try {
    validate = shared.compile(schema as object);
  } catch (error) {
    throw new Error(`the inputSchema of ${label} is not a valid JSON Schema: ${(error as Error).message}`);
  }
  return (input) => (validate(input ?? {}) ? undefined : describe(validate.errors ?? []));
}

function describe(errors: ErrorObject[]): string {
  return errors
    .slice(0, 5)
    .map((error) => `${error.instancePath || 'input'} ${error.message ?? 'is invalid'}${error.params && 'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`)
    .join('; ');
}
