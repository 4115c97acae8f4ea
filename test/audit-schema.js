// The audit event schema (schemas/audit-event.schema.json) compiled as the tests validate events with it.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats');

export const auditEventSchema = JSON.parse(readFileSync(new URL('../schemas/audit-event.schema.json', import.meta.url), 'utf8'));

/** A validator for one audit event; its `errors` say what is wrong with the last one checked. */
export function auditEventValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  (addFormats.default ?? addFormats)(ajv);
  return ajv.compile(auditEventSchema);
}
