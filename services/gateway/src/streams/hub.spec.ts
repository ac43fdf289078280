import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import pino from 'pino';
import { ResourceExhaustedError, UnavailableError } from '@omtobe/platform';
import { PromptTransitionKind, PromptTransitionSchema } from '@omtobe/proto/state-engine/v1';
import { StreamHub } from './hub.ts';

const logger = pino({ level: 'silent' });
const transition = (userId: string, sequence: number) => create(PromptTransitionSchema, { userId, kind: PromptTransitionKind.BRAKE_RAISED, sequence: BigInt(sequence) });
const open = new AbortController().signal;

describe('the stream hub', () => {
  it('hands a transition to its user’s streams only', async () => {
    const hub = new StreamHub({ perUserLimit: 5, logger });
    const alice = [hub.open('alice'), hub.open('alice')];
    const bob = hub.open('bob');
    expect(hub.publish(transition('alice', 1))).toBe(2);
    for (const mailbox of alice) expect(await mailbox.take(open, 1_000)).toMatchObject({ transition: { userId: 'alice', sequence: 1n } });
    expect(await bob.take(open, 10)).toBeUndefined();
  });

  it('refuses a stream beyond the per-user cap, and makes room as soon as one closes', () => {
    const hub = new StreamHub({ perUserLimit: 2, logger });
    const first = hub.open('alice');
    hub.open('alice');
    expect(() => hub.open('alice')).toThrow(ResourceExhaustedError);
    expect(hub.open('bob')).toBeDefined();
    first.close();
    expect(hub.open('alice')).toBeDefined();
    expect(hub.openStreams).toBe(3);
  });

  it('refuses a stream beyond the replica’s limit with UNAVAILABLE (try again), and counts a closed one out', () => {
    const hub = new StreamHub({ perUserLimit: 5, replicaLimit: 2, logger });
    const first = hub.open('alice');
    hub.open('bob');
    expect(() => hub.open('carol')).toThrow(expect.objectContaining({ reason: 'streams_full' }));
    expect(() => hub.open('carol')).toThrow(UnavailableError);
    first.close();
    first.close(); // closing twice frees one slot, not two
    expect(hub.open('carol')).toBeDefined();
    expect(() => hub.open('dave')).toThrow(UnavailableError);
    expect(hub.openStreams).toBe(2);
  });

  it('ends an erased user’s streams after what is queued, and no one else’s', async () => {
    const hub = new StreamHub({ perUserLimit: 5, logger });
    const alice = hub.open('alice');
    const bob = hub.open('bob');
    hub.publish(transition('alice', 1));
    hub.closeUser('alice');
    expect(await alice.take(open, 1_000)).toMatchObject({ transition: { sequence: 1n } });
    expect(await alice.take(open, 1_000)).toEqual({ end: 'erased' });
    expect(await bob.take(open, 10)).toBeUndefined();
  });

  it('ends a stream that falls too far behind instead of queueing without bound', async () => {
    const hub = new StreamHub({ perUserLimit: 5, logger });
    const slow = hub.open('alice');
    for (let i = 1; i <= 100; i += 1) hub.publish(transition('alice', i));
    expect(await slow.take(open, 1_000)).toEqual({ end: 'lagging' });
  });

  it('drains: ends every stream, refuses new ones, and resolves once the streams closed (not at its timeout)', async () => {
    const hub = new StreamHub({ perUserLimit: 5, logger });
    const streams = [hub.open('alice'), hub.open('bob')];
    const closing = streams.map(async (mailbox) => {
      expect(await mailbox.take(open, 5_000)).toEqual({ end: 'draining' });
      mailbox.close();
    });
    const started = performance.now();
    await hub.drain(20_000);
    await Promise.all(closing);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(hub.openStreams).toBe(0);
    expect(() => hub.open('alice')).toThrow(UnavailableError);
  });

  it('wakes a waiting stream when its client goes away', async () => {
    const hub = new StreamHub({ perUserLimit: 5, logger });
    const mailbox = hub.open('alice');
    const hangUp = new AbortController();
    const waiting = mailbox.take(hangUp.signal, 60_000);
    hangUp.abort();
    expect(await waiting).toBeUndefined();
  });
});
