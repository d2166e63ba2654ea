import { AppointmentStatus, RejectionReason } from '../../core/domain/appointment';
import type { AppointmentStatusChanged, CountryOutcome } from '../../core/messages/appointment-messages';
import { applyCountryOutcome } from '../../core/use-cases/apply-country-outcome';
import { anAppointment, aRepositoryAnswering, remindersRecorded } from '../support/appointments';
import { given } from '../steps/given';

/** What the completion worker puts on the bus: every status it stored, as stored, never a dropped decision. */

const quiet = given.aQuietLogger();
const metrics = { statusStored: jest.fn(), statusChangePublished: jest.fn() };
const detail = { ...anAppointment(AppointmentStatus.PENDING), correlationId: 'c-7' };

function announcing() {
  const announced: AppointmentStatusChanged[] = [];
  return { announced, eventBus: { announce: (change: AppointmentStatusChanged) => Promise.resolve(void announced.push(change)) } };
}

const ports = (
  eventBus: { announce: (change: AppointmentStatusChanged) => Promise<void> },
  stored: ReturnType<typeof aRepositoryAnswering>,
) => ({
  appointments: stored,
  subscribers: { publish: () => Promise.resolve() },
  eventBus,
  logger: quiet,
  metrics,
  ...remindersRecorded(),
});

describe('AppointmentStatusChanged on the bus', () => {
  it('given a rejection stored now, when applied, then the bus hears REJECTED with its reason, the stored time and the correlation id', async () => {
    const { announced, eventBus } = announcing();
    const rejected = anAppointment(AppointmentStatus.REJECTED, {
      rejectionReason: RejectionReason.SLOT_TAKEN,
      updatedAt: '2026-11-29T10:00:02.000Z',
    });
    const outcome: CountryOutcome = {
      detailType: 'AppointmentRejected',
      detail: { ...detail, rejectedAt: '2026-11-29T10:00:01.500Z', rejectionReason: RejectionReason.SLOT_TAKEN },
    };

    await applyCountryOutcome(outcome, ports(eventBus, aRepositoryAnswering({ outcome: 'changed', appointment: rejected })));

    expect(announced).toEqual([
      {
        appointmentId: rejected.appointmentId,
        insuredId: '00012',
        scheduleId: 100,
        countryISO: 'PE',
        status: AppointmentStatus.REJECTED,
        rejectionReason: RejectionReason.SLOT_TAKEN,
        updatedAt: '2026-11-29T10:00:02.000Z',
        // anAppointment's: booked before the catalog
        slot: null,
        // Not the settlement of a move
        reschedule: null,
        correlationId: 'c-7',
      },
    ]);
  });

  it('given a confirmation delivered again, when applied, then it is announced again, as stored (the first announcement may be what failed)', async () => {
    const { announced, eventBus } = announcing();
    const completed = anAppointment(AppointmentStatus.COMPLETED);
    const outcome: CountryOutcome = { detailType: 'AppointmentScheduled', detail: { ...detail, scheduledAt: '2026-11-29T10:00:01.000Z' } };

    await applyCountryOutcome(outcome, ports(eventBus, aRepositoryAnswering({ outcome: 'unchanged', appointment: completed })));

    expect(announced).toEqual([
      expect.objectContaining({ status: AppointmentStatus.COMPLETED, updatedAt: completed.updatedAt, rejectionReason: null }),
    ]);
  });

  it('given a confirmation that arrives after the appointment was cancelled, when applied, then nothing is announced', async () => {
    const { announced, eventBus } = announcing();
    const outcome: CountryOutcome = { detailType: 'AppointmentScheduled', detail: { ...detail, scheduledAt: '2026-11-29T10:00:01.000Z' } };

    await applyCountryOutcome(
      outcome,
      ports(eventBus, aRepositoryAnswering({ outcome: 'refused', appointment: anAppointment(AppointmentStatus.CANCELLED) })),
    );

    expect(announced).toEqual([]);
  });

  it('given the bus refusing, when applied, then the decision fails so that its queue delivers it again', async () => {
    const refusing = { announce: () => Promise.reject(new Error('EventBridge is down')) };
    const outcome: CountryOutcome = { detailType: 'AppointmentCancelled', detail: { ...detail, cancelledAt: '2026-11-29T10:00:01.000Z' } };

    await expect(
      applyCountryOutcome(
        outcome,
        ports(refusing, aRepositoryAnswering({ outcome: 'unchanged', appointment: anAppointment(AppointmentStatus.CANCELLED) })),
      ),
    ).rejects.toThrow('EventBridge is down');
  });
});
