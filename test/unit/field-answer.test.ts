import {
  AppointmentNotCancellableError,
  AppointmentNotFoundError,
  ApiError,
  IllegalTransitionError,
  MalformedMessageError,
  SchedulingUnavailableError,
  UnauthorizedError,
  ValidationError,
  WrongCountryError,
} from '../../core/domain/errors';
import { fieldAnswer } from '../../core/adapters/appsync-field-answer';

/** What a resolver function hands its APPSYNC_JS resolver: the answer, an error the client acts on, or a fault it throws. */
describe("a resolver function's answer", () => {
  it('given a use case that succeeds, when answered, then its result is the data', async () => {
    await expect(fieldAnswer(() => Promise.resolve({ appointmentId: 'A' }))).resolves.toEqual({ data: { appointmentId: 'A' } });
  });

  it.each([
    [new ValidationError(['insuredId must be exactly 5 digits']), 'ValidationError'],
    [new UnauthorizedError('Not authorized to act for insuredId 00013'), 'Unauthorized'],
    [new SchedulingUnavailableError('Please try again.'), 'SchedulingUnavailableError'],
    [new AppointmentNotFoundError('No appointment 01J… for 00012'), 'AppointmentNotFoundError'],
    [new AppointmentNotCancellableError('It is REJECTED'), 'AppointmentNotCancellableError'],
  ])(
    'given a use case refusing with %p, when answered, then the envelope carries errorType %s and the message',
    async (error, errorType) => {
      await expect(fieldAnswer(() => Promise.reject(error))).resolves.toEqual({ data: null, errorType, errorMessage: error.message });
    },
  );

  it("given a fault (any error that is not one of the API's), when answered, then it is thrown, for AppSync to report as Lambda:Unhandled", async () => {
    const fault = new TypeError('Cannot read properties of undefined');

    await expect(fieldAnswer(() => Promise.reject(fault))).rejects.toBe(fault);
  });

  it('given the errors of the workers, then none of them is an answer to a client', () => {
    for (const internal of [new MalformedMessageError('x'), new WrongCountryError('x'), new IllegalTransitionError('x')])
      expect(internal).not.toBeInstanceOf(ApiError);
  });

  it("given every errorType of the API, then each follows the one rule: ends in Error, or is AppSync's own name (Unauthorized)", () => {
    const errorTypes = [
      new ValidationError([]),
      new UnauthorizedError(''),
      new SchedulingUnavailableError(''),
      new AppointmentNotFoundError(''),
      new AppointmentNotCancellableError(''),
    ].map((error) => error.errorType);

    for (const errorType of errorTypes) expect(errorType === 'Unauthorized' || /^[A-Z][A-Za-z]+Error$/.test(errorType)).toBe(true);
  });
});
