import { pendingAppointment, type Appointment } from '../../core/domain/appointment';
import { reconcileAppointments, reportReconciliation, type CountryRowSummary } from '../../core/use-cases/reconcile-appointments';

const now = new Date('2026-11-22T12:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const appointment = (id: string, status: Appointment['status'], createdMinutesAgo: number): Appointment => ({
  ...pendingAppointment({ insuredId: '00012', scheduleId: 1, countryISO: 'PE' }, id, minutesAgo(createdMinutesAgo)),
  status,
});
const row = (appointmentId: string, scheduledMinutesAgo: number, status: CountryRowSummary['status'] = 'SCHEDULED'): CountryRowSummary => ({
  appointmentId,
  countryISO: 'PE',
  scheduleId: 1,
  status,
  scheduledAt: minutesAgo(scheduledMinutesAgo),
});

describe('reconciling DynamoDB with the country schemas', () => {
  it('given a healthy pipeline, when reconciled, then nothing is reported', async () => {
    const result = await reconcileAppointments(5 * 60_000, {
      appointments: () => [appointment('A', 'COMPLETED', 30), appointment('B', 'PENDING', 1)],
      countryRows: () => [row('A', 29), row('B', 0.5)],
      now: () => now,
    });

    expect(result).toEqual({ appointmentsChecked: 2, rowsChecked: 2, stuckPending: [], rowsDisagreeingWithAppointment: [] });
  });

  it('given an old PENDING appointment, a row whose appointment never completed and a row with no appointment, when reconciled, then each is reported once', async () => {
    const stuck = appointment('STUCK', 'PENDING', 20);
    const result = await reconcileAppointments(5 * 60_000, {
      appointments: () => [stuck, appointment('OK', 'COMPLETED', 20)],
      countryRows: () => [row('STUCK', 19), row('OK', 19), row('ORPHAN', 10)],
      now: () => now,
    });

    expect(result.stuckPending).toEqual([stuck]);
    expect(result.rowsDisagreeingWithAppointment).toEqual([
      { ...row('STUCK', 19), appointmentStatus: 'PENDING', expected: 'COMPLETED' },
      { ...row('ORPHAN', 10), appointmentStatus: 'MISSING', expected: 'COMPLETED' },
    ]);
  });

  it('given work younger than the threshold, when reconciled, then it is left alone as still in flight', async () => {
    const result = await reconcileAppointments(5 * 60_000, {
      appointments: () => [appointment('NEW', 'PENDING', 4)],
      countryRows: () => [row('NEW', 3), row('OTHER', 1)],
      now: () => now,
    });

    expect(result.stuckPending).toEqual([]);
    expect(result.rowsDisagreeingWithAppointment).toEqual([]);
  });

  it('given rejected, cancelled and cancelled-before-booking appointments whose rows agree, when reconciled, then nothing is reported', async () => {
    const result = await reconcileAppointments(5 * 60_000, {
      appointments: () => [appointment('R', 'REJECTED', 30), appointment('C', 'CANCELLED', 30), appointment('T', 'CANCELLED', 30)],
      countryRows: () => [row('R', 29, 'REJECTED'), row('C', 29, 'CANCELLED'), row('T', 29, 'CANCELLED')],
      now: () => now,
    });

    expect(result.rowsDisagreeingWithAppointment).toEqual([]);
  });

  it('given a cancelled appointment whose slot is still SCHEDULED and an OVERBOOKED row, when reconciled, then both are reported for a person to act on', async () => {
    const result = await reconcileAppointments(5 * 60_000, {
      appointments: () => [appointment('HELD', 'CANCELLED', 30), appointment('TWICE', 'COMPLETED', 300)],
      countryRows: () => [row('HELD', 29, 'SCHEDULED'), row('TWICE', 299, 'OVERBOOKED')],
      now: () => now,
    });

    expect(result.rowsDisagreeingWithAppointment).toEqual([
      { ...row('HELD', 29, 'SCHEDULED'), appointmentStatus: 'CANCELLED', expected: 'COMPLETED' },
      { ...row('TWICE', 299, 'OVERBOOKED'), appointmentStatus: 'COMPLETED', expected: 'NONE' },
    ]);
  });
});

describe("the scheduled reconciliation's report", () => {
  it('given one case of each kind but overbooked, when reported, then each kind is counted (zeros included) and each case is one log line with its appointment id and kind', async () => {
    const counted: [string, number][] = [];
    const logged: Record<string, unknown>[] = [];
    const logger = {
      info: jest.fn(),
      error: jest.fn(),
      warn: (message: string, keys: Record<string, unknown>) => logged.push({ message, ...keys }),
    };

    await reportReconciliation(5 * 60_000, {
      appointments: () => [appointment('STUCK', 'PENDING', 20), appointment('CANCELLED', 'CANCELLED', 20)],
      countryRows: () => [row('LOST', 19), row('CANCELLED', 19)],
      now: () => now,
      metrics: { reconciliationFindings: (kind, count) => counted.push([kind, count]) },
      logger,
    });

    expect(counted).toEqual([
      ['stuckPending', 1],
      ['lostDecision', 1],
      ['cancellationNotFreed', 1],
      ['overbooked', 0],
    ]);
    expect(logged.map(({ finding, appointmentId }) => [finding, appointmentId])).toEqual([
      ['stuckPending', 'STUCK'],
      ['lostDecision', 'LOST'],
      ['cancellationNotFreed', 'CANCELLED'],
    ]);
    expect(logged[2]?.message).toContain('cancel the appointment again');
  });
});
