// A refused Connect call as its caller sees it: the error, or its code and the domain's machine reason
// (@omtobe/platform's errorReasonHeader). The test fails when the call is not refused.
import { ConnectError, type Code } from '@connectrpc/connect';
import { errorReasonHeader } from '@omtobe/platform';

/** The ConnectError a call fails with; fails the test when the call succeeds. */
export async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error('expected the call to be refused, and it succeeded');
}

/** The Connect code and the machine reason of a refused call. */
export async function refusal(call: Promise<unknown>): Promise<{ code: Code; reason: string | null }> {
  const error = await rejection(call);
  return { code: error.code, reason: error.metadata.get(errorReasonHeader) };
}
