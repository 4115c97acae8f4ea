// Calls that wait for a person: an approval a policy asks for (policies.requireApproval), or a sign-in the
// group needs first (config authorization: pause). What the client is asked, and what its answer means.

import type { ApprovalGate } from '../runtime/index.js';
import type { CallbackRequest } from './types.js';

/** The person's answer: approved (the call runs), or the error that enters the sandbox at the awaiting call. */
export type Verdict = { approved: true } | { approved: false; error: Record<string, unknown> };

export function verdictOf(gate: ApprovalGate, answer: unknown): Verdict {
  const verdict = (typeof answer === 'object' && answer !== null ? answer : {}) as { approved?: unknown; response?: unknown };
  if (verdict.approved === true) return { approved: true };
  if (gate.signIn) {
    const { authorizationUrl } = gate.signIn;
    return {
      approved: false,
      error: { message: `api.${gate.fn} needs the person to sign in first, and they did not; the call was not made. Sign-in address: ${authorizationUrl}`, code: 'AUTHORIZATION_REQUIRED', authorizationUrl },
    };
  }
  const reason = typeof verdict.response === 'string' && verdict.response ? `: ${verdict.response.slice(0, 1000)}` : '';
  return { approved: false, error: { message: `api.${gate.fn} was not approved${reason}; the call was not made`, code: 'APPROVAL_DENIED', callback: true } };
}

/** The approval that asks the person to sign in to the group of `fn` before the call runs again. */
export function signInRequest(fn: string, authorizationUrl: string): CallbackRequest {
  const group = fn.split('.')[0];
  return {
    type: 'approval',
    operation: 'request',
    payload: {
      message: `Sign in to ${group} so that api.${fn} can act as you: open ${authorizationUrl}, then approve to continue`,
      context: { function: `api.${fn}`, group, authorizationUrl, reason: 'AUTHORIZATION_REQUIRED' },
    },
  };
}
