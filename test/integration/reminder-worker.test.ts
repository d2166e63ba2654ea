import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ulid } from 'ulid';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { AppointmentStatus } from '../../core/domain/appointment';
import { topology } from '../../core/config/topology';
import { slotAnswer } from '../../core/use-cases/slot-answers';
import { lambdaContext } from '../../local/lambda/aws-events';
import { anAppointment } from '../support/appointments';
import { startTestTable, type TestTable } from '../support/dynamodb';
import { loadLambda } from '../support/lambda';
import { acceptEveryEvent, EVENT_BUS_NAME } from '../support/pipeline';
import { aSlotSnapshot } from '../support/slot-publications';
import { environment } from '../../core/config/environment';

type ReminderHandler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<{ announced: boolean }>;

/**
 * The reminder worker as Lambda runs it, on a real table (dynalite), its EventBridge client stubbed: what Scheduler's
 * one-time schedule hands it is read, the appointment read again, and the reminder announced only when still due.
 */
describe('the reminder worker', () => {
  let table: TestTable;
  let worker: ReminderHandler;
  const announced: PutEventsRequestEntry[] = [];

  beforeAll(async () => {
    table = await startTestTable();
    const env = { ...table.lambdaEnv, [environment.appointmentsTableName]: table.tableName, [environment.eventBusName]: EVENT_BUS_NAME };
    const loaded = loadLambda(env, () => ({
      handler: jest.requireActual<{ handler: ReminderHandler }>('../../workers/reminder-worker').handler,
      eventBridgeSdk: jest.requireActual<typeof import('@aws-sdk/client-eventbridge')>('@aws-sdk/client-eventbridge'),
    }));
    acceptEveryEvent(loaded.eventBridgeSdk, announced);
    worker = loaded.handler;
  });
  afterAll(() => table?.stop());
  beforeEach(() => (announced.length = 0));

  /** A COMPLETED appointment stored with a slot ten days ahead, and the input its schedule carries. */
  async function aStoredCompletedAppointment() {
    const slot = slotAnswer(aSlotSnapshot('PE', 100, new Date(Date.now() + 10 * 86_400_000)));
    const appointment = anAppointment(AppointmentStatus.COMPLETED, { slot, appointmentId: ulid() });
    await new DynamoDbAppointmentRepository(table.client, table.tableName).create(appointment);
    const input = {
      appointmentId: appointment.appointmentId,
      insuredId: appointment.insuredId,
      remindsOf: slot.startsAt,
      correlationId: 'corr-reminder',
    };
    return { appointment, input };
  }

  it('given a COMPLETED appointment still at the reminded start, when its schedule fires, then one AppointmentReminderDue is put on the bus', async () => {
    const { appointment, input } = await aStoredCompletedAppointment();

    const answer = await worker(input, lambdaContext('reminder-worker'));

    expect(answer).toEqual({ announced: true });
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ Source: topology.reminders.source, DetailType: topology.reminders.detailType });
    expect(JSON.parse(announced[0]!.Detail!)).toMatchObject({ appointmentId: appointment.appointmentId, remindsOf: input.remindsOf });
  });

  it('given a schedule made for another start (the appointment moved since), when it fires, then nothing is announced', async () => {
    const { input } = await aStoredCompletedAppointment();

    const answer = await worker(
      { ...input, remindsOf: new Date(Date.now() + 3 * 86_400_000).toISOString() },
      lambdaContext('reminder-worker'),
    );

    expect(answer).toEqual({ announced: false });
    expect(announced).toEqual([]);
  });

  it('given an input the worker cannot read, when it fires, then the invocation fails (Lambda retries it, then its on-failure destination keeps it)', async () => {
    await expect(worker({ appointmentId: 'not-an-id' }, lambdaContext('reminder-worker'))).rejects.toThrow();
    expect(announced).toEqual([]);
  });
});
