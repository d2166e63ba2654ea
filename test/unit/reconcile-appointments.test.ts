import { pendingAppointment, type Appointment } from '../../core/appointment';
import { reconcileAppointments, type CountryRowSummary } from '../../core/use-cases/reconcile-appointments';

const now = new Date('2026-11-22T12:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const appointment = (id: string, status: Appointment['status'], createdMinutesAgo: number): Appointment => ({
  ...pendingAppointment({ insuredId: '00012', scheduleId: 1, countryISO: 'PE' }, id, minutesAgo(createdMinutesAgo)),
  status,
});
const row = (appointmentId: string, scheduledMinutesAgo: number): CountryRowSummary => ({
  appointmentId,
  countryISO: 'PE',
  scheduledAt: minutesAgo(scheduledMinutesAgo),
});

describe('reconciling DynamoDB with the country schemas', () => {
  it('given a healthy pipeline, when reconciled, then nothing is reported', async () => {
    const result = await reconcileAppointments(5 * 60_000, {
      appointments: () => [appointment('A', 'COMPLETED', 30), appointment('B', 'PENDING', 1)],
      countryRows: () => [row('A', 29), row('B', 0.5)],
      now: () => now,
    });

    expect(result).toEqual({ appointmentsChecked: 2, rowsChecked: 2, stuckPending: [], rowsWithoutCompletedAppointment: [] });
  });

  it('given an old PENDING appointment, a row whose appointment never completed and a row with no appointment, when reconciled, then each is reported once', async () => {
    const stuck = appointment('STUCK', 'PENDING', 20);
    const result = await reconcileAppointments(5 * 60_000, {
      appointments: () => [stuck, appointment('OK', 'COMPLETED', 20)],
      countryRows: () => [row('STUCK', 19), row('OK', 19), row('ORPHAN', 10)],
      now: () => now,
    });

    expect(result.stuckPending).toEqual([stuck]);
    expect(result.rowsWithoutCompletedAppointment).toEqual([
      { ...row('STUCK', 19), status: 'PENDING' },
      { ...row('ORPHAN', 10), status: 'MISSING' },
    ]);
  });

  it('given work younger than the threshold, when reconciled, then it is left alone as still in flight', async () => {
    const result = await reconcileAppointments(5 * 60_000, {
      appointments: () => [appointment('NEW', 'PENDING', 4)],
      countryRows: () => [row('NEW', 3), row('OTHER', 1)],
      now: () => now,
    });

    expect(result.stuckPending).toEqual([]);
    expect(result.rowsWithoutCompletedAppointment).toEqual([]);
  });
});
