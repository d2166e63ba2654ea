import type { SQSEvent } from 'aws-lambda';
import type { Pool } from 'mysql2/promise';
import { monotonicFactory } from 'ulid';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { DynamoDbSlotReadModel } from '../../core/adapters/dynamodb-slot-read-model';
import { AppointmentStatus, pendingAppointment, type Appointment, type CountryISO } from '../../core/domain/appointment';
import { countryISOs } from '../../core/domain/countries';
import type { AppointmentRequested, AppointmentScheduled } from '../../core/messages/appointment-messages';
import { topology } from '../../core/config/topology';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoDbClient } from '../../local/dynamodb/dynalite';
import { LOCAL_ACCOUNT_ID } from '../../local/aws-identity';
import type { AsyncFailureRecord } from '../../local/lambda/async-invocation';
import { appointmentIdOf } from '../../local/operators/operator-io';
import type { LocalStack } from '../../local/stack';
import { describeWithMysql, testPool } from '../support/mysql';
import {
  deadLetterQueueNames,
  listedStatuses,
  printCounts,
  RouterTally,
  scheduledRows,
  startReliabilityStack,
  type SuiteCounts,
} from './support';
import { given } from '../steps/given';
import { aSlotSnapshot } from '../support/slot-publications';

const nextAppointmentId = monotonicFactory();

/**
 * Poison messages: ones no retry will ever fix. Each must end in its queue's DLQ
 * after the max receive count, and must not hold back the batch it arrived with.
 */
