import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Pool } from 'mysql2/promise';
import { ulid } from 'ulid';
import { pendingAppointment } from '../../core/domain/appointment';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { environment } from '../../core/config/environment';
import type { AppointmentRequested } from '../../core/messages/appointment-messages';
import { topology } from '../../core/config/topology';
import { eventBridgeDeliveryRecord, lambdaContext, sqsEvent, sqsRecord } from '../../local/lambda/aws-events';
import { startStatusChangeReceiver, type StatusChangeReceiver } from '../support/appsync-receiver';
import { startTestTable, type TestTable } from '../support/dynamodb';
import { countryRows, describeWithMysql, testMysqlUrl, testPool } from '../support/mysql';
import { given } from '../steps';
import { EVENT_BUS_NAME, loadCompletionWorker, loadCountryWorker, type WorkerHandler } from '../support/pipeline';

const peQueue = topology.countryRoutes.find((route) => route.countryISO === 'PE')!.queueName;

/** A booking of a slot of its own, which its catalog lacks: the country schedules it as it schedules appointments made before the catalog. */
const requested = (countryISO: 'PE' | 'CL' = 'PE'): AppointmentRequested => ({
  appointmentId: ulid(),
  insuredId: '00012',
  scheduleId: given.aSlotTheCatalogLacks(countryISO).scheduleId,
  countryISO,
  createdAt: new Date().toISOString(),
  correlationId: `corr-${ulid()}`,
});
const rawDelivery = (body: AppointmentRequested | string): SQSRecord =>
  sqsRecord(typeof body === 'string' ? body : JSON.stringify(body), {
    queueName: peQueue,
    messageAttributes: typeof body === 'string' ? {} : { countryISO: { dataType: 'String', stringValue: body.countryISO } },
  });

describeWithMysql('country worker (PE) with SQS events as AWS sends them', () => {
  let pool: Pool;
  let worker: WorkerHandler;
  let eventBridge: ReturnType<typeof mockClient>;
  let PutEventsCommand: typeof import('@aws-sdk/client-eventbridge').PutEventsCommand;

  beforeAll(() => {
    pool = testPool();
    const loaded = loadCountryWorker('PE', { [environment.mysqlUrl]: testMysqlUrl! });
    worker = loaded.handler;
    eventBridge = mockClient(loaded.eventBridgeSdk.EventBridgeClient);
    PutEventsCommand = loaded.eventBridgeSdk.PutEventsCommand;
  });
  beforeEach(() => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map(() => ({ EventId: ulid() })),
    }));
  });
  afterAll(async () => {
    eventBridge.restore();
    await pool.end();
  });

  it('given a batch with one unparsable record and one for Chile, when processed, then only those two fail and the rest are scheduled and announced', async () => {
    const good = [requested(), requested(), requested()];
    const garbled = rawDelivery('{"appointmentId": "not json');
    const chilean = rawDelivery(requested('CL'));
    const records = [rawDelivery(good[0]!), garbled, rawDelivery(good[1]!), chilean, rawDelivery(good[2]!)];

    const response = await worker(sqsEvent(...records), lambdaContext('countryWorker-PE'));

    expect(response.batchItemFailures).toEqual(
      expect.arrayContaining([{ itemIdentifier: garbled.messageId }, { itemIdentifier: chilean.messageId }]),
    );
    expect(response.batchItemFailures).toHaveLength(2);
    const ids = good.map((request) => request.appointmentId);
    // Each good booking holds its own slot, SCHEDULED, and is announced as scheduled
    expect((await countryRows(pool, 'PE', ids)).map((row) => [row.appointment_id, row.status])).toEqual(
      [...ids].sort().map((id) => [id, 'SCHEDULED']),
    );
    expect(await countryRows(pool, 'CL', [(JSON.parse(chilean.body) as AppointmentRequested).appointmentId])).toEqual([]);
    const announced = eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(
      announced.map((entry) => [(JSON.parse(entry.Detail!) as { appointmentId: string }).appointmentId, entry.DetailType]).sort(),
    ).toEqual([...ids].sort().map((id) => [id, 'AppointmentScheduled']));
  });

  it('given the same record delivered twice, when both are processed, then one MySQL row exists and both deliveries succeed', async () => {
    const request = requested();

    const first = await worker(sqsEvent(rawDelivery(request)), lambdaContext());
    const second = await worker(
      sqsEvent({ ...rawDelivery(request), attributes: { ...rawDelivery(request).attributes, ApproximateReceiveCount: '2' } }),
      lambdaContext(),
    );

    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(await countryRows(pool, 'PE', [request.appointmentId])).toHaveLength(1);
  });

  it('given EventBridge is down, when a batch is processed, then every record fails so SQS redelivers it, and the rows written stay single', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('EventBridge unavailable'));
    const batch = [requested(), requested()];

    const response = await worker(sqsEvent(...batch.map(rawDelivery)), lambdaContext());

    expect(response.batchItemFailures).toHaveLength(2);
    expect(
      await countryRows(
        pool,
        'PE',
        batch.map((request) => request.appointmentId),
      ),
    ).toHaveLength(2);
  });
});

