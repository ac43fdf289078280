import { PermanentEventError } from '@omtobe/events';
import { InvalidArgumentError } from '@omtobe/platform';

/**
 * The domain's reading of an event, with a contract breach made permanent: an event the domain refuses (an
 * unspecified answer, a day outside 1–7, a bad id) fails the same way however often it is retried, so it goes
 * to the dead-letter topic at once with the reason. Anything else (the database) stays retried.
 */
export function fromContract<E, R>(read: (event: E) => R, event: E): R {
  try {
    return read(event);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new PermanentEventError(err.message, { cause: err });
    throw err;
  }
}
