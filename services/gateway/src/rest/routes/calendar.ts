import { create } from '@bufbuild/protobuf';
import { timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { ConnectError } from '@connectrpc/connect';
import type { FastifyInstance } from 'fastify';
import { errorReasonHeader } from '@omtobe/platform';
import { UploadCalendarEventsRequestSchema } from '@omtobe/proto/gateway/v1';
import { CalendarEventOutcome, DeviceCalendarEventSchema, DeviceEventStatus } from '@omtobe/proto/integrations/v1';
import { uploadCalendarEvents } from '../../operations/calendar.ts';
import type { RestOptions } from '../options.ts';
import { callerOf } from './caller.ts';
import { answers, authenticated, jsonBody } from './responses.ts';

// The phone's own calendars (EventKit, Android CalendarContract): POST /api/v1/calendar/events. Times arrive as
// RFC 3339 text with an offset and are parsed here, one by one: a time that does not parse is that event's
// `invalid_time` answer (integrations gives it), not a refusal of the whole batch. The window is the batch's: a bad
// one refuses it (422), and so does a batch larger than one upload may carry (413).

// Local `$ref`s, not ./schemas.ts's `ref`: schemas.ts may list `calendarSchemas`, and a module evaluated inside an
// import cycle must not call what the cycle has not finished defining.
const refTo = (id: string) => ({ $ref: `${id}#` }) as const;

/** The named schemas of this route, for the app's shared components (`app.addSchema`, the OpenAPI document). */
export const calendarSchemas = [
  {
    $id: 'CalendarEventResult',
    type: 'object',
    description: 'What happened to one uploaded event.',
    additionalProperties: false,
    required: ['event_id', 'outcome', 'reason'],
    properties: {
      event_id: { type: 'string', description: 'the id as uploaded' },
      outcome: {
        type: 'string',
        enum: ['stored', 'ignored', 'rejected'],
        description:
          'stored: high-stakes, kept (the brake may show during it); ignored: nothing of it is kept (a kept one is withdrawn); ' +
          'rejected: refused, nothing changes for it',
      },
      reason: {
        type: ['string', 'null'],
        description:
          'ignored: not_high_stakes, all_day, cancelled or ended; rejected: invalid_event_id, duplicate_event_id, title_too_long, ' +
          'invalid_time, end_not_after_start or outside_window; null when stored',
      },
    },
  },
  {
    $id: 'CalendarEventResults',
    type: 'object',
    description: 'One result per uploaded event, in upload order, and how many kept events of the window were withdrawn.',
    additionalProperties: false,
    required: ['results', 'withdrawn'],
    properties: {
      results: { type: 'array', items: refTo('CalendarEventResult') },
      withdrawn: { type: 'integer', minimum: 0, description: 'kept events of the window this upload no longer listed' },
    },
  },
] as const;

interface EventBody {
  event_id: string;
  title: string;
  start?: string;
  end?: string;
  all_day?: boolean;
  status?: 'confirmed' | 'tentative' | 'cancelled';
}

interface UploadBody {
  window_start: string;
  window_end: string;
  events: EventBody[];
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** An RFC 3339 date-time with its offset (`Z` or ±hh:mm), as an instant; undefined for anything else (no offset, 30 February). */
export function parseRfc3339(text: string | undefined): Timestamp | undefined {
  const m = text === undefined ? null : RFC3339.exec(text);
  if (!m || text === undefined) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const valid =
    calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
  const offsetOk = m[7] === undefined || (Number(m[7]) < 24 && Number(m[8]) < 60);
  const at = new Date(text);
  return valid && offsetOk && !Number.isNaN(at.getTime()) ? timestampFromDate(at) : undefined;
}

const statusFromName = { confirmed: DeviceEventStatus.CONFIRMED, tentative: DeviceEventStatus.TENTATIVE, cancelled: DeviceEventStatus.CANCELLED } as const;

const outcomeNames: Record<CalendarEventOutcome, string> = {
  [CalendarEventOutcome.UNSPECIFIED]: 'unspecified',
  [CalendarEventOutcome.STORED]: 'stored',
  [CalendarEventOutcome.IGNORED]: 'ignored',
  [CalendarEventOutcome.REJECTED]: 'rejected',
};

const time = { type: 'string', maxLength: 64, description: 'RFC 3339 with an offset, e.g. 2026-06-10T10:00:00+02:00' } as const;

/** The phone's calendars, a window at a time. */
export function calendarRoutes(app: FastifyInstance, { deps }: RestOptions): void {
  app.post<{ Body: UploadBody }>(
    '/api/v1/calendar/events',
    {
      schema: {
        operationId: 'uploadCalendarEvents',
        tags: ['providers'],
        summary: 'Upload the phone’s own calendar events for a window; each gets its own answer (stored, ignored, rejected)',
        description:
          'Every event of the phone’s calendars (EventKit, Android CalendarContract) overlapping [window_start, window_end): at most ' +
          '500 events (DEVICE_CALENDAR_MAX_BATCH) and 7 days (DEVICE_CALENDAR_MAX_WINDOW_HOURS), ending at most 14 days ahead ' +
          '(CALENDAR_WINDOW_DAYS). The upload is the truth for its window: a high-stakes event uploaded before and missing now is ' +
          'withdrawn. Only high-stakes titles are kept; the others are classified and dropped unseen. All-day events are ignored; ' +
          'tentative ones count as confirmed. `event_id` is the phone’s stable id of the occurrence. A window’s events cannot be split ' +
          'over two uploads: with more of them (or a body over the limit) upload shorter windows.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['window_start', 'window_end', 'events'],
          properties: {
            window_start: time,
            window_end: time,
            events: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['event_id', 'title'],
                properties: {
                  event_id: { type: 'string', maxLength: 1024 },
                  title: { type: 'string', maxLength: 4096 },
                  start: time,
                  end: time,
                  all_day: { type: 'boolean', default: false },
                  status: { type: 'string', enum: ['confirmed', 'tentative', 'cancelled'], default: 'confirmed' },
                },
              },
            },
          },
        },
        response: answers({
          success: { 200: refTo('CalendarEventResults') },
          errors: {
            ...authenticated,
            ...jsonBody,
            404: true,
            413: 'payload_too_large: the body, or more events than one upload may carry (500).',
            422: 'invalid_window (not two times, or the end not after the start), window_too_long or window_too_far.',
          },
        }),
      },
    },
    async (request) => {
      const body = request.body;
      const events = body.events.map((e) => {
        const start = parseRfc3339(e.start);
        const end = parseRfc3339(e.end);
        return create(DeviceCalendarEventSchema, {
          eventId: e.event_id,
          title: e.title,
          allDay: e.all_day ?? false,
          status: statusFromName[e.status ?? 'confirmed'],
          ...(start ? { start } : {}),
          ...(end ? { end } : {}),
        });
      });
      const windowStart = parseRfc3339(body.window_start);
      const windowEnd = parseRfc3339(body.window_end);
      const req = create(UploadCalendarEventsRequestSchema, { events, ...(windowStart ? { windowStart } : {}), ...(windowEnd ? { windowEnd } : {}) });
      try {
        const reply = await uploadCalendarEvents(deps, callerOf(request), req);
        return {
          results: reply.results.map((r) => ({ event_id: r.eventId, outcome: outcomeNames[r.outcome], reason: r.reason || null })),
          withdrawn: reply.withdrawn,
        };
      } catch (error) {
        // Too many events is too large a request: 413, as a body over the byte limit is.
        if (error instanceof ConnectError && error.metadata.get(errorReasonHeader) === 'batch_too_large') {
          throw Object.assign(new Error(error.rawMessage), { statusCode: 413 });
        }
        throw error;
      }
    },
  );
}
