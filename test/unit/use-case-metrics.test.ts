import { AppointmentStatus } from '../../core/domain/appointment';
import type { Caller } from '../../core/domain/caller';
import type { PipelineMetrics } from '../../core/observability/metrics';
import { applyCountryOutcome } from '../../core/use-cases/apply-country-outcome';
import { cancelAppointment } from '../../core/use-cases/cancel-appointment';
import { createAppointment } from '../../core/use-cases/create-appointment';
import { anAppointment, aRepositoryAnswering, remindersRecorded } from '../support/appointments';
import { given } from '../steps/given';
import { aCatalogWhereEverySlotIsFree } from '../support/slot-publications';

/** What each use case tells operators: the measurements it takes, once per stored change. */

const quiet = given.aQuietLogger();
const developer: Caller = given.aDeveloper();

function recordingMetrics() {
  const taken: [keyof PipelineMetrics, unknown][] = [];
  const metrics: PipelineMetrics = {
    bookingAccepted: (countryISO) => taken.push(['bookingAccepted', countryISO]),
    bookingRefused: (errorType) => taken.push(['bookingRefused', errorType]),
    statusStored: (appointment) => taken.push(['statusStored', appointment.status]),
    statusChangePublished: (countryISO) => taken.push(['statusChangePublished', countryISO]),
  };
  return { metrics, taken };
}

const appointment = (status: AppointmentStatus) => anAppointment(status);

const repository = aRepositoryAnswering;
const requests = { publish: jest.fn(() => Promise.resolve()) };
const slots = aCatalogWhereEverySlotIsFree();

describe('bookings', () => {
  it('given a valid booking, when it is stored and handed on, then one booking is counted as accepted for its country', async () => {
    const { metrics, taken } = recordingMetrics();

    await createAppointment({ insuredId: '00012', scheduleId: 7, countryISO: 'CL' }, developer, 'c-1', {
      appointments: repository(),
      requests,
      slots,
      logger: quiet,
      metrics,
    });

    expect(taken).toEqual([['bookingAccepted', 'CL']]);
  });

  it.each([
    { refusal: 'ValidationError', input: { insuredId: '12', scheduleId: 7, countryISO: 'PE' }, caller: developer },
    { refusal: 'Unauthorized', input: { insuredId: '00013', scheduleId: 7, countryISO: 'PE' }, caller: given.anInsuredCaller('00012') },
  ])(
    'given a booking refused with $refusal, when it is answered, then it is counted as refused by that errorType and not as accepted',
    async ({ refusal, input, caller }) => {
      const { metrics, taken } = recordingMetrics();

      await expect(
        createAppointment(input, caller, 'c-2', { appointments: repository(), requests, slots, logger: quiet, metrics }),
      ).rejects.toMatchObject({ name: refusal });

      expect(taken).toEqual([['bookingRefused', refusal]]);
    },
  );

  it('given SNS refusing the hand-off, when the booking is answered SchedulingUnavailableError, then that is what is counted', async () => {
    const { metrics, taken } = recordingMetrics();
    const refusing = { publish: jest.fn(() => Promise.reject(new Error('SNS is down'))) };

    await expect(
      createAppointment({ insuredId: '00012', scheduleId: 7, countryISO: 'PE' }, developer, 'c-3', {
        appointments: repository(),
        requests: refusing,
        slots,
        logger: quiet,
        metrics,
      }),
    ).rejects.toMatchObject({ name: 'SchedulingUnavailableError' });

    expect(taken).toEqual([['bookingRefused', 'SchedulingUnavailableError']]);
  });
});

describe('decisions and cancellations', () => {
  const scheduled = {
    detailType: 'AppointmentScheduled' as const,
    detail: { ...appointment(AppointmentStatus.PENDING), correlationId: 'c-4', scheduledAt: '2026-11-29T10:00:01.000Z' },
  };
  const subscribers = { publish: jest.fn(() => Promise.resolve()) };
  const eventBus = { announce: jest.fn(() => Promise.resolve()) };

  it("given a country's decision stored now, when applied, then the stored status is measured once and its publication counted", async () => {
    const { metrics, taken } = recordingMetrics();
    const stored = repository({ outcome: 'changed', appointment: appointment(AppointmentStatus.COMPLETED) });

    await applyCountryOutcome(scheduled, { appointments: stored, subscribers, eventBus, logger: quiet, metrics, ...remindersRecorded() });

    expect(taken).toEqual([
      ['statusStored', AppointmentStatus.COMPLETED],
      ['statusChangePublished', 'PE'],
    ]);
  });

  it('given the same decision delivered again, when applied, then nothing is counted as stored, but the repeated publication is', async () => {
    const { metrics, taken } = recordingMetrics();
    const stored = repository({ outcome: 'unchanged', appointment: appointment(AppointmentStatus.COMPLETED) });

    await applyCountryOutcome(scheduled, { appointments: stored, subscribers, eventBus, logger: quiet, metrics, ...remindersRecorded() });

    expect(taken).toEqual([['statusChangePublished', 'PE']]);
  });

  it('given a cancellation, when it is stored and then asked again, then one cancellation is counted', async () => {
    const { metrics, taken } = recordingMetrics();
    const key = { insuredId: '00012', appointmentId: '01JD3S8Y1R8W6ZC7Y9T0QK2M4N' };

    await cancelAppointment(key, developer, 'c-5', {
      appointments: repository({ outcome: 'changed', appointment: appointment(AppointmentStatus.CANCELLED) }),
      requests,
      logger: quiet,
      metrics,
    });
    await cancelAppointment(key, developer, 'c-6', {
      appointments: repository({ outcome: 'unchanged', appointment: appointment(AppointmentStatus.CANCELLED) }),
      requests,
      logger: quiet,
      metrics,
    });

    expect(taken).toEqual([['statusStored', AppointmentStatus.CANCELLED]]);
  });
});
