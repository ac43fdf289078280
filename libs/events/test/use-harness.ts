import { afterAll, beforeAll } from '@jest/globals';
import { openHarness, type Harness } from './harness.ts';

/**
 * A harness opened before the enclosing describe's tests and closed after them. The object is filled in
 * beforeAll, so read it inside tests and hooks only. Apart from harness.ts because @jest/globals cannot load in
 * the crashing-consumer child process, which shares harness.ts.
 */
export function useHarness(): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    Object.assign(h, await openHarness());
  });
  afterAll(async () => {
    await h.close();
  });
  return h;
}
