// Checking Connect refusals the way a caller sees them: the code and the machine reason header.
import { expect } from '@jest/globals';
import { Code, ConnectError } from '@connectrpc/connect';
import { errorReasonHeader } from '@omtobe/platform';

/** The error a call failed with; fails the test when the call succeeds. */
export async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error('expected the call to fail');
}

export async function expectInvalid(call: Promise<unknown>, reason: string): Promise<void> {
  const error = await rejection(call);
  expect(error.code).toBe(Code.InvalidArgument);
  expect(error.metadata.get(errorReasonHeader)).toBe(reason);
}
