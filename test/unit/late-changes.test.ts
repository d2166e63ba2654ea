import { AppointmentStatus, type Appointment } from '../../core/domain/appointment';
import type { Caller } from '../../core/domain/caller';
import type { CountryISO } from '../../core/graphql/types.generated';
import { cancelAppointment } from '../../core/use-cases/cancel-appointment';
import { rescheduleAppointment } from '../../core/use-cases/reschedule-appointment';
import { slotAnswer } from '../../core/use-cases/slot-answers';
import { anAppointment, aRepositoryAnswering } from '../support/appointments';
import { aSlotSnapshot } from '../support/slot-publications';
import { given } from '../steps/given';

/** Each country's rules for late changes, as a cancellation meets them (core/domain/late-changes.ts, core/domain/countries.ts). */

const NOW = new Date('2026-12-15T12:00:00.000Z');
const MINUTE = 60_000;
const insured = given.anInsuredCaller('00012');
const staff: Caller = { kind: 'staff', username: 'agente.lucia' };

/** A COMPLETED appointment of insured 00012 whose slot starts `minutesAhead` after NOW (before it, when negative). */
function anAppointmentStarting(
  minutesAhead: number,
  countryISO: CountryISO = 'PE',
  status: AppointmentStatus = AppointmentStatus.COMPLETED,
): Appointment {
  return anAppointment(status, {
    countryISO,
    slot: slotAnswer(aSlotSnapshot(countryISO, 100, new Date(NOW.getTime() + minutesAhead * MINUTE))),
  });
}

/** Cancels the stored appointment as `caller` at NOW; what was changed, published and logged. */
async function whenCancelled(stored: Appointment, caller: Caller, overrideNotice?: boolean) {
  const appointments = aRepositoryAnswering({
    outcome: stored.status === AppointmentStatus.CANCELLED ? 'unchanged' : 'changed',
    appointment: { ...stored, status: AppointmentStatus.CANCELLED },
  });
  (appointments.get as jest.Mock).mockResolvedValue(stored);
  const requests = { publish: jest.fn(() => Promise.resolve()) };
  const logger = given.aQuietLogger();
  const args = {
    insuredId: stored.insuredId,
    appointmentId: stored.appointmentId,
    ...(overrideNotice === undefined ? {} : { overrideNotice }),
  };
  const answer = await cancelAppointment(args, caller, 'corr-late', {
    appointments,
    requests,
    logger,
    metrics: { statusStored: jest.fn() },
    now: () => NOW,
  }).then(
    (appointment): { appointment?: Appointment; error?: Error } => ({ appointment }),
    (error: Error): { appointment?: Appointment; error?: Error } => ({ error }),
  );
  return {
    ...answer,
    changed: (appointments.changeStatus as jest.Mock).mock.calls.length,
    published: requests.publish.mock.calls.length,
    logger,
  };
}

describe("a cancellation and its country's notice period", () => {
  it.each([
    ['Peru', 'PE', 121],
    ['Chile', 'CL', 24 * 60 + 1],
  ] as const)(
    'given an appointment in %s that starts after its notice, when its insured person cancels it, then it is CANCELLED',
    async (_name, countryISO, minutesAhead) => {
      const { appointment, changed, published } = await whenCancelled(anAppointmentStarting(minutesAhead, countryISO), insured);

      expect(appointment?.status).toBe(AppointmentStatus.CANCELLED);
      expect({ changed, published }).toEqual({ changed: 1, published: 1 });
    },
  );

  it.each([
    ['Peru', 'PE', 80, 'Appointments in Peru can be cancelled until 2 hours before they start', 'in 1 hour 20 minutes'],
    ['Chile', 'CL', 23 * 60, 'Appointments in Chile can be cancelled until 24 hours before they start', 'in 23 hours'],
  ] as const)(
    'given an appointment in %s that starts within its notice, when its insured person cancels it, then NoticePeriodError names the period and nothing changes',
    async (_name, countryISO, minutesAhead, rule, left) => {
      const stored = anAppointmentStarting(minutesAhead, countryISO);

      const { error, changed, published } = await whenCancelled(stored, insured);

      expect(error).toMatchObject({ name: 'NoticePeriodError' });
      expect(error?.message).toBe(
        `${rule}; appointment ${stored.appointmentId} starts at ${stored.slot!.startsAt}, ${left}. Call-centre staff may still cancel it.`,
      );
      expect({ changed, published }).toEqual({ changed: 0, published: 0 });
    },
  );

  it('given an appointment that starts within its notice, when staff cancel it without overriding, then they are refused too', async () => {
    const { error, changed } = await whenCancelled(anAppointmentStarting(30), staff);

    expect(error).toMatchObject({ name: 'NoticePeriodError' });
    expect(changed).toBe(0);
  });

  it('given an appointment that starts within its notice, when staff cancel it overriding the notice, then it is CANCELLED, its slot freed, and who overrode it is logged', async () => {
    const stored = anAppointmentStarting(30);

    const { appointment, published, logger } = await whenCancelled(stored, staff, true);

    expect(appointment?.status).toBe(AppointmentStatus.CANCELLED);
    expect(published).toBe(1);
    expect(logger.warn).toHaveBeenCalledWith("Cancelled inside its country's notice period: overridden by staff", {
      appointmentId: stored.appointmentId,
      correlationId: 'corr-late',
      countryISO: 'PE',
      overriddenBy: 'agente.lucia',
    });
  });

  it('given an insured person, when they ask to override the notice, then they are refused as Unauthorized and nothing changes', async () => {
    const { error, changed, published } = await whenCancelled(anAppointmentStarting(30), insured, true);

    expect(error).toMatchObject({ name: 'Unauthorized', message: expect.stringContaining('only call-centre staff may') as string });
    expect({ changed, published }).toEqual({ changed: 0, published: 0 });
  });

  it('given an appointment that has begun, when staff cancel it even overriding the notice, then AppointmentNotCancellableError says it has begun', async () => {
    const stored = anAppointmentStarting(-5);

    const { error, changed } = await whenCancelled(stored, staff, true);

    expect(error).toMatchObject({
      name: 'AppointmentNotCancellableError',
      message: `Appointment ${stored.appointmentId} began at ${stored.slot!.startsAt}: an appointment that has begun cannot be cancelled.`,
    });
    expect(changed).toBe(0);
  });

  it('given an appointment booked before the catalog (no slot, no known start), when its insured person cancels it, then no notice applies', async () => {
    const { appointment } = await whenCancelled(anAppointment(AppointmentStatus.COMPLETED), insured);

    expect(appointment?.status).toBe(AppointmentStatus.CANCELLED);
  });

  it('given an appointment already CANCELLED that now starts within its notice, when it is cancelled again, then the retry still asks its country to free the slot', async () => {
    const { appointment, published } = await whenCancelled(anAppointmentStarting(30, 'PE', AppointmentStatus.CANCELLED), insured);

    expect(appointment?.status).toBe(AppointmentStatus.CANCELLED);
    expect(published).toBe(1);
  });
});

