// The execution engine as the HTTP layer sees it. Until the engine is part of the build, executions are
// refused with a plain 501 rather than faked.

import { HttpError } from '../http/index.js';
import type { Executor } from '../execution/index.js';

export function createEngine(): Executor {
  const refuse = async (): Promise<never> => {
    throw new HttpError(501, 'running code is not available in this build yet');
  };
  return { execute: refuse, resume: refuse, close: async () => undefined };
}
