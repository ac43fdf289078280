import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { zoneWhereLocalHourIn } from '@omtobe/testing';
import { isRetryable, isSuccess } from './calls.ts';
import type { Answer, GatewayClient } from './gateway-client.ts';

/** A decision the gateway acknowledged (2xx): it must be in the decision log exactly once. */
export interface AckedDecision {
  userId: string;
  idempotencyKey: string;
  decisionId: string;
  type: 'Proceed' | 'Delay';
  /** Epoch ms of the acknowledgement. */
  at: number;
}

/** An HRV sample the gateway acknowledged (accepted, or duplicate of one stored before). */
export interface AckedSample {
  userId: string;
  sampleId: string;
  at: number;
}

interface CheckJson {
  should_display?: boolean;
  reason?: string | null;
  hrv_baseline_mean?: number | null;
}

/** How long the app keeps retrying one logical request (same Idempotency-Key, same sample ids) before giving up. */
export const persistMs = 90_000;
const thinkMs = 150;
const uploadEvery = 3;
const historyEvery = 5;
/** No scenario loads for this long: a loop still running then was never told to stop. */
const maxRunMs = 10 * 60_000;

/**
 * One simulated app: registered, on Day 4 with a high-stakes event running and its HRV 30% down, so the
 * brake shows. It then answers the brake again and again without moving anybody's clock: after each answer
 * `dev/cycle-day` makes today Day 4 of a fresh cycle, which clears cooling and locks, so the same running
 * event arms the brake again. Every third round it uploads HealthKit samples, every fifth it reads its
 * history. A 503 or a lost answer is retried with the same request, as the app does, until it gets an answer.
 */
export class AppUser {
  readonly id: string;
  readonly decisions: AckedDecision[] = [];
  readonly samples: AckedSample[] = [];
  /** Logical requests given up after `persistMs` of retries, by kind: their effect is unknown. */
  readonly abandoned = { decisions: 0, samples: 0 };
  /** When set-up steps first succeeded (epoch ms): the state engine knew the user (cycle-day), the brake showed. */
  readonly milestones: { known?: number; brake?: number } = {};
  /** Answers that were neither a success nor retryable (a 409, a 500...), for the report. */
  readonly refused: string[] = [];
  private readonly client: GatewayClient;
  private readonly token: string;
  private baseline = 50;
  private round = 0;
  private lastDropAt = 0;

  constructor(client: GatewayClient, id: string, token: string) {
    this.client = client;
    this.id = id;
    this.token = token;
  }

  /** The user's access token (the verifier reads the history as the user). */
  get bearer(): string {
    return this.token;
  }

