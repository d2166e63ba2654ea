import { monotonicFactory } from 'ulid';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { AppointmentStatus, pendingAppointment, RejectionReason, type Appointment } from '../../core/domain/appointment';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { AppointmentNotFoundError } from '../../core/domain/errors';
import { startTestTable, type TestTable } from '../support/dynamodb';

let table: TestTable;
let repository: DynamoDbAppointmentRepository;
// Monotonic, as in createAppointment: ids sort in creation order.
const nextId = monotonicFactory();
const appointment = (insuredId = '00012'): Appointment =>
  pendingAppointment({ insuredId, scheduleId: 7, countryISO: 'PE' }, nextId(), new Date('2026-11-22T10:00:00.000Z'));

beforeAll(async () => {
  table = await startTestTable();
  repository = new DynamoDbAppointmentRepository(table.client, table.tableName);
});
afterAll(() => table.stop());

describe('DynamoDB appointment repository (dynalite)', () => {
  it('given a stored appointment, when the same id is created again, then the second write is refused and the first is kept', async () => {
    const first = appointment();
    await repository.create(first);

    await expect(repository.create({ ...first, scheduleId: 99 })).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await repository.get(first)).toEqual(first);
  });

  it('given a PENDING appointment, when completed twice, then it is COMPLETED once and the second completion changes nothing', async () => {
    const pending = appointment('00100');
    await repository.create(pending);
    const complete = (at: string) => repository.changeStatus(pending, { target: AppointmentStatus.COMPLETED, at: new Date(at) });

    expect(await complete('2026-11-22T10:00:05.000Z')).toEqual({
      outcome: 'changed',
      appointment: { ...pending, status: 'COMPLETED', updatedAt: '2026-11-22T10:00:05.000Z' },
    });
    expect(await complete('2026-11-22T10:09:00.000Z')).toEqual({
      outcome: 'unchanged',
      appointment: { ...pending, status: 'COMPLETED', updatedAt: '2026-11-22T10:00:05.000Z' },
    });

    const [stored] = (await repository.listByInsured('00100', { limit: 10 })).items;
    expect(stored).toEqual({ ...pending, status: 'COMPLETED', updatedAt: '2026-11-22T10:00:05.000Z' });
  });

  it('given a PENDING appointment, when its country rejects it, then it is REJECTED with the reason, and it can no longer be cancelled', async () => {
    const pending = appointment('00110');
    await repository.create(pending);
    const at = new Date('2026-11-22T10:00:05.000Z');

    const rejected = await repository.changeStatus(pending, {
      target: AppointmentStatus.REJECTED,
      at,
      rejectionReason: RejectionReason.SLOT_TAKEN,
    });
    const cancelled = await repository.changeStatus(pending, { target: AppointmentStatus.CANCELLED, at });

    expect(rejected).toEqual({
      outcome: 'changed',
      appointment: { ...pending, status: 'REJECTED', rejectionReason: 'SLOT_TAKEN', updatedAt: at.toISOString() },
    });
    expect(cancelled).toEqual({ outcome: 'refused', appointment: rejected.appointment });
  });

  it("given a CANCELLED appointment, when its country's late AppointmentScheduled is applied, then it is refused and stays CANCELLED", async () => {
    const pending = appointment('00120');
    await repository.create(pending);
    await repository.changeStatus(pending, { target: AppointmentStatus.CANCELLED, at: new Date() });

    const late = await repository.changeStatus(pending, { target: AppointmentStatus.COMPLETED, at: new Date() });

    expect(late.outcome).toBe('refused');
    expect((await repository.get(pending))?.status).toBe('CANCELLED');
  });

  it('given no such appointment, when completed, then it fails as not found and nothing is created', async () => {
    const ghost = appointment('00200');

    await expect(repository.changeStatus(ghost, { target: AppointmentStatus.COMPLETED, at: new Date() })).rejects.toBeInstanceOf(
      AppointmentNotFoundError,
    );
    expect((await repository.listByInsured('00200', { limit: 10 })).items).toEqual([]);
  });

  it("given an insured person's claim on a slot, when a second booking of that slot claims it, then it is told who holds it; once the holder is named as replaced, it takes the claim", async () => {
    const first = appointment('00210');
    const second = appointment('00210');
    for (const item of [first, second]) await repository.create(item);

    expect(await repository.claimSlot(first)).toEqual({ claimed: true, holder: first.appointmentId });
    expect(await repository.claimSlot(second)).toEqual({ claimed: false, holder: first.appointmentId });
    expect(await repository.claimSlot(second, 'someone-else')).toEqual({ claimed: false, holder: first.appointmentId });
    expect(await repository.claimSlot(second, first.appointmentId)).toEqual({ claimed: true, holder: second.appointmentId });
  });

  it('given claims stored beside the appointments, when the insured person lists or an operator scans, then only appointments come back', async () => {
    const booked = appointment('00220');
    await repository.create(booked);
    await repository.claimSlot(booked);

    expect((await repository.listByInsured('00220', { limit: 10 })).items).toEqual([booked]);
    const scanned: Appointment[] = [];
    for await (const item of repository.scanAll()) if (item.insuredId === '00220') scanned.push(item);
    expect(scanned).toEqual([booked]);
  });

  it('given a claim, when an appointment that does not hold it releases it, then the holder keeps it; when the holder releases it, then it is free', async () => {
    const holder = appointment('00230');
    const other = appointment('00230');
    await repository.create(holder);
    await repository.claimSlot(holder);

    await repository.releaseSlotClaim(other);
    expect(await repository.claimSlot(other)).toEqual({ claimed: false, holder: holder.appointmentId });
    await repository.releaseSlotClaim(holder);
    expect(await repository.claimSlot(other)).toEqual({ claimed: true, holder: other.appointmentId });
  });

  it('given a PENDING appointment, when discarded, then it is gone; given a COMPLETED one, then discarding leaves it', async () => {
    const pending = appointment('00300');
    const completed = appointment('00300');
    await repository.create(pending);
    await repository.create(completed);
    await repository.changeStatus(completed, { target: AppointmentStatus.COMPLETED, at: new Date() });

    expect(await repository.discardPending(pending)).toBe(true);
    expect(await repository.discardPending(completed)).toBe(false);

    const remaining = (await repository.listByInsured('00300', { limit: 10 })).items;
    expect(remaining.map((item) => [item.appointmentId, item.status])).toEqual([[completed.appointmentId, 'COMPLETED']]);
  });

  it('given a PENDING appointment another request answered with, when its own request discards it, then it is kept (and shown as before); once discarded, it cannot be kept', async () => {
    const answered = appointment('00310');
    const discarded = appointment('00310');
    await repository.create(answered);
    await repository.create(discarded);

    expect(await repository.keepAnswered(answered)).toBe(true);
    expect(await repository.discardPending(answered)).toBe(false);
    expect(await repository.discardPending(discarded)).toBe(true);
    expect(await repository.keepAnswered(discarded)).toBe(false);

    expect((await repository.listByInsured('00310', { limit: 10 })).items).toEqual([answered]);
    expect(await repository.discardPending(discarded)).toBe(true);
  });

  it('given appointments of two insured people, when one is listed, then only theirs come back, newest first', async () => {
    const older = appointment('00400');
    const other = appointment('00401');
    const newer = appointment('00400');
    for (const item of [older, other, newer]) await repository.create(item);

    const page = await repository.listByInsured('00400', { limit: 10 });

    expect(page.items.map((item) => item.appointmentId)).toEqual([newer.appointmentId, older.appointmentId]);
    expect(page.cursor).toBeUndefined();
  });
});

