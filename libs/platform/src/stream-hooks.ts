export interface StreamHooks {
  /** Runs each pull from the source, e.g. inside an OpenTelemetry context. */
  runIn?: <R>(pull: () => R) => R;
  /** Replaces an error the source throws. */
  mapError?: (error: unknown) => unknown;
  /** Called once: with undefined when the stream completed or the consumer stopped, else with the (mapped) error. */
  onEnd?: (error: unknown) => void;
}

/**
 * Re-yields a streaming response with hooks around it. Interceptors need this because a streaming
 * handler's work happens while the response is iterated, after `next(req)` has returned.
 */
export async function* hookStream<T>(source: AsyncIterable<T>, hooks: StreamHooks): AsyncGenerator<T> {
  const run = hooks.runIn ?? (<R>(pull: () => R) => pull());
  const iterator = run(() => source[Symbol.asyncIterator]());
  let finished = false;
  let failure: unknown;
  try {
    for (;;) {
      const step = await run(() => iterator.next());
      if (step.done === true) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } catch (error) {
    finished = true;
    failure = hooks.mapError === undefined ? error : hooks.mapError(error);
    throw failure;
  } finally {
    if (!finished) await run(() => iterator.return?.()); // the consumer stopped early: let the source clean up
    hooks.onEnd?.(failure);
  }
}
