// Short descriptions for result lists: one line, summarized as definitions are (constraints and examples kept).

import { summarize } from '../catalog/index.js';

const MAX_LENGTH = 240;

export function oneLineDescription(description: string | undefined): string {
  return summarize(description ?? '', MAX_LENGTH);
}
