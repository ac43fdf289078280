// An InvalidArgument refusal with its machine reason, as a caller sees it (@omtobe/testing's rejection).
import { expect } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { errorReasonHeader } from '@omtobe/platform';
import { rejection } from '@omtobe/testing';

export async function expectInvalid(call: Promise<unknown>, reason: string): Promise<void> {
  const error = await rejection(call);
  expect(error.code).toBe(Code.InvalidArgument);
  expect(error.metadata.get(errorReasonHeader)).toBe(reason);
}
