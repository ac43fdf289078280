import { describe, expect, it } from '@jest/globals';
import { create, type DescMessage } from '@bufbuild/protobuf';
import { PermanentEventError, type EventContext } from '@omtobe/events';
import { UserRegisteredSchema, UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import type { Database } from '../store/database.ts';
import type { Deps } from '../operations/deps.ts';
import { usersConsumer } from './users.ts';

// The zone is checked before anything is read or written: no database or service is needed to see it refused.
const consumer = usersConsumer({} as Pick<Deps, 'cipher' | 'clock' | 'logger' | 'settings'>);
const handlerFor = (schema: DescMessage) => consumer.handlers.find((h) => h.schema === schema)!.handle;
const ctx = {} as EventContext<Database>;

describe('users.v1 time zones', () => {
  it.each(['+05', '-03', '+0530', 'Mars/Olympus', ''])('dead-letters a registration in "%s" instead of guessing UTC', async (timezone) => {
    const event = create(UserRegisteredSchema, { userId: 'u', timezone });
    await expect(handlerFor(UserRegisteredSchema)(event, ctx)).rejects.toBeInstanceOf(PermanentEventError);
  });

  it('dead-letters a zone change it cannot apply instead of dropping it silently', async () => {
    const event = create(UserTimezoneChangedSchema, { userId: 'u', timezone: '+0530' });
    await expect(handlerFor(UserTimezoneChangedSchema)(event, ctx)).rejects.toBeInstanceOf(PermanentEventError);
  });
});
