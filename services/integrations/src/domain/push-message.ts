import { createHash } from 'node:crypto';

/**
 * What a push says, per kind and platform. Lock-screen privacy: a push carries no HRV value and no meeting title,
 * ever — only generic words, the kind, the transition and event ids and when it lapses; the app fetches the
 * details over the authenticated API when it opens. Pure: the adapters (providers/apns, providers/fcm) only
 * carry these out.
 */
export type PushKind = 'brake' | 'reflection' | 'reading';

export interface PushIntent {
  kind: PushKind;
  transitionId: string;
  /** The calendar event's id (brake, reading); never its title. */
  eventId?: string;
  /** Not delivered after this (the event's end, the end of Day 7). */
  expiresAt: Date;
}

export interface PushOptions {
  /** Reading requests also show a visible "take a one-minute Breathe session" alert (PUSH_BREATHE_PROMPT). */
  breathePrompt: boolean;
}

export const pushTexts = {
  brake: { title: 'A decision moment', body: 'Does this need to be finalised now?' },
  reflection: { title: 'Your week', body: 'In the past 7 days, did pausing help?' },
  breathe: { title: 'A fresh reading', body: 'Take a one-minute Breathe session.' },
} as const;

/** The custom data every push carries (strings only: FCM's `data` takes nothing else). */
export function pushData(intent: PushIntent): Record<string, string> {
  return {
    kind: intent.kind,
    transition_id: intent.transitionId,
    ...(intent.eventId ? { event_id: intent.eventId } : {}),
    expires_at: intent.expiresAt.toISOString(),
  };
}

/**
 * apns-collapse-id / FCM collapse_key: a re-raised brake for the same event replaces the one still shown. APNs
 * allows 64 bytes and event ids are the provider's (any length), so the id is hashed.
 */
export function collapseKey(intent: PushIntent): string | undefined {
  if (intent.kind === 'brake' && intent.eventId) return `brake-${shortHash(intent.eventId)}`;
  if (intent.kind === 'reflection') return `reflection-${shortHash(intent.expiresAt.toISOString())}`;
  return undefined;
}

const shortHash = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 24);

export interface ApnsPush {
  pushType: 'alert' | 'background';
  /** 10 = at once (the brake), 5 = power-aware (everything else; background pushes must be 5). */
  priority: 10 | 5;
  /** apns-expiration, epoch seconds: APNs keeps trying until then, and never after. */
  expiration: number;
  collapseId?: string;
  /** The whole JSON body: `aps` and our custom keys. */
  payload: Record<string, unknown>;
}

export function apnsPush(intent: PushIntent, options: PushOptions): ApnsPush {
  const data = pushData(intent);
  const expiration = Math.floor(intent.expiresAt.getTime() / 1000);
  const collapseId = collapseKey(intent);
  const common = { expiration, ...(collapseId ? { collapseId } : {}) };
  switch (intent.kind) {
    case 'brake':
      // time-sensitive breaks through Focus modes (the app has the Time Sensitive Notifications capability).
      return { ...common, pushType: 'alert', priority: 10, payload: { aps: { alert: pushTexts.brake, sound: 'default', 'interruption-level': 'time-sensitive' }, ...data } };
    case 'reflection':
      return { ...common, pushType: 'alert', priority: 5, payload: { aps: { alert: pushTexts.reflection, 'interruption-level': 'active' }, ...data } };
    case 'reading':
      if (options.breathePrompt) {
        return { ...common, pushType: 'alert', priority: 5, payload: { aps: { alert: pushTexts.breathe, 'content-available': 1, 'interruption-level': 'active' }, ...data } };
      }
      // A silent push: content-available alone in aps, push type background, priority 5 (Apple requires both).
      return { ...common, pushType: 'background', priority: 5, payload: { aps: { 'content-available': 1 }, ...data } };
  }
}

/** An FCM HTTP v1 `message` without its token. */
export interface FcmMessage {
  data: Record<string, string>;
  notification?: { title: string; body: string };
  android: { priority: 'HIGH' | 'NORMAL'; ttl: string; collapse_key?: string };
}

export function fcmMessage(intent: PushIntent, now: Date, options: PushOptions): FcmMessage {
  const ttlSeconds = Math.max(0, Math.floor((intent.expiresAt.getTime() - now.getTime()) / 1000));
  const collapse = collapseKey(intent);
  const android = (priority: 'HIGH' | 'NORMAL') => ({ priority, ttl: `${ttlSeconds}s`, ...(collapse ? { collapse_key: collapse } : {}) });
  const data = pushData(intent);
  switch (intent.kind) {
    case 'brake':
      return { data, notification: { ...pushTexts.brake }, android: android('HIGH') };
    case 'reflection':
      return { data, notification: { ...pushTexts.reflection }, android: android('NORMAL') };
    case 'reading':
      // Data-only: the app wakes and syncs, nothing is shown (unless the Breathe prompt is on).
      return { data, ...(options.breathePrompt ? { notification: { ...pushTexts.breathe } } : {}), android: android('NORMAL') };
  }
}

/** One readable line for the development sender (and nothing private: no token, no title). */
export function describePush(intent: PushIntent, device: { platform: string; tag: string }, options: PushOptions): string {
  const apns = apnsPush(intent, options);
  const what =
    intent.kind === 'brake'
      ? `brake (time-sensitive, collapse ${apns.collapseId})`
      : intent.kind === 'reflection'
        ? 'reflection (visible)'
        : options.breathePrompt
          ? 'reading request (background + Breathe alert)'
          : 'reading request (background)';
  const until = intent.expiresAt.toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z');
  return `push → ${device.platform} …${device.tag}: ${what} until ${until}`;
}
