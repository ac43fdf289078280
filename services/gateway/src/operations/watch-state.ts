import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { UnavailableError } from '@omtobe/platform';
import { HeartbeatSchema, WatchStateResponseSchema, type WatchStateResponse } from '@omtobe/proto/gateway/v1';
import type { Caller } from './caller.ts';
import type { Deps } from './deps.ts';
import { getState } from './cycle.ts';

/**
 * GET /state/stream and WatchState: the caller's state now, then each of the caller's prompt transitions as this
 * replica hears it, and a heartbeat after every quiet STREAM_HEARTBEAT_SECONDS, until the client goes away
 * (`caller.signal`), the gateway drains or the user is erased.
 *
 * The stream is registered with the hub before the state is read, so a transition that happens meanwhile is
 * queued rather than lost; transitions the state already reflects (a sequence not above its prompt's) are
 * skipped, and so is a transition heard twice. Beyond the per-user cap the first pull throws ResourceExhausted;
 * a drain ends it with Unavailable ("reconnect"), as does falling too far behind; erasure ends it quietly.
 */
export async function* watchState(deps: Deps, caller: Caller): AsyncGenerator<WatchStateResponse> {
  if (!deps.streams) throw new UnavailableError('live state streams are not served here', { reason: 'dependency_unavailable:gateway' });
  const { hub, heartbeatMs } = deps.streams;
  const signal = caller.signal ?? new AbortController().signal;
  const mailbox = hub.open(caller.userId);
  try {
    const state = (await getState(deps, caller)).state!;
    yield create(WatchStateResponseSchema, { update: { case: 'state', value: state } });
    let lastSequence = state.prompt?.sequence ?? 0n;
    for (;;) {
      const item = await mailbox.take(signal, heartbeatMs);
      if (signal.aborted) return;
      if (item === undefined) {
        yield create(WatchStateResponseSchema, { update: { case: 'heartbeat', value: create(HeartbeatSchema, { at: timestampFromDate(deps.clock.now()) }) } });
        continue;
      }
      if ('end' in item) {
        if (item.end === 'erased') return;
        const why = item.end === 'draining' ? 'the gateway is shutting down' : 'the stream fell behind';
        throw new UnavailableError(`${why}; reconnect`, { reason: `stream_${item.end}` });
      }
      const { transition } = item;
      // Sequences start at 1; 0 is a publisher that does not number its transitions yet: never skipped.
      if (transition.sequence !== 0n) {
        if (transition.sequence <= lastSequence) continue;
        lastSequence = transition.sequence;
      }
      yield create(WatchStateResponseSchema, { update: { case: 'transition', value: transition } });
    }
  } finally {
    mailbox.close();
  }
}
