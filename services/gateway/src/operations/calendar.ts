import { create } from '@bufbuild/protobuf';
import { UploadCalendarEventsResponseSchema, type UploadCalendarEventsRequest, type UploadCalendarEventsResponse } from '@omtobe/proto/gateway/v1';
import type { Caller } from './caller.ts';
import type { Deps } from './deps.ts';
import { forRegisteredUser } from './registered-user.ts';

/**
 * POST /calendar/events: a window of the phone's own calendars (EventKit, CalendarContract), answered per event.
 * Integrations classifies, keeps only the high-stakes events and withdraws those of the window no longer listed;
 * a bad window or an oversized batch is its INVALID_ARGUMENT (`invalid_window`, `window_too_long`,
 * `window_too_far`, `batch_too_large`).
 */
export async function uploadCalendarEvents(deps: Deps, caller: Caller, req: UploadCalendarEventsRequest): Promise<UploadCalendarEventsResponse> {
  const reply = await forRegisteredUser(deps, caller, 'integrations', (options) =>
    deps.peers.integrations.uploadCalendarEvents(
      {
        userId: caller.userId,
        ...(req.windowStart ? { windowStart: req.windowStart } : {}),
        ...(req.windowEnd ? { windowEnd: req.windowEnd } : {}),
        events: req.events,
      },
      options,
    ),
  );
  return create(UploadCalendarEventsResponseSchema, { results: reply.results, withdrawn: reply.withdrawn });
}
