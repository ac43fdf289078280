// The app's live stream as a test sees it: the `eventsource` package (what a JavaScript client would use) with a
// bearer header through its fetch, and the raw text beside it, where comments (heartbeats) and `retry:` show.
import { EventSource } from 'eventsource';
import { eventually } from '@omtobe/testing';

export interface StreamEvent {
  type: string;
  data: Record<string, unknown>;
}

export class SseClient {
  readonly events: StreamEvent[] = [];
  readonly errors: Array<{ code: number | undefined; message: string | undefined }> = [];
  raw = '';
  /** True once the server ended the response (as opposed to the client closing). */
  ended = false;
  readonly source: EventSource;
  private opened = false;

  constructor(url: string, token: string | undefined) {
    this.source = new EventSource(url, {
      fetch: async (input, init) => {
        const response = await fetch(input, { ...init, headers: { ...init?.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
        if (!response.body) return response;
        const decoder = new TextDecoder();
        const tee = new TransformStream<Uint8Array, Uint8Array>({
          transform: (chunk, controller) => {
            this.raw += decoder.decode(chunk, { stream: true });
            controller.enqueue(chunk);
          },
          flush: () => {
            this.ended = true;
          },
        });
        return new Response(response.body.pipeThrough(tee), { status: response.status, headers: response.headers });
      },
    });
    for (const type of ['state', 'transition']) {
      this.source.addEventListener(type, (event) => this.events.push({ type, data: JSON.parse(event.data) as Record<string, unknown> }));
    }
    this.source.addEventListener('open', () => (this.opened = true));
    this.source.addEventListener('error', (event) => this.errors.push({ code: event.code, message: event.message }));
  }

  /** Waits for the first `state` event (the stream is then registered with the hub). */
  async started(timeoutMs = 20_000): Promise<StreamEvent> {
    await eventually(() => this.opened && this.events.length > 0, Boolean, timeoutMs);
    return this.events[0]!;
  }

  transitions(): StreamEvent[] {
    return this.events.filter((e) => e.type === 'transition');
  }

  heartbeats(): number {
    return this.raw.match(/^: heartbeat /gm)?.length ?? 0;
  }

  close(): void {
    this.source.close();
  }
}
