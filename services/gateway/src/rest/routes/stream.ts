import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { UnavailableError } from '@omtobe/platform';
import type { WatchStateResponse } from '@omtobe/proto/gateway/v1';
import { watchState } from '../../operations/watch-state.ts';
import { iso, stateJson, transitionJson } from '../json.ts';
import type { RestOptions } from '../options.ts';
import { answers, authenticated } from './responses.ts';

type RawReply = { write(chunk: string): boolean; destroyed: boolean; on(event: 'drain', listener: () => void): unknown };

/** One Server-Sent Event (or comment) per stream message, in the REST vocabulary. */
function eventText(message: WatchStateResponse): string {
  const { update } = message;
  switch (update.case) {
    case 'state':
      return `event: state\ndata: ${JSON.stringify(stateJson(update.value))}\n\n`;
    case 'transition':
      return `event: transition\ndata: ${JSON.stringify(transitionJson(update.value))}\n\n`;
    case 'heartbeat':
      // A comment: EventSource ignores it, proxies and the client's read timeout see traffic.
      return `: heartbeat ${iso(update.value.at)}\n\n`;
    default:
      return '';
  }
}

/** Writes, waiting while the socket's buffer is full (a slow reader) unless the client is gone. */
async function send(raw: RawReply, text: string, signal: AbortSignal): Promise<void> {
  if (raw.destroyed || text === '') return;
  if (!raw.write(text)) await once(raw as unknown as NodeJS.EventEmitter, 'drain', { signal }).catch(() => undefined);
}

/**
 * GET /api/v1/state/stream: the caller's state as Server-Sent Events (operations/watch-state.ts says what comes
 * when). Refusals (no token, not registered, too many streams, draining) come before the stream starts, as
 * error envelopes; once it runs, a drain ends it with a `retry:` hint (jittered, so a replica's clients do not
 * all come back at once) and a client that hangs up is dropped at once.
 */
export function streamRoutes(app: FastifyInstance, { deps }: RestOptions): void {
  app.get(
    '/api/v1/state/stream',
    {
      schema: {
        operationId: 'watchState',
        tags: ['stream'],
        summary: 'The caller’s state, then every prompt transition, as Server-Sent Events',
        description:
          'First `event: state` (data: the GET /api/v1/state document), then one `event: transition` per change of what the app should ' +
          'show (data: transition_id, kind — brake_raised, brake_withdrawn, reflection_opened, reflection_closed, reading_requested —, ' +
          'event, withdrawn_reason, reflection_closed_reason, prompt, expires_at, cycle_day, occurred_at, sequence), and a ' +
          '`: heartbeat` comment after STREAM_HEARTBEAT_SECONDS (15 by default) without a message. A drain ends the stream with a `retry:` hint; erasure ends it. Refusals come ' +
          'before the stream starts, as ordinary error answers (429 too_many_streams beyond STREAMS_PER_USER open streams of one user, 5 by default).',
        response: answers({
          success: {
            200: {
              description: 'The stream (Content-Type: text/event-stream; Cache-Control: no-cache).',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
          },
          errors: { ...authenticated, 404: true, 429: 'too_many_streams: close one of the caller’s streams first.', 503: 'Retryable: dependency_unavailable, streams_full or registration_in_progress.' },
        }),
      },
    },
    async (request, reply) => {
      const signal = request.hangUp;
      const stream = watchState(deps, { userId: request.userId, signal });
      // The first message (the state) before any header: a refusal is still an ordinary error answer.
      const first = await stream.next();
      if (first.done) throw new Error('the state stream ended before its first message');
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        // nginx-style proxies would otherwise hold events back until a buffer fills.
        'x-accel-buffering': 'no',
      });
      try {
        await send(raw, eventText(first.value), signal);
        for await (const message of stream) await send(raw, eventText(message), signal);
      } catch (error) {
        if (error instanceof UnavailableError) {
          const retryMs = deps.streams!.retryMs;
          await send(raw, `retry: ${Math.round(retryMs * (0.5 + Math.random()))}\n\n`, signal);
        } else {
          deps.logger.error({ err: error, route: '/api/v1/state/stream' }, 'state stream failed');
        }
      } finally {
        await stream.return(undefined);
        if (!raw.destroyed) raw.end();
      }
    },
  );
}
