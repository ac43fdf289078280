/**
 * Typed domain errors. Domain code throws these and knows nothing about transports; the error
 * interceptor (interceptors.ts) maps each class to one Connect/gRPC code.
 *
 * The message goes to the caller as written, so it must never contain personal data (emails, tokens,
 * event titles). `reason` is an optional stable machine code (e.g. "NO_PENDING_BRAKE") that the
 * gateway can put into its error envelope.
 */
export interface DomainErrorOptions {
  reason?: string;
  cause?: unknown;
}

export abstract class DomainError extends Error {
  readonly reason: string | undefined;

  constructor(message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.reason = options.reason;
  }
}

/** The request is malformed regardless of the system's state. */
export class InvalidArgumentError extends DomainError {}

/** The thing asked for does not exist (for this caller). */
export class NotFoundError extends DomainError {}

/** The thing to create exists already. */
export class AlreadyExistsError extends DomainError {}

/** The request is well-formed but the system is not in a state that allows it. */
export class FailedPreconditionError extends DomainError {}

/** The caller is known but not allowed to do this. */
export class PermissionDeniedError extends DomainError {}

/** A quota or rate limit is used up. */
export class ResourceExhaustedError extends DomainError {}

/** A dependency is down; the caller may retry. */
export class UnavailableError extends DomainError {}
