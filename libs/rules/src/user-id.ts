import { InvalidArgumentError } from '@omtobe/platform';

/**
 * A user id: the identity provider's subject (`sub`), the one key of a person's data in every service. One rule,
 * applied where a token is verified and again by every service that takes an id in a request: 1–128 characters of
 * letters, digits and `. _ : @ | -` — what identity providers use (Auth0 `auth0|…`, Google's digits, Cognito's
 * UUIDs, Sign in with Apple's `000123.abc….0123`), and nothing that needs escaping in a log line, a URL or a key.
 */
export const maxUserIdLength = 128;

const userIdPattern = /^[A-Za-z0-9._:@|-]+$/;

/** Why `id` is not a user id, or undefined when it is one. The length is checked before the pattern. */
export function userIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (id.length > maxUserIdLength) return `is longer than ${maxUserIdLength} characters`;
  if (!userIdPattern.test(id)) return 'may hold only letters, digits and . _ : @ | -';
  return undefined;
}

/** The user id of a request or an event, or INVALID_ARGUMENT `invalid_user_id` naming what is wrong with it. */
export function requireUserId(id: string, field = 'user_id'): string {
  const problem = userIdProblem(id);
  if (problem !== undefined) throw new InvalidArgumentError(`${field} ${problem}`, { reason: 'invalid_user_id' });
  return id;
}