describe("each country's rules for late moves (rescheduleAppointment)", () => {
  /** Moves the stored appointment as `caller` at NOW to a slot a week later; what was recorded, published and logged. */
  async function whenMoved(stored: Appointment, caller: Caller, overrideNotice?: boolean) {
    const appointments = aRepositoryAnswering();
    (appointments.get as jest.Mock).mockResolvedValue(stored);
    (appointments.requestMove as jest.Mock).mockImplementation((_key, move: unknown) =>
      Promise.resolve({ requested: true, appointment: { ...stored, pendingReschedule: move } }),
    );
    const requests = { publish: jest.fn(() => Promise.resolve()) };
    const logger = given.aQuietLogger();
    const later = aSlotSnapshot(stored.countryISO, 200, new Date(NOW.getTime() + 7 * 24 * 60 * MINUTE));
    const args = {
      insuredId: stored.insuredId,
      appointmentId: stored.appointmentId,
      scheduleId: 200,
      ...(overrideNotice === undefined ? {} : { overrideNotice }),
    };
    const answer = await rescheduleAppointment(args, caller, 'corr-move', {
      appointments,
      requests,
      slots: { get: () => Promise.resolve(later) },
      logger,
      now: () => NOW,
      newMoveId: () => '01JDQ0000000000000000000MV',
    }).then(
      (appointment): { appointment?: Appointment; error?: Error } => ({ appointment }),
      (error: Error): { appointment?: Appointment; error?: Error } => ({ error }),
    );
    return { ...answer, published: requests.publish.mock.calls.length, logger };
  }

  it.each([
    ['PE', 119, '2 hours', '1 hour 59 minutes'],
    ['CL', 23 * 60, '24 hours', '23 hours'],
  ] as const)(
    'given a %s appointment starting in %i minutes, when its insured person moves it, then NoticePeriodError names the limit and nothing is sent',
    async (countryISO, minutes, limit, left) => {
      const stored = anAppointmentStarting(minutes, countryISO);

      const { error, published } = await whenMoved(stored, insured);

      expect(error?.name).toBe('NoticePeriodError');
      expect(error?.message).toContain(`can be moved to another slot until ${limit} before they start`);
      expect(error?.message).toContain(`in ${left}. Call-centre staff may still move it.`);
      expect(published).toBe(0);
    },
  );

  it('given an appointment within its notice, when staff move it overriding the notice, then the move is sent and who overrode it is logged', async () => {
    const stored = anAppointmentStarting(30);

    const { appointment, published, logger } = await whenMoved(stored, staff, true);

    expect(appointment?.pendingReschedule).toMatchObject({ moveId: '01JDQ0000000000000000000MV', to: { scheduleId: 200 } });
    expect(published).toBe(1);
    expect(logger.warn).toHaveBeenCalledWith(
      "Moved inside its country's notice period: overridden by staff",
      expect.objectContaining({ overriddenBy: 'agente.lucia', moveId: '01JDQ0000000000000000000MV' }),
    );
  });

  it('given an appointment that has begun, when staff move it even overriding the notice, then AppointmentNotReschedulableError says it has begun', async () => {
    const { error, published } = await whenMoved(anAppointmentStarting(-5), staff, true);

    expect(error?.name).toBe('AppointmentNotReschedulableError');
    expect(error?.message).toMatch(/began at .+: an appointment that has begun cannot be moved to another slot\.$/);
    expect(published).toBe(0);
  });

  it('given an insured person, when they ask to override the notice of a move, then Unauthorized', async () => {
    const { error } = await whenMoved(anAppointmentStarting(24 * 60 * 3), insured, true);

    expect(error?.name).toBe('Unauthorized');
  });
});