describe('moves in the DynamoDB appointment repository (dynalite)', () => {
  const slotAt = (scheduleId: number) => ({
    scheduleId,
    countryISO: 'PE' as const,
    startsAt: '2026-12-20T09:00:00-05:00',
    endsAt: '2026-12-20T09:20:00-05:00',
    centre: { __typename: 'PeruCentre', centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', timeZone: 'America/Lima' },
    specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
    doctor: { doctorId: 'dra-quispe', name: 'Dra. María Quispe' },
  });
  const aMove = (scheduleId: number) => ({ moveId: nextId(), to: slotAt(scheduleId), requestedAt: '2026-11-22T10:01:00.000Z' });

  async function aCompletedAppointment(insuredId: string): Promise<Appointment> {
    const booked = appointment(insuredId);
    await repository.create(booked);
    return (await repository.changeStatus(booked, { target: AppointmentStatus.COMPLETED, at: new Date('2026-11-22T10:00:05.000Z') }))
      .appointment;
  }

  it('given a COMPLETED appointment, when a move is asked, then it is pending; a second move is not recorded while it is', async () => {
    const booked = await aCompletedAppointment('00200');
    const move = aMove(8);

    const first = await repository.requestMove(booked, move, 7);
    const second = await repository.requestMove(booked, aMove(9), 7);

    expect(first).toEqual({ requested: true, appointment: { ...booked, pendingReschedule: move } });
    expect(second).toEqual({ requested: false, appointment: { ...booked, pendingReschedule: move } });
  });

  it('given a pending move, when its country moves it, then the appointment holds the new slot, the old one in movedFrom; the same decision again is unchanged, and another move id is stale', async () => {
    const booked = await aCompletedAppointment('00210');
    const move = aMove(8);
    await repository.requestMove(booked, move, 7);
    const at = new Date('2026-11-22T10:01:05.000Z');

    const settled = await repository.settleMove(booked, { moveId: move.moveId, outcome: 'MOVED', at });
    const again = await repository.settleMove(booked, { moveId: move.moveId, outcome: 'MOVED', at });
    const stale = await repository.settleMove(booked, {
      moveId: nextId(),
      outcome: 'REFUSED',
      at,
      refusalReason: RejectionReason.SLOT_TAKEN,
    });

    const moved = {
      ...booked,
      scheduleId: 8,
      slot: move.to,
      updatedAt: at.toISOString(),
      movedFrom: [{ scheduleId: 7, slot: null, movedAt: at.toISOString() }],
    };
    const result = { moveId: move.moveId, outcome: 'MOVED', from: null, fromScheduleId: 7, to: move.to, refusalReason: null };
    expect(settled).toEqual({ outcome: 'changed', appointment: moved, result });
    expect(again).toEqual({ outcome: 'unchanged', appointment: moved, result });
    expect(stale).toEqual({ outcome: 'stale', appointment: moved });
  });

  it('given a pending move, when its country refuses it, then the appointment keeps its slot and nothing is pending; when cancelled while a move is pending, the move is dropped', async () => {
    const refusedOne = await aCompletedAppointment('00220');
    const move = aMove(8);
    await repository.requestMove(refusedOne, move, 7);
    const cancelledOne = await aCompletedAppointment('00221');
    await repository.requestMove(cancelledOne, aMove(9), 7);
    const at = new Date('2026-11-22T10:01:05.000Z');

    const refused = await repository.settleMove(refusedOne, {
      moveId: move.moveId,
      outcome: 'REFUSED',
      at,
      refusalReason: RejectionReason.SLOT_TAKEN,
    });
    const cancelled = await repository.changeStatus(cancelledOne, { target: AppointmentStatus.CANCELLED, at });

    expect(refused).toMatchObject({
      outcome: 'changed',
      appointment: { ...refusedOne, updatedAt: at.toISOString() },
      result: { outcome: 'REFUSED', refusalReason: 'SLOT_TAKEN', fromScheduleId: 7, to: move.to },
    });
    expect(cancelled.appointment).toMatchObject({ status: 'CANCELLED', pendingReschedule: null, scheduleId: 7 });
  });

  it('given a country decision for a slot the appointment moved away from, when applied, then it is answered as elsewhere and changes nothing', async () => {
    const pending = appointment('00230');
    await repository.create(pending);

    const result = await repository.changeStatus(pending, { target: AppointmentStatus.COMPLETED, at: new Date(), scheduleId: 8 });

    expect(result).toEqual({ outcome: 'elsewhere', appointment: pending });
  });
});