  /** Resolves once the brake shows for this user; throws after `timeoutMs`. */
  async setUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // A zone where it is night now: the development mock calendar gives every user meetings in the day (11:00–12:00,
    // 15:00–15:45 local), and a brake shown for one of those is rightly refused once it ends (409 no_pending_brake:
    // the meeting is over); the load brakes only for the meeting it injects, and no local midnight moves its days.
    const timezone = zoneWhereLocalHourIn(new Date(), 1, 7);
    await this.must('register', () => this.post('register', '/users', { email: `${this.id}@chaos.example`, timezone }));
    // 503 registration_in_progress until the state engine has consumed the registration from users.v1.
    await this.must('cycle-day', () => this.post('cycle-day', '/dev/cycle-day', { day: 4 }));
    this.milestones.known = Date.now();
    await this.must('event', () => this.post('event', '/dev/high-stakes-event', { title: 'Board Meeting', duration_minutes: 12 * 60 }));
    await this.injectDrop();
    while (Date.now() < deadline) {
      const check = await this.check();
      if (check?.should_display) {
        this.milestones.brake = Date.now();
        return;
      }
      await this.unblock(check?.reason ?? null);
      await delay(300);
    }
    throw new Error(`the brake did not show for ${this.id} within ${timeoutMs / 1000} s`);
  }

  /** The decide loop, until `stop` (the round under way is finished: its key is never left half-retried). */
  async run(stop: AbortSignal): Promise<void> {
    const until = Date.now() + maxRunMs;
    while (!stop.aborted && Date.now() < until) {
      this.round += 1;
      const check = await this.check();
      if (check?.should_display) await this.decide(this.round % 2 === 0 ? 'Proceed' : 'Delay');
      else await this.unblock(check?.reason ?? null);
      if (this.round % uploadEvery === 0) await this.upload();
      if (this.round % historyEvery === 0) await this.persist('history', () => this.client.call('history', '/decisions/history?page_size=20', { token: this.token }));
      await delay(thinkMs + Math.random() * thinkMs);
    }
  }

  private async check(): Promise<CheckJson | undefined> {
    const answer = await this.persist('check', () => this.client.call('check', '/state/check', { method: 'POST', token: this.token }));
    const check = answer.json as CheckJson | undefined;
    if (isSuccess(answer.outcome) && typeof check?.hrv_baseline_mean === 'number') this.baseline = check.hrv_baseline_mean;
    return isSuccess(answer.outcome) ? check : undefined;
  }

  private async decide(type: 'Proceed' | 'Delay'): Promise<void> {
    const key = randomUUID();
    const answer = await this.persist('decide', () =>
      this.client.call('decide', '/decisions', { token: this.token, body: { decision_type: type }, headers: { 'idempotency-key': key } }),
    );
    if (isSuccess(answer.outcome)) {
      const decisionId = String((answer.json as { decision_id?: string }).decision_id);
      this.decisions.push({ userId: this.id, idempotencyKey: key, decisionId, type, at: Date.now() });
    } else if (isRetryable(answer.outcome)) {
      this.abandoned.decisions += 1;
    }
    // A fresh Day 4: no cooling, no locks, so the running event arms the brake again.
    await this.persist('cycle-day', () => this.post('cycle-day', '/dev/cycle-day', { day: 4 }));
  }

  /** Why the brake does not show, and what brings it back. */
  private async unblock(reason: string | null): Promise<void> {
    if (reason === 'hrv_normal' || reason === 'stale_hrv' || reason === 'no_baseline') await this.injectDrop();
    else if (reason === 'cooling' || reason === 'locked_for_event' || reason?.endsWith('_phase')) {
      await this.persist('cycle-day', () => this.post('cycle-day', '/dev/cycle-day', { day: 4 }));
    }
    // no_high_stakes_event: the injected event is still on its way through calendar.v1.
  }

  private async injectDrop(): Promise<void> {
    // The drop travels through hrv.v1 (and its hold keeps the mock stream down): once per 10 s is plenty.
    if (Date.now() - this.lastDropAt < 10_000) return;
    this.lastDropAt = Date.now();
    await this.persist('hrv-drop', () => this.post('hrv-drop', '/dev/hrv-drop', { drop_percent: 30 }));
  }

  /**
   * Two samples measured hours to days ago at the user's baseline: they are stored and published like any
   * upload, and being older than the latest reading they do not lift the drop that arms the brake.
   */
  private async upload(): Promise<void> {
    const samples = [0, 1].map(() => {
      const end = Date.now() - 2 * 3_600_000 - Math.random() * 48 * 3_600_000;
      return {
        uuid: randomUUID().toUpperCase(),
        start: new Date(end - 60_000).toISOString(),
        end: new Date(end).toISOString(),
        value: Math.round(this.baseline * (0.95 + Math.random() * 0.1) * 10) / 10,
        unit: 'ms',
      };
    });
    const answer = await this.persist('upload', () => this.post('upload', '/hrv/samples', { samples }));
    if (!isSuccess(answer.outcome)) {
      if (isRetryable(answer.outcome)) this.abandoned.samples += samples.length;
      return;
    }
    const results = (answer.json as { results?: Array<{ uuid: string; outcome: string; reason?: string | null }> }).results ?? [];
    for (const result of results) {
      if (result.outcome === 'accepted' || result.outcome === 'duplicate') this.samples.push({ userId: this.id, sampleId: result.uuid, at: Date.now() });
      else this.refused.push(`upload ${result.uuid}: ${result.outcome} ${result.reason ?? ''}`);
    }
  }

  private post(kind: Parameters<GatewayClient['call']>[0], path: string, body: unknown): Promise<Answer> {
    return this.client.call(kind, path, { token: this.token, body });
  }

  private async must(what: string, send: () => Promise<Answer>): Promise<Answer> {
    const answer = await this.persist(what, send);
    if (!isSuccess(answer.outcome)) throw new Error(`setting up ${this.id}: ${what} answered ${answer.outcome} ${JSON.stringify(answer.json) ?? ''}`);
    return answer;
  }

  /** Sends the same request until it gets an answer that is not a 503 or a failure to answer, for up to `persistMs`. */
  private async persist(what: string, send: () => Promise<Answer>): Promise<Answer> {
    const deadline = Date.now() + persistMs;
    for (;;) {
      const answer = await send();
      if (!isRetryable(answer.outcome)) {
        if (!isSuccess(answer.outcome)) this.refused.push(`${what}: ${answer.outcome} ${JSON.stringify(answer.json)?.slice(0, 200)}`);
        return answer;
      }
      if (Date.now() > deadline) return answer;
      // Faster than the Retry-After a real app honours: the suite measures how soon the system answers again.
      await delay(250 + Math.random() * 250);
    }
  }
}
