// Short descriptions for result lists: one line, the summary when the whole text is long.

import { splitDescription } from './fields.js';

const MAX_LENGTH = 240;

export function oneLineDescription(description: string | undefined): string {
  const flat = (description ?? '').replace(/\s+/g, ' ').trim();
  if (flat.length <= MAX_LENGTH) return flat;
  const [summary] = splitDescription(description ?? '');
  const line = summary.replace(/\s+/g, ' ').trim();
  return line.length <= MAX_LENGTH ? line : `${line.slice(0, MAX_LENGTH - 1).trimEnd()}…`;
}
