// The events a test sends the engine, as the other services would publish them.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { UserRegisteredSchema, UserTimezoneChangedSchema } from '@omtobe/proto/gateway/v1';
import { CalendarSource, HighStakesEventUpsertedSchema, HrvMetric, HrvSampleRecordedSchema, HrvSource } from '@omtobe/proto/integrations/v1';
import { topics, type EngineHarness } from './harness.ts';

export const minute = 60_000;
export const day = 24 * 60 * minute;

export async function register(h: EngineHarness, userId: string, registeredAt: Date, timezone = 'America/New_York'): Promise<void> {
  await h.deliver(topics.users, userId, UserRegisteredSchema, create(UserRegisteredSchema, { userId, timezone, registeredAt: timestampFromDate(registeredAt) }));
}

export async function moveTo(h: EngineHarness, userId: string, timezone: string): Promise<void> {
  await h.deliver(topics.users, userId, UserTimezoneChangedSchema, create(UserTimezoneChangedSchema, { userId, timezone, changedAt: timestampFromDate(h.clock.now()) }));
}

export async function sample(h: EngineHarness, userId: string, sampleId: string, valueMs: number, measuredAt: Date, metric = HrvMetric.SDNN): Promise<void> {
  const source = metric === HrvMetric.SDNN ? HrvSource.HEALTHKIT : HrvSource.WHOOP;
  await h.deliver(
    topics.hrv,
    userId,
    HrvSampleRecordedSchema,
    create(HrvSampleRecordedSchema, { userId, sampleId, metric, source, valueMs, measuredAt: timestampFromDate(measuredAt) }),
  );
}

export async function meeting(h: EngineHarness, userId: string, eventId: string, title: string, startsAt: Date, minutes: number, id?: string) {
  return h.deliver(
    topics.calendar,
    userId,
    HighStakesEventUpsertedSchema,
    create(HighStakesEventUpsertedSchema, {
      userId,
      eventId,
      title,
      startsAt: timestampFromDate(startsAt),
      endsAt: timestampFromDate(new Date(startsAt.getTime() + minutes * minute)),
      source: CalendarSource.GOOGLE,
    }),
    id,
  );
}

/** SDNN samples over two days that make a baseline of 50.1 ms (four samples), ending two days before `now`. */
export async function seedBaseline(h: EngineHarness, userId: string, now: Date): Promise<void> {
  const values = [48.1, 52.1, 50.0, 50.2];
  for (const [i, v] of values.entries()) await sample(h, userId, `${userId}-b${i}`, v, new Date(now.getTime() - (2 * day - i * 9 * 60 * minute)));
}

/** A user on Day 4 with a baseline of 50.1 ms (SDNN) over two days, a fresh 35.2 ms sample and a running 90-minute "Board Meeting". */
export async function seedBrakingUser(h: EngineHarness, userId: string, timezone = 'America/New_York'): Promise<void> {
  const now = h.clock.now();
  await register(h, userId, new Date(now.getTime() - 3 * day), timezone);
  await seedBaseline(h, userId, now);
  await sample(h, userId, `${userId}-now`, 35.2, new Date(now.getTime() - 5 * minute));
  await meeting(h, userId, `${userId}-board`, 'Board Meeting', new Date(now.getTime() - 10 * minute), 90);
}

