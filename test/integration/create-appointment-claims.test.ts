import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { DynamoDbSlotReadModel } from '../../core/adapters/dynamodb-slot-read-model';
import type { Appointment } from '../../core/graphql/types.generated';
import type { CountryQueueMessage } from '../../core/messages/slot-messages';
import type { AppointmentKey } from '../../core/ports';
import { createAppointment } from '../../core/use-cases/create-appointment';
import { startTestTable, type TestTable } from '../support/dynamodb';
import { given, type FreeSlots } from '../steps';

/**
 * The stale slot claim's replacement, on a real table: a booking that finds its insured person's claim held by an
 * appointment that no longer holds the slot takes the claim over, unless other requests of theirs keep taking it
 * first; after five such turns it gives up with SchedulingUnavailableError, storing and sending nothing.
 */
describe('createAppointment against a stale slot claim', () => {
  let table: TestTable;
  let slots: FreeSlots;

  beforeAll(async () => {
    table = await startTestTable();
    slots = await given.slotsInTheCatalog(table, { PE: 2 });
  });
  afterAll(() => table.stop());

  /** The booking use case on the table, its publishes recorded; `appointments` may stand in for the repository. */
  const booking = (appointments: DynamoDbAppointmentRepository, insuredId: string, scheduleId: number) => {
    const sent: CountryQueueMessage[] = [];
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const answer = createAppointment({ insuredId, scheduleId, countryISO: 'PE' }, { kind: 'developer' }, 'claims-test', {
      appointments,
      requests: {
        publish: (message) => {
          sent.push(message);
          return Promise.resolve();
        },
      },
      slots: new DynamoDbSlotReadModel(table.client, table.slotsTableName),
      logger: quiet,
      metrics: { bookingAccepted: () => undefined, bookingRefused: () => undefined },
    });
    return { answer, sent };
  };

  /** Every appointment the insured person has in the table (claims left out). */
  const appointmentsOf = async (insuredId: string) =>
    (await new DynamoDbAppointmentRepository(table.client, table.tableName).listByInsured(insuredId, { limit: 100 })).items;

  it('given a claim left by a discarded booking, when the same booking is sent, then it takes the claim over and is accepted', async () => {
    const repository = new DynamoDbAppointmentRepository(table.client, table.tableName);
    const { scheduleId } = slots.at(0, 'PE');
    // A claim whose appointment was discarded (its hand-off failed and the claim could not be released)
    await repository.claimSlot({ insuredId: '08001', countryISO: 'PE', scheduleId, appointmentId: '01DISCARDED' } as Appointment);

    const { answer, sent } = booking(repository, '08001', scheduleId);

    const accepted = await answer;
    expect(accepted).toMatchObject({ status: 'PENDING', scheduleId });
    expect(sent).toEqual([expect.objectContaining({ type: 'AppointmentRequested', appointmentId: accepted.appointmentId })]);
    expect((await appointmentsOf('08001')).map((item) => item.appointmentId)).toEqual([accepted.appointmentId]);
  });

  it('given other requests of the same person that take the stale claim first each time, when the booking has tried five times, then it is refused SchedulingUnavailableError and nothing is stored or sent', async () => {
    const { scheduleId } = slots.at(1, 'PE');
    const seed = new DynamoDbAppointmentRepository(table.client, table.tableName);
    await seed.claimSlot({ insuredId: '08002', countryISO: 'PE', scheduleId, appointmentId: '01STALE0' } as Appointment);
    // Each time the booking reads the claim's holder, another request replaces that stale claim with one of its own,
    // which is gone too by the time it is read: the booking's conditional replacement never matches.
    let turns = 0;
    class RacedRepository extends DynamoDbAppointmentRepository {
      override async get(key: AppointmentKey): Promise<Appointment | undefined> {
        const found = await super.get(key);
        if (key.appointmentId.startsWith('01STALE')) {
          turns += 1;
          await super.claimSlot(
            { insuredId: '08002', countryISO: 'PE', scheduleId, appointmentId: `01STALE${turns}` } as Appointment,
            key.appointmentId,
          );
        }
        return found;
      }
    }

    const { answer, sent } = booking(new RacedRepository(table.client, table.tableName), '08002', scheduleId);

    const refusal = await answer.then(
      () => undefined,
      (error: Error) => error,
    );
    expect(refusal?.name).toBe('SchedulingUnavailableError');
    expect(refusal?.message).toContain('Please try again');
    expect(turns).toBe(5);
    expect(sent).toEqual([]);
    expect(await appointmentsOf('08002')).toEqual([]);
  });
});
