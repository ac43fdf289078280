// How a caller sees a refused call: the Connect code and the domain's machine reason (no harness needed).
import { ConnectError } from '@connectrpc/connect';
import { errorReasonHeader } from '@omtobe/platform';

/** The Connect code and the domain's machine reason of a refused call. */
export async function refusal(call: Promise<unknown>): Promise<{ code: number; reason: string | null }> {
  try {
    await call;
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, reason: e.metadata.get(errorReasonHeader) };
  }
  throw new Error('the call was not refused');
}
