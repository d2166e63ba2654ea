import { monotonicFactory } from 'ulid';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { pendingAppointment, type Appointment } from '../../core/appointment';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { AppointmentNotFoundError } from '../../core/errors';
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
    expect(await table.items()).toContainEqual(first);
  });

  it('given a PENDING appointment, when completed twice, then it is COMPLETED once and the second completion changes nothing', async () => {
    const pending = appointment('00100');
    await repository.create(pending);

    expect(await repository.markCompleted(pending, new Date('2026-11-22T10:00:05.000Z'))).toEqual({ outcome: 'completed', appointment: { ...pending, status: 'COMPLETED', updatedAt: '2026-11-22T10:00:05.000Z' } });
    expect(await repository.markCompleted(pending, new Date('2026-11-22T10:09:00.000Z'))).toEqual({ outcome: 'already-completed', appointment: { ...pending, status: 'COMPLETED', updatedAt: '2026-11-22T10:00:05.000Z' } });

    const [stored] = (await repository.listByInsured('00100', { limit: 10 })).items;
    expect(stored).toEqual({ ...pending, status: 'COMPLETED', updatedAt: '2026-11-22T10:00:05.000Z' });
  });

  it('given no such appointment, when completed, then it fails as not found and nothing is created', async () => {
    const ghost = appointment('00200');

    await expect(repository.markCompleted(ghost, new Date())).rejects.toBeInstanceOf(AppointmentNotFoundError);
    expect((await repository.listByInsured('00200', { limit: 10 })).items).toEqual([]);
  });

  it('given a PENDING appointment, when discarded, then it is gone; given a COMPLETED one, then discarding leaves it', async () => {
    const pending = appointment('00300');
    const completed = appointment('00300');
    await repository.create(pending);
    await repository.create(completed);
    await repository.markCompleted(completed, new Date());

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
