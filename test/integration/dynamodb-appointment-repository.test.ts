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

    await repository.discardPending(pending);
    await repository.discardPending(completed);

    const remaining = (await repository.listByInsured('00300', { limit: 10 })).items;
    expect(remaining.map((item) => [item.appointmentId, item.status])).toEqual([[completed.appointmentId, 'COMPLETED']]);
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