describeWithMysql('reliability: poison messages', () => {
  const startedAt = Date.now();
  const counts: SuiteCounts<'poison'> = { sent: 0, completed: 0, rows: 0, inDlq: 0, redriven: 0, poison: 0 };
  let stack: LocalStack;
  let pool: Pool;
  let tally: RouterTally;
  let appointments: DynamoDbAppointmentRepository;
  const invocations: { queue: string; messageIds: string[] }[] = [];

  beforeAll(async () => {
    stack = await startReliabilityStack({
      hooks: {
        aroundInvoke: (queue: string, event: SQSEvent, invoke: (event: SQSEvent) => Promise<unknown>) => {
          invocations.push({ queue, messageIds: event.Records.map((record) => record.messageId) });
          return invoke(event);
        },
      },
    });
    tally = new RouterTally(stack.router);
    pool = testPool();
    appointments = new DynamoDbAppointmentRepository(localDynamoDbClient(stack.dynamodbEndpoint), stack.tableName);
  }, 60_000);

  afterAll(async () => {
    tally?.stop();
    await stack?.stop();
    await pool?.end();
    counts.inDlq = deadLetterQueueNames.reduce((sum, queue) => sum + (stack?.router.deadLetters(queue).length ?? 0), 0);
    printCounts('poison', counts, startedAt);
  });

  /**
   * A PENDING appointment in DynamoDB, as createAppointment leaves it, and the request it publishes: sent straight to
   * a country queue, so on a slot its catalog lacks (the country books it as it books appointments made before the catalog).
   */
  async function pendingRequest(
    countryISO: CountryISO,
    index: number,
  ): Promise<{ appointment: Appointment; request: AppointmentRequested }> {
    const appointment = pendingAppointment(
      { insuredId: String(90_000 + index).padStart(5, '0'), ...given.aSlotTheCatalogLacks(countryISO) },
      nextAppointmentId(),
      new Date(),
    );
    await appointments.create(appointment);
    const { status: _status, updatedAt: _updatedAt, ...request } = { ...appointment, correlationId: `poison-suite-${index}` };
    return { appointment, request };
  }

  function countryAttribute(countryISO: string) {
    return { [topology.appointmentRequests.routingAttribute]: { dataType: 'String', stringValue: countryISO } };
  }

  it('in a country queue: a booking or cancellation that does not parse or names another country is dead-lettered; its batch mates are scheduled once', async () => {
    // Given a country queue, and in DynamoDB the PENDING appointments of one full batch
    const route = topology.countryRoutes[0];
    const other = countryISOs.find((countryISO) => countryISO !== route?.countryISO);
    if (!route || !other) throw new Error('The topology declares fewer than two countries');
    const misrouted = await pendingRequest(other, 0);
    const poison: Record<string, string> = {
      'not JSON': 'this is not an appointment request',
      'JSON without the fields': '{"hello":"world"}',
      'an unknown country': JSON.stringify({ ...(await pendingRequest(route.countryISO, 1)).request, countryISO: 'XX' }),
      'another country': JSON.stringify(misrouted.request),
      'a cancellation that names no appointment': JSON.stringify({
        type: 'AppointmentCancellationRequested',
        insuredId: misrouted.request.insuredId,
        scheduleId: misrouted.request.scheduleId,
        countryISO: route.countryISO,
        cancelledAt: new Date().toISOString(),
        correlationId: 'poison',
      }),
      'a move that names no slot to move to': JSON.stringify({
        type: 'AppointmentRescheduleRequested',
        ...(await pendingRequest(route.countryISO, 2)).request,
        moveId: nextAppointmentId(),
        requestedAt: new Date().toISOString(),
      }),
      'a cancellation for another country': JSON.stringify({
        type: 'AppointmentCancellationRequested',
        appointmentId: misrouted.request.appointmentId,
        insuredId: misrouted.request.insuredId,
        scheduleId: misrouted.request.scheduleId,
        countryISO: other,
        cancelledAt: new Date().toISOString(),
        correlationId: 'poison',
      }),
    };
    const valid = await Promise.all(
      Array.from({ length: route.batchSize - Object.keys(poison).length }, (_, index) => pendingRequest(route.countryISO, 10 + index)),
    );
    expect(valid.length).toBeGreaterThan(0);
    counts.sent += valid.length + Object.keys(poison).length;
    counts.poison += Object.keys(poison).length;

    // When they all land on the queue together, the poison first, as SNS delivers them
    const poisonIds = Object.values(poison).map((body) =>
      stack.router.sendMessage(route.queueName, body, countryAttribute(route.countryISO)),
    );
    const validIds = valid.map(({ request }) =>
      stack.router.sendMessage(route.queueName, JSON.stringify(request), countryAttribute(route.countryISO)),
    );
    await stack.router.waitForIdle(30_000);

    // Then they reached the worker as one batch
    expect(invocations.find((invocation) => invocation.messageIds.includes(poisonIds[0] ?? ''))?.messageIds.sort()).toEqual(
      [...poisonIds, ...validIds].sort(),
    );

    // And every poison message was received its max receive count and waits, unchanged, in the DLQ
    const deadLetters = stack.router.deadLetters(route.queueName);
    expect(deadLetters.map((record) => record.body).sort()).toEqual(Object.values(poison).sort());
    for (const record of deadLetters) expect(record.attributes.ApproximateReceiveCount).toBe(String(route.maxReceiveCount));

    // And each valid batch mate was delivered once, scheduled in one row and is COMPLETED
    for (const id of validIds) expect(invocations.filter((invocation) => invocation.messageIds.includes(id))).toHaveLength(1);
    const validAppointmentIds = valid.map(({ appointment }) => appointment.appointmentId);
    const rows = await scheduledRows(pool, validAppointmentIds);
    expect(rows.map((row) => row.appointmentId).sort()).toEqual([...validAppointmentIds].sort());
    const statuses = await listedStatuses(
      stack,
      valid.map(({ appointment }) => appointment.insuredId),
    );
    expect(validAppointmentIds.map((id) => statuses.get(id))).toEqual(validAppointmentIds.map(() => AppointmentStatus.COMPLETED));
    counts.rows += rows.length;
    counts.completed += validAppointmentIds.length;

    // And the appointment that reached the wrong country was scheduled nowhere and is still PENDING
    expect(await scheduledRows(pool, [misrouted.appointment.appointmentId])).toEqual([]);
    expect((await listedStatuses(stack, [misrouted.appointment.insuredId])).get(misrouted.appointment.appointmentId)).toBe(
      AppointmentStatus.PENDING,
    );
  }, 60_000);

  it('in the slot-availability queue: what does not parse or names no doctor is dead-lettered; its batch mates reach the read model apps browse', async () => {
    // Given the states of three free slots, as their country announces them, and two messages that are poison
    const queue = topology.slotAvailability;
    const valid = [10, 11, 12].map((daysAhead) =>
      aSlotSnapshot('PE', given.aSlotTheCatalogLacks('PE').scheduleId, new Date(Date.now() + daysAhead * 86_400_000)),
    );
    const { doctor: _doctor, ...withoutDoctor } = aSlotSnapshot(
      'PE',
      given.aSlotTheCatalogLacks('PE').scheduleId,
      new Date(Date.now() + 9 * 86_400_000),
    );
    counts.sent += valid.length + 2;
    counts.poison += 2;

    // When they reach the queue together: a body that is no event, then the states as EventBridge delivers them
    const notAnEvent = stack.router.sendMessage(queue.queueName, '{"detail":"missing"}');
    stack.router.putEvents(
      [withoutDoctor, ...valid].map((state) => ({
        EventBusName: queue.eventBusName,
        Source: queue.source,
        DetailType: queue.detailType,
        Detail: JSON.stringify({ ...state, correlationId: 'poison-suite-slots' }),
      })),
    );
    await stack.router.waitForIdle(30_000);

    // Then both poison messages wait in the DLQ after the max receive count
    const deadLetters = stack.router.deadLetters(queue.queueName);
    expect(deadLetters.map((record) => record.messageId)).toContain(notAnEvent);
    expect(deadLetters).toHaveLength(2);
    for (const record of deadLetters) expect(record.attributes.ApproximateReceiveCount).toBe(String(queue.maxReceiveCount));

    // And each valid state is in the read model as its country announced it; the slot without a doctor is not
    const readModel = new DynamoDbSlotReadModel(localDynamoDbClient(stack.dynamodbEndpoint), stack.slotsTableName);
    for (const slot of valid) expect(await readModel.get('PE', slot.scheduleId)).toEqual(slot);
    expect(await readModel.get('PE', withoutDoctor.scheduleId)).toBeUndefined();
  }, 60_000);

  it('in the confirmation queue: what does not parse or names no appointment is dead-lettered; its batch mates are completed once', async () => {
    // Given scheduled appointments whose AppointmentScheduled events are due, and two that are poison
    const { eventBusName, source } = topology.countryOutcomes;
    const detailType = 'AppointmentScheduled';
    const queue = topology.confirmations;
    const valid = await Promise.all(
      Array.from({ length: queue.batchSize - 2 }, (_, index) =>
        pendingRequest(countryISOs[index % countryISOs.length] as CountryISO, 30 + index),
      ),
    );
    const scheduledEvent = ({ createdAt: _createdAt, type: _type, ...request }: AppointmentRequested): AppointmentScheduled => ({
      ...request,
      scheduledAt: new Date().toISOString(),
    });
    const [firstValid] = valid;
    if (!firstValid) throw new Error('The batch size of the confirmation queue leaves no room for a valid message');
    const unknownAppointment = scheduledEvent({ ...firstValid.request, appointmentId: nextAppointmentId() });
    counts.sent += valid.length + 2;
    counts.poison += 2;

    // When they reach the confirmation queue together: a body that is no event, then the events as EventBridge delivers them
    const notAnEvent = stack.router.sendMessage(queue.queueName, '{"detail":"missing"}');
    stack.router.putEvents(
      [unknownAppointment, ...valid.map(({ request }) => scheduledEvent(request))].map((detail) => ({
        EventBusName: eventBusName,
        Source: source,
        DetailType: detailType,
        Detail: JSON.stringify(detail),
      })),
    );
    await stack.router.waitForIdle(30_000);

    // Then they reached the completion worker as one batch
    const firstBatch = invocations.find((invocation) => invocation.messageIds.includes(notAnEvent));
    expect(firstBatch?.messageIds).toHaveLength(queue.batchSize);

    // And both poison messages wait in the DLQ after the max receive count
    const deadLetters = stack.router.deadLetters(queue.queueName);
    expect(deadLetters.map((record) => appointmentIdOf(record.body) ?? record.body).sort()).toEqual(
      ['{"detail":"missing"}', unknownAppointment.appointmentId].sort(),
    );
    for (const record of deadLetters) expect(record.attributes.ApproximateReceiveCount).toBe(String(queue.maxReceiveCount));

    // And every valid batch mate is COMPLETED, and no appointment was made up for the unknown one
    const statuses = await listedStatuses(
      stack,
      valid.map(({ appointment }) => appointment.insuredId),
    );
    for (const { appointment } of valid) expect(statuses.get(appointment.appointmentId)).toBe(AppointmentStatus.COMPLETED);
    expect(statuses.has(unknownAppointment.appointmentId)).toBe(false);
    counts.completed += valid.length;
  }, 60_000);

  it('a reminder no retry will deliver: a worker failure is retried by Lambda, one Scheduler cannot hand over by Scheduler, each then waits in the reminders’ DLQ; nobody is emailed', async () => {
    // Given two schedules of the reminders' group that can never be delivered: one whose input the reminder worker
    // cannot read (made by hand, or by a version that wrote another shape), and one naming a function that does not exist
    const scheduler = new SchedulerClient({ endpoint: stack.reminders.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const { reminders } = topology;
    const dueAt = new Date(Date.now() + 86_400_000);
    const aSchedule = (name: string, Arn: string, Input: string) =>
      new CreateScheduleCommand({
        Name: `${reminders.schedulePrefix}${name}`,
        GroupName: reminders.scheduleGroupName,
        ScheduleExpression: `at(${dueAt.toISOString().slice(0, 19)})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn,
          RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/local-reminders-scheduler`,
          Input,
          RetryPolicy: { MaximumRetryAttempts: reminders.retryAttempts },
          DeadLetterConfig: { Arn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${reminders.deadLetterQueueName}` },
        },
      });
    const worker = stack.functions.get('reminder-worker')!;
    const unreadable = JSON.stringify({ appointmentId: 'not-an-appointment', remindsOf: 'tomorrow' });
    const missingFunction = worker.arn.replace(/reminder-worker$/, 'no-such-function');
    await scheduler.send(aSchedule('poison-input', worker.arn, unreadable));
    await scheduler.send(aSchedule('poison-target', missingFunction, JSON.stringify({ appointmentId: nextAppointmentId() })));
    scheduler.destroy();
    const emailsBefore = (await stack.sentEmails()).length;
    counts.sent += 2;
    counts.poison += 2;

    // When they come due
    await stack.reminders.fireDue(new Date(dueAt.getTime() + 60_000));
    await stack.router.waitForIdle(30_000);

    // Then the worker's failure was tried three times (Lambda's two retries) and recorded by its on-failure destination
    const deadLetters = stack.reminders.deadLetters();
    const records = deadLetters.map((record) => JSON.parse(record.body) as unknown);
    const failed = records.find(
      (record): record is AsyncFailureRecord => typeof record === 'object' && record !== null && 'requestContext' in record,
    );
    expect(failed?.requestContext).toMatchObject({
      condition: 'RetriesExhausted',
      approximateInvokeCount: reminders.asyncRetryAttempts + 1,
    });
    expect(failed?.requestPayload).toEqual(JSON.parse(unreadable) as unknown);
    // And the one naming no function was dead-lettered by Scheduler at once (a missing target is not retried), its input as the body
    const undelivered = deadLetters.find((record) => record.messageAttributes.TARGET_ARN?.stringValue === missingFunction);
    expect(undelivered?.messageAttributes).toMatchObject({
      ERROR_CODE: { stringValue: 'ResourceNotFoundException' },
      RETRY_ATTEMPTS: { stringValue: '0' },
    });
    expect(undelivered?.messageAttributes).not.toHaveProperty('EXHAUSTED_RETRY_CONDITION');
    expect(deadLetters).toHaveLength(2);
    // And nobody was emailed, and neither schedule is left
    expect((await stack.sentEmails()).length).toBe(emailsBefore);
    expect(stack.reminders.schedules().filter((schedule) => schedule.name.includes('poison'))).toEqual([]);
  }, 60_000);
});
