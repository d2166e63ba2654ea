/**
 * Errors a client or an operator can act on. AppSync turns a direct Lambda
 * resolver's thrown error into a GraphQL error whose `errorType` is the error's
 * `name`, so each name here is part of the API.
 */

/** The request breaks a rule of the domain; nothing was stored or published. */
export class ValidationError extends Error {
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
export class UnauthorizedError extends Error {
  override readonly name = 'Unauthorized';
}

/** The appointment could not be handed to the pipeline; the client may retry. */
export class SchedulingUnavailableError extends Error {
  override readonly name = 'SchedulingUnavailableError';
}

/** A message on a queue that cannot be processed however often it is retried. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

/** A country worker received an appointment for another country. */
export class WrongCountryError extends Error {
  override readonly name = 'WrongCountryError';
}

/** No such appointment for this insured person (a client's cancellation, or a country's outcome). */
export class AppointmentNotFoundError extends Error {
  override readonly name = 'AppointmentNotFoundError';
}

/** A client asked to cancel an appointment that cannot be cancelled (it was REJECTED). */
export class AppointmentNotCancellableError extends Error {
  override readonly name = 'AppointmentNotCancellable';
}

/** A status change the appointment's lifecycle does not allow. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
}

/** What was thrown, as an Error, for logging. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
