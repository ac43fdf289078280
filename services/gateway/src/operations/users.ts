import { create, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import type { Transaction } from 'kysely';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvent, topics } from '@omtobe/events';
import { InvalidArgumentError } from '@omtobe/platform';
import { canonicalTimeZone } from '@omtobe/rules';
import {
  DeleteMeResponseSchema,
  RegisterUserResponseSchema,
  UserDeletedSchema,
  UserRegisteredSchema,
  UserSchema,
  UserTimezoneChangedSchema,
  type DeleteMeResponse,
  type RegisterUserRequest,
  type RegisterUserResponse,
} from '@omtobe/proto/gateway/v1';
import type { Database } from '../store/database.ts';
import { deletePendingEvents, deleteUser, insertUser, lockUser, updateUser } from '../store/users.repo.ts';
import type { Caller } from './caller.ts';
import type { Deps } from './deps.ts';
import { emailAddress } from './email.ts';

/**
 * POST /users: registers or updates the caller's profile. The first registration and every timezone change
 * go out on users.v1 in the same transaction (the outbox); the email never leaves the gateway.
 */
export async function registerUser(deps: Deps, caller: Caller, req: RegisterUserRequest): Promise<RegisterUserResponse> {
  const email = emailAddress(req.email);
  if (email === undefined) {
    throw new InvalidArgumentError('email is not a valid address', { reason: 'invalid_email' });
  }
  // The validator every service shares (@omtobe/rules): a zone accepted here is one the state engine can apply
  // (a fixed offset such as '+05' would leave the user unregistered there). The canonical spelling is stored and published.
  const timezone = canonicalTimeZone(req.timezone);
  if (timezone === undefined) {
    throw new InvalidArgumentError('timezone must be an IANA time zone name such as "Europe/London" (not an offset such as "+05")', {
      reason: 'invalid_timezone',
    });
  }
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const existing = await lockUser(trx, caller.userId);
    if (!existing) {
      await insertUser(trx, { user_id: caller.userId, email, timezone, created_at: now, updated_at: now });
      await enqueueUsersEvent(trx, UserRegisteredSchema, { userId: caller.userId, timezone, registeredAt: timestampFromDate(now) }, now);
    } else if (existing.email !== email || existing.timezone !== timezone) {
      await updateUser(trx, caller.userId, { email, timezone, updated_at: now });
      if (existing.timezone !== timezone) {
        await enqueueUsersEvent(trx, UserTimezoneChangedSchema, { userId: caller.userId, timezone, changedAt: timestampFromDate(now) }, now);
      }
    }
    return create(RegisterUserResponseSchema, {
      user: create(UserSchema, { userId: caller.userId, email, timezone }),
      created: !existing,
    });
  });
}

/**
 * DELETE /me: removes the profile and publishes UserDeleted, on which every service erases the user's rows.
 * Published even without a profile, so data that reached other services is erased all the same. It names the
 * registration it ends (the profile's creation, which UserRegistered published as `registered_at`): other
 * services drop that registration's events whenever they arrive, even those made after this instant (a
 * decision answered before the state engine applies the erasure), and keep a new registration's. The user's
 * registration and zone changes not yet published are deleted, never published. The user's open state streams
 * end.
 */
export async function deleteMe(deps: Deps, caller: Caller): Promise<DeleteMeResponse> {
  const now = deps.clock.now();
  const result = await deps.db.transaction().execute(async (trx) => {
    // The profile's row lock first: a registration or zone change of the user under way commits (with its outbox row) before.
    const deleted = await deleteUser(trx, caller.userId);
    // An earlier UserDeleted still waiting stays: it names the registration it ended, which this one may not.
    await deletePendingEvents(trx, caller.userId, UserDeletedSchema.typeName);
    await enqueueUsersEvent(
      trx,
      UserDeletedSchema,
      { userId: caller.userId, deletedAt: timestampFromDate(now), ...(deleted ? { registeredAt: timestampFromDate(deleted.createdAt) } : {}) },
      now,
    );
    return create(DeleteMeResponseSchema, { deleted: deleted !== undefined });
  });
  // The user's live streams on this replica end now; other replicas' end when they hear UserDeleted.
  deps.streams?.hub.closeUser(caller.userId);
  return result;
}

/** A users.v1 event about the user, keyed by the user id, in the transaction that changed the profile (the outbox). */
function enqueueUsersEvent<Desc extends DescMessage>(trx: Transaction<Database>, schema: Desc, init: MessageInitShape<Desc> & { userId: string }, now: Date) {
  return enqueueEvent(trx, { topic: topics.users, key: init.userId, schema, message: create(schema, init), occurredAt: now });
}
