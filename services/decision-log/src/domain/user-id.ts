import { InvalidArgumentError } from '@omtobe/platform';

/** User ids are JWT subjects: opaque, but never empty and never essays. */
const MAX_USER_ID_LENGTH = 256;

export function requireUserId(userId: string): string {
  if (userId.trim() === '') throw new InvalidArgumentError('user_id is required', { reason: 'missing_user_id' });
  if (userId.length > MAX_USER_ID_LENGTH) {
    throw new InvalidArgumentError(`user_id is longer than ${MAX_USER_ID_LENGTH} characters`, { reason: 'invalid_user_id' });
  }
  return userId;
}