describe('completion worker with SQS events as AWS sends them', () => {
  let table: TestTable;
  let appsync: StatusChangeReceiver;
  let workerEnv: Record<string, string>;
  let worker: WorkerHandler;
  let appointments: DynamoDbAppointmentRepository;

  beforeAll(async () => {
    table = await startTestTable();
    appsync = await startStatusChangeReceiver();
    appointments = new DynamoDbAppointmentRepository(table.client, table.tableName);
    workerEnv = { ...table.lambdaEnv, ...appsync.lambdaEnv, [environment.appointmentsTableName]: table.tableName };
    worker = loadCompletionWorker(workerEnv);
  });
  afterAll(async () => {
    await table.stop();
    await appsync.stop();
  });
  const announced = (appointmentId: string) => appsync.received.filter((change) => change.appointmentId === appointmentId);

  const scheduledRecord = (appointment: { appointmentId: string; insuredId: string; scheduleId?: number }) =>
    eventBridgeDeliveryRecord(
      {
        EventBusName: EVENT_BUS_NAME,
        Source: topology.countryOutcomes.source,
        DetailType: 'AppointmentScheduled',
        Detail: JSON.stringify({
          scheduleId: 5,
          ...appointment,
          countryISO: 'PE',
          correlationId: 'c',
          scheduledAt: new Date().toISOString(),
        }),
      },
      topology.confirmations.queueName,
    );

  it('given the same AppointmentScheduled delivered twice, when processed, then the appointment is COMPLETED once and neither delivery fails', async () => {
    const appointment = pendingAppointment({ insuredId: '00500', scheduleId: 5, countryISO: 'PE' }, ulid(), new Date());
    await appointments.create(appointment);

    const first = await worker(sqsEvent(scheduledRecord(appointment)), lambdaContext());
    const [afterFirst] = (await appointments.listByInsured('00500', { limit: 1 })).items;
    const second = await worker(sqsEvent(scheduledRecord(appointment)), lambdaContext());
    const [afterSecond] = (await appointments.listByInsured('00500', { limit: 1 })).items;

    expect([first.batchItemFailures, second.batchItemFailures]).toEqual([[], []]);
    expect(afterFirst?.status).toBe('COMPLETED');
    expect(afterSecond).toEqual(afterFirst);
    // And subscribers heard the stored change each time, with its stored timestamp (at least once, never a different one)
    expect(announced(appointment.appointmentId)).toEqual([
      {
        appointmentId: appointment.appointmentId,
        insuredId: '00500',
        scheduleId: 5,
        countryISO: 'PE',
        status: 'COMPLETED',
        rejectionReason: null,
        updatedAt: afterFirst?.updatedAt,
        // Booked without the catalog (pendingAppointment's default): no slot to tell of
        slot: null,
        reschedule: null,
      },
      {
        appointmentId: appointment.appointmentId,
        insuredId: '00500',
        scheduleId: 5,
        countryISO: 'PE',
        status: 'COMPLETED',
        rejectionReason: null,
        updatedAt: afterFirst?.updatedAt,
        slot: null,
        reschedule: null,
      },
    ]);
    expect(appsync.unsigned).toBe(0);
  });

  it('given AppSync refuses one status change, when its batch is processed, then only that record fails, and its redelivery announces the stored change', async () => {
    const refused = pendingAppointment({ insuredId: '00502', scheduleId: 5, countryISO: 'PE' }, ulid(), new Date());
    const fine = pendingAppointment({ insuredId: '00502', scheduleId: 6, countryISO: 'PE' }, ulid(), new Date());
    await Promise.all([appointments.create(refused), appointments.create(fine)]);
    appsync.refuseOnce(refused.appointmentId);
    const refusedRecord = scheduledRecord(refused);

    const response = await worker(sqsEvent(refusedRecord, scheduledRecord(fine)), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: refusedRecord.messageId }]);
    expect(announced(fine.appointmentId)).toHaveLength(1);
    expect(announced(refused.appointmentId)).toEqual([]);
    // When AppSync takes it again and SQS redelivers the record, the change is announced then
    const redelivered = await worker(sqsEvent(refusedRecord), lambdaContext());
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(announced(refused.appointmentId)).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
  });

  it('given a batch with a non-event body and an event for an unknown appointment, when processed, then only those two fail', async () => {
    const known = pendingAppointment({ insuredId: '00501', scheduleId: 5, countryISO: 'CL' }, ulid(), new Date());
    await appointments.create(known);
    const notAnEvent = sqsRecord(JSON.stringify({ hello: 'world' }), { queueName: topology.confirmations.queueName });
    const unknown = scheduledRecord({ appointmentId: ulid(), insuredId: '00501' });

    const response = await worker(sqsEvent(notAnEvent, scheduledRecord(known), unknown), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: notAnEvent.messageId }, { itemIdentifier: unknown.messageId }]);
    expect((await appointments.listByInsured('00501', { limit: 5 })).items).toEqual([
      expect.objectContaining({ appointmentId: known.appointmentId, status: 'COMPLETED' }),
    ]);
  });

  it('given a record that does not parse, when processed, then one structured error line names its message id', async () => {
    const loggingWorker = loadCompletionWorker({ ...workerEnv, POWERTOOLS_LOG_LEVEL: 'ERROR' });
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    };
    const writes = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    const poison = sqsRecord('not json at all', { queueName: topology.confirmations.queueName, receiveCount: 2 });

    try {
      await loggingWorker(sqsEvent(poison), lambdaContext());
    } finally {
      writes.forEach((write) => write.mockRestore());
    }

    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.messageId === poison.messageId);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        service: 'completionWorker',
        messageId: poison.messageId,
        receiveCount: 2,
        error: expect.objectContaining({ name: 'MalformedMessageError' }) as unknown,
      }),
    ]);
  });
});
