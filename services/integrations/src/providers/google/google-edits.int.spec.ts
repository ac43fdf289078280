import { beforeEach, describe, expect, it } from '@jest/globals';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { HighStakesEventRemovedSchema, HighStakesEventUpsertedSchema } from '@omtobe/proto/integrations/v1';
import { connectGoogle } from '../../../test/flows.ts';
import { providersPerFile, type Harness } from '../../../test/harness.ts';

// Edits to meetings already held must reach the state engine even when the edit puts the meeting in the
// past: the engine brakes by the times it was last told (issue 14, item 2).
const t = (hhmm: string) => new Date(`2026-06-10T${hhmm}:00Z`);

// Each test connects its own user to a fresh calendar (freshProviders), so either runs alone or first.
describe('Google Calendar: edits to stored meetings reach calendar.v1', () => {
  let h: Harness;
  let user: string;
  let users = 0;
  const notify = async () => {
    const channel = h.google.watches.at(-1)!;
    await h.client.handleCalendarNotification({ channelId: channel.id, channelToken: channel.token, resourceId: channel.resourceId, resourceState: 'exists', messageNumber: '2' });
  };
  const upserts = (id: string, count: number) => h.published(HighStakesEventUpsertedSchema, (m) => m.userId === user && m.eventId === id, count);
  const removed = (id: string) => h.published(HighStakesEventRemovedSchema, (m) => m.userId === user && m.eventId === id, 1);
  const times = (e: { message: { startsAt?: Parameters<typeof timestampDate>[0]; endsAt?: Parameters<typeof timestampDate>[0] } }) => [
    timestampDate(e.message.startsAt!).toISOString(),
    timestampDate(e.message.endsAt!).toISOString(),
  ];

  providersPerFile(t('10:15'), (started) => (h = started));
  beforeEach(async () => {
    users += 1;
    user = `g-editor-${users}`;
    h.google.put({ id: 'board', summary: 'Board Meeting', start: t('10:00'), end: t('12:00') });
    h.google.put({ id: 'pitch', summary: 'Investor negotiation', start: t('13:00'), end: t('14:00') });
    h.google.put({ id: 'review', summary: 'Quarterly Review', start: t('15:00'), end: t('16:00') });
    h.google.put({ id: 'decide', summary: '!Decide on the offer', start: t('16:00'), end: t('17:00') });
    h.google.put({ id: 'budget', summary: 'Budget Review', start: t('11:30'), end: t('13:00') });
    await connectGoogle(h, user);
    expect(await h.runSyncs()).toBe(1);
    await h.published(HighStakesEventUpsertedSchema, (m) => m.userId === user, 5);
  });

  it('publishes a meeting that ended early and one moved into the past with their new times; a cancellation and a lost keyword as removals', async () => {
    h.clock.set(t('11:00'));
    h.google.put({ id: 'board', summary: 'Board Meeting', start: t('10:00'), end: t('10:45') });
    h.google.put({ id: 'pitch', summary: 'Investor negotiation', start: t('08:00'), end: t('09:00') });
    h.google.put({ id: 'review', summary: 'Quarterly catch-up', start: t('15:00'), end: t('16:00') });
    h.google.cancel('decide');
    await notify();
    expect(await h.runSyncs()).toBe(1);

    expect(times((await upserts('board', 2))[1]!)).toEqual([t('10:00').toISOString(), t('10:45').toISOString()]);
    expect(times((await upserts('pitch', 2))[1]!)).toEqual([t('08:00').toISOString(), t('09:00').toISOString()]);
    await removed('review');
    await removed('decide');
    // What is stored follows what was published (and the retention purge removes the ended ones later).
    const stored = (await h.client.exportUserData({ userId: user })).events.map((e) => [e.eventId, timestampDate(e.endsAt!).toISOString()]);
    expect(stored.sort()).toEqual([
      ['board', t('10:45').toISOString()],
      ['budget', t('13:00').toISOString()],
      ['pitch', t('09:00').toISOString()],
    ]);
  });

  it('removes a running meeting that a full resync no longer lists because it ended early', async () => {
    h.clock.set(t('12:00'));
    h.google.put({ id: 'budget', summary: 'Budget Review', start: t('11:30'), end: t('11:50') });
    h.google.invalidateSyncTokens();
    await notify();
    expect(await h.runSyncs()).toBe(1);
    await removed('budget');
  });
});
