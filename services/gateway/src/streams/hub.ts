import { ResourceExhaustedError, UnavailableError, type Logger } from '@omtobe/platform';
import type { PromptTransition } from '@omtobe/proto/state-engine/v1';

/** Why the hub ended a stream. */
export type StreamEnd =
  /** The gateway drains (SIGTERM): the client reconnects, to another replica. */
  | 'draining'
  /** The user was erased. */
  | 'erased'
  /** The client fell too far behind (its transitions piled up): it reconnects and starts from the state. */
  | 'lagging';

export type MailboxItem = { transition: PromptTransition } | { end: StreamEnd };

/** Transitions waiting for one slow stream before it is ended as lagging; a user has a handful a day. */
const maxQueued = 64;

/** One open stream's inbox: the hub puts transitions in, the stream takes them out in order. */
export class Mailbox {
  readonly userId: string;
  private readonly queue: MailboxItem[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private readonly onClose: (mailbox: Mailbox) => void;

  constructor(userId: string, onClose: (mailbox: Mailbox) => void) {
    this.userId = userId;
    this.onClose = onClose;
  }

  put(transition: PromptTransition): void {
    if (this.ended) return;
    if (this.queue.length >= maxQueued) return this.end('lagging');
    this.queue.push({ transition });
    this.wake();
  }

  /** Ends the stream after what is queued (a drain's end comes before queued transitions: the client reconnects anyway). */
  end(reason: StreamEnd): void {
    if (this.ended) return;
    this.ended = true;
    if (reason === 'lagging' || reason === 'draining') this.queue.length = 0;
    this.queue.push({ end: reason });
    this.wake();
  }

  /** The next item; undefined when `signal` aborts or `waitMs` passes first. */
  async take(signal: AbortSignal, waitMs: number): Promise<MailboxItem | undefined> {
    if (this.queue.length === 0 && !signal.aborted) {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        timer = setTimeout(resolve, waitMs);
        onAbort = resolve;
        signal.addEventListener('abort', onAbort, { once: true });
      });
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort!);
      this.waiter = undefined;
    }
    if (signal.aborted) return undefined;
    return this.queue.shift();
  }

  /** The stream is gone: the hub forgets it. */
  close(): void {
    this.ended = true;
    this.queue.length = 0;
    this.onClose(this);
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

export interface StreamHubOptions {
  /** Open streams one user may hold on this replica (STREAMS_PER_USER). */
  perUserLimit: number;
  /**
   * Open streams this replica holds at most (STREAMS_PER_REPLICA): each costs about 23 KB of heap (bench), and a
   * replica out of heap would drop every stream and every request it serves. Beyond it: UNAVAILABLE, try again
   * (another replica, or this one later).
   */
  replicaLimit?: number;
  logger: Logger;
}

/**
 * The open streams of this replica by user, fed by the broadcast consumer (every replica hears every user's
 * transitions): a transition goes to the user's streams here and nowhere else.
 */
export class StreamHub {
  private readonly byUser = new Map<string, Set<Mailbox>>();
  private readonly options: StreamHubOptions;
  private open_ = 0;
  private draining = false;
  private emptied: (() => void) | undefined;

  constructor(options: StreamHubOptions) {
    this.options = options;
  }

  /** A new stream of the user's, or ResourceExhausted beyond the per-user cap, or Unavailable while draining. */
  open(userId: string): Mailbox {
    if (this.draining) throw new UnavailableError('the gateway is shutting down; reconnect', { reason: 'dependency_unavailable:gateway' });
    if (this.options.replicaLimit !== undefined && this.open_ >= this.options.replicaLimit) {
      this.options.logger.warn({ open_streams: this.open_, limit: this.options.replicaLimit }, 'state stream refused: this replica holds as many as it may');
      throw new UnavailableError('this gateway holds as many state streams as it may; reconnect in a little while', { reason: 'streams_full' });
    }
    const streams = this.byUser.get(userId) ?? new Set<Mailbox>();
    if (streams.size >= this.options.perUserLimit) {
      throw new ResourceExhaustedError(`at most ${this.options.perUserLimit} state streams may be open at once; close one first`, { reason: 'too_many_streams' });
    }
    const mailbox = new Mailbox(userId, (m) => this.forget(m));
    streams.add(mailbox);
    this.byUser.set(userId, streams);
    this.open_ += 1;
    return mailbox;
  }

  /** Hands a transition to its user's open streams here; returns how many. */
  publish(transition: PromptTransition): number {
    const streams = this.byUser.get(transition.userId);
    for (const mailbox of streams ?? []) mailbox.put(transition);
    return streams?.size ?? 0;
  }

  /** Ends the user's open streams here (the user was erased). */
  closeUser(userId: string): void {
    for (const mailbox of this.byUser.get(userId) ?? []) mailbox.end('erased');
  }

  get openStreams(): number {
    return this.open_;
  }

  /**
   * Refuses new streams and ends the open ones (each tells its client to reconnect), resolving once they are all
   * closed or `timeoutMs` passed: the server's drain that follows then waits for no stream.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const open = this.openStreams;
    if (open === 0) return;
    this.options.logger.info({ open_streams: open }, 'ending the open state streams');
    const allClosed = new Promise<void>((resolve) => (this.emptied = resolve));
    for (const streams of this.byUser.values()) for (const mailbox of streams) mailbox.end('draining');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allClosed, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private forget(mailbox: Mailbox): void {
    const streams = this.byUser.get(mailbox.userId);
    if (!streams?.delete(mailbox)) return;
    this.open_ -= 1;
    if (streams.size === 0) this.byUser.delete(mailbox.userId);
    if (this.draining && this.byUser.size === 0) this.emptied?.();
  }
}
