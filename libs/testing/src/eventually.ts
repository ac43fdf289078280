/**
 * Polls a probe until its value satisfies `holds`, or fails after the deadline with the last value seen.
 * Tests wait for conditions this way, never for a fixed time.
 */
export async function eventually<T>(probe: () => Promise<T> | T, holds: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (holds(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
