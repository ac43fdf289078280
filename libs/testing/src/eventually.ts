export interface EventuallyOptions {
  /** How long to keep trying (default 20 s). */
  timeoutMs?: number;
  /**
   * Pause between probes (default 25 ms). A probe that calls a rate-limited route should pause at least
   * window / limit (e.g. 500 ms under 120 per minute), so polling alone never uses up the caller's budget.
   */
  intervalMs?: number;
}

/**
 * Polls a probe until its value satisfies `holds`, or fails after the deadline with the last value seen.
 * Tests wait for conditions this way, never for a fixed time.
 *
 * A probe that throws is tried again like one whose value does not hold yet (a service still starting, a
 * request refused for a moment): what is awaited is the condition, not the first answer. If the deadline
 * passes, the failure names the last value, or rethrows the last error when the last attempt threw.
 */
export async function eventually<T>(probe: () => Promise<T> | T, holds: (value: T) => boolean, options: number | EventuallyOptions = {}): Promise<T> {
  const { timeoutMs = 20_000, intervalMs = 25 } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: { value: T } | { error: unknown };
    try {
      const value = await probe();
      if (holds(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() > deadline) {
      if ('error' in last) {
        const cause = last.error instanceof Error ? last.error.message : String(last.error);
        throw new Error(`condition not met within ${timeoutMs} ms; the last probe failed: ${cause}`, { cause: last.error });
      }
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last.value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
