/**
 * Errors a client or an operator can act on.
 *
 * errorType names are API surface. The rule: each ends in `Error`, except where AppSync
 * has a name of its own for the same condition, which we use so that a client handles
 * one errorType for both (`Unauthorized`, AppSync's name for its authorization errors).
 */

/**
 * An answer to the client, not a fault: the resolver returns it as an error envelope
 * (core/adapters/appsync-field-answer.ts) and the field's APPSYNC_JS resolver raises it with
 * `util.error(message, errorType)`. Anything else a resolver throws is a fault, which
 * AppSync reports as `Lambda:Unhandled` with the message only.
 */
export abstract class ApiError extends Error {
  abstract override readonly name: string;

  /** What the client reads as the GraphQL error's `errorType`. */
  get errorType(): string {
    return this.name;
  }
}

/** The request breaks a rule of the domain; nothing was stored or published. */
export class ValidationError extends ApiError {
  override readonly name = 'ValidationError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

/**
 * The caller may not act on these appointments (another insured person's, or an
 * IAM caller on a client field). Named as AppSync names its own authorization
 * errors, so a client handles one errorType for both.
 */
export class UnauthorizedError extends ApiError {
  override readonly name = 'Unauthorized';
}

/** A booking, cancellation or catalog change could not be handed to the pipeline; nothing was stored and the client may retry. */
export class SchedulingUnavailableError extends ApiError {
  override readonly name = 'SchedulingUnavailableError';
}

/** No such appointment for this insured person (a client's cancellation, or a country's outcome). */
export class AppointmentNotFoundError extends ApiError {
  override readonly name = 'AppointmentNotFoundError';
}

/** A client asked to cancel an appointment that cannot be cancelled (it was REJECTED). */
export class AppointmentNotCancellableError extends ApiError {
  override readonly name = 'AppointmentNotCancellableError';
}

/** A client asked to move an appointment that cannot move (REJECTED, CANCELLED, or begun). */
export class AppointmentNotReschedulableError extends ApiError {
  override readonly name = 'AppointmentNotReschedulableError';
}

/** Another move of the appointment is still being decided by its country: one move at a time. */
export class RescheduleInProgressError extends ApiError {
  override readonly name = 'RescheduleInProgressError';
}

/** The change comes later than the country's rules allow before the appointment starts; staff may override it. */
export class NoticePeriodError extends ApiError {
  override readonly name = 'NoticePeriodError';
}

/** No such slot in the country's catalog (withdrawing one). */
export class SlotNotFoundError extends ApiError {
  override readonly name = 'SlotNotFoundError';
}

/** An appointment holds the slot: it cannot be withdrawn until that appointment is cancelled. */
export class SlotHeldError extends ApiError {
  override readonly name = 'SlotHeldError';
}

/** A message on a queue that cannot be processed however often it is retried. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

/** A country worker received an appointment for another country. */
export class WrongCountryError extends Error {
  override readonly name = 'WrongCountryError';
}

/** A status change the appointment's lifecycle does not allow. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
}

/** What was thrown, as an Error, for logging. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
