import { pendingAppointment, type Appointment } from '../../core/domain/appointment';
import {
  MAX_SLOT_DRIFTS_LOGGED,
  reconcileAppointments,
  reportReconciliation,
  type CountryRowSummary,
} from '../../core/use-cases/reconcile-appointments';
import type { CountrySlotState, ReadModelSlotState } from '../../core/use-cases/reconcile-slot-read-model';

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
      ['slotReadModelDrift', 0],
    ]);
    expect(logged.map(({ finding, appointmentId }) => [finding, appointmentId])).toEqual([
      ['stuckPending', 'STUCK'],
      ['lostDecision', 'LOST'],
      ['cancellationNotFreed', 'CANCELLED'],
    ]);
    expect(logged[2]?.message).toContain('cancel the appointment again');
  });
});

const countrySlot = (scheduleId: number, changedMinutesAgo: number, overrides: Partial<CountrySlotState> = {}): CountrySlotState => ({
  countryISO: 'PE',
  scheduleId,
  availability: 'FREE',
  version: 2,
  changedAt: minutesAgo(changedMinutesAgo),
  ...overrides,
});
const modelSlot = (scheduleId: number, overrides: Partial<ReadModelSlotState> = {}): ReadModelSlotState => ({
  countryISO: 'PE',
  scheduleId,
  availability: 'FREE',
  version: 2,
  ...overrides,
});
const noAppointments = { appointments: () => [], countryRows: () => [], now: () => now };

describe('reconciling the slot read model with the country catalogs', () => {
  it("given a read model that holds every slot at its country's availability and at least its version, when reconciled, then nothing is reported", async () => {
    const result = await reconcileAppointments(5 * 60_000, {
      ...noAppointments,
      slots: {
        readModelSlots: () => [
          modelSlot(1),
          modelSlot(2, { availability: 'TAKEN', version: 3 }),
          modelSlot(3, { version: 4 }),
          modelSlot(1, { countryISO: 'CL' }),
        ],
        countrySlots: () => [
          countrySlot(1, 30),
          countrySlot(2, 30, { availability: 'TAKEN', version: 3 }),
          countrySlot(3, 30),
          countrySlot(1, 30, { countryISO: 'CL' }),
        ],
      },
    });

    expect(result.slots).toEqual({ readModelSlotsChecked: 4, countrySlotsChecked: 4, slotsDrifting: [] });
  });

  it('given a slot the read model lacks, one it shows free that its country has taken, and one it holds at an older version, when their changes are older than the threshold, then each is reported with both states', async () => {
    const result = await reconcileAppointments(5 * 60_000, {
      ...noAppointments,
      slots: {
        readModelSlots: () => [modelSlot(11, { version: 2 }), modelSlot(12, { version: 1 }), modelSlot(10, { countryISO: 'CL' })],
        countrySlots: () => [
          countrySlot(10, 20),
          countrySlot(11, 20, { availability: 'TAKEN', version: 3 }),
          countrySlot(12, 20, { version: 3 }),
        ],
      },
    });

    expect(result.slots?.slotsDrifting).toEqual([
      {
        countryISO: 'PE',
        scheduleId: 10,
        reason: 'missing',
        country: { availability: 'FREE', version: 2, changedAt: minutesAgo(20) },
        readModel: 'MISSING',
      },
      {
        countryISO: 'PE',
        scheduleId: 11,
        reason: 'availability',
        country: { availability: 'TAKEN', version: 3, changedAt: minutesAgo(20) },
        readModel: { availability: 'FREE', version: 2 },
      },
      {
        countryISO: 'PE',
        scheduleId: 12,
        reason: 'version',
        country: { availability: 'FREE', version: 3, changedAt: minutesAgo(20) },
        readModel: { availability: 'FREE', version: 1 },
      },
    ]);
  });

  it('given the same differences whose last change in the country is younger than the threshold, when reconciled, then none is reported: the snapshots may still be on their way', async () => {
    const result = await reconcileAppointments(5 * 60_000, {
      ...noAppointments,
      slots: {
        readModelSlots: () => [modelSlot(11, { version: 2 }), modelSlot(12, { version: 1 })],
        countrySlots: () => [
          countrySlot(10, 4),
          countrySlot(11, 4, { availability: 'TAKEN', version: 3 }),
          countrySlot(12, 0, { version: 3 }),
        ],
      },
    });

    expect(result.slots).toEqual({ readModelSlotsChecked: 2, countrySlotsChecked: 3, slotsDrifting: [] });
  });

  it('given no catalogs to compare with (no MySQL), when reconciled, then the read model is not checked', async () => {
    const result = await reconcileAppointments(5 * 60_000, noAppointments);

    expect(result.slots).toBeUndefined();
  });

  it('given drifting slots, when reported, then each is counted as slotReadModelDrift and logged with its scheduleId, up to a limit per run after which one line gives the rest', async () => {
    const counted: [string, number][] = [];
    const logged: Record<string, unknown>[] = [];
    const logger = {
      info: (message: string, keys: Record<string, unknown>) => logged.push({ message, ...keys }),
      error: jest.fn(),
      warn: (message: string, keys: Record<string, unknown>) => logged.push({ message, ...keys }),
    };
    const drifting = MAX_SLOT_DRIFTS_LOGGED + 5;

    await reportReconciliation(5 * 60_000, {
      ...noAppointments,
      slots: {
        readModelSlots: () => [modelSlot(1, { availability: 'TAKEN' })],
        countrySlots: () => Array.from({ length: drifting }, (_, index) => countrySlot(1 + index, 20)),
      },
      metrics: { reconciliationFindings: (kind, count) => counted.push([kind, count]) },
      logger,
    });

    expect(counted).toContainEqual(['slotReadModelDrift', drifting]);
    const findings = logged.filter((line) => line.finding === 'slotReadModelDrift');
    expect(findings).toHaveLength(MAX_SLOT_DRIFTS_LOGGED + 1);
    expect(findings[0]).toEqual({
      message: expect.stringContaining('slot-availability-dlq') as unknown,
      finding: 'slotReadModelDrift',
      countryISO: 'PE',
      scheduleId: 1,
      drift: 'availability',
      countryAvailability: 'FREE',
      countryVersion: 2,
      countryChangedAt: minutesAgo(20).toISOString(),
      readModelAvailability: 'TAKEN',
      readModelVersion: 2,
    });
    expect(findings[1]).toMatchObject({ scheduleId: 2, drift: 'missing', readModelAvailability: 'MISSING' });
    expect(findings.at(-1)).toMatchObject({ notLogged: 5 });
    expect(logged.find((line) => line.message === 'Reconciliation done')).toMatchObject({
      readModelSlotsChecked: 1,
      countrySlotsChecked: drifting,
      slotReadModelDrift: drifting,
    });
  });
});
