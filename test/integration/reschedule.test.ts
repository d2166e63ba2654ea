import { mockClient } from 'aws-sdk-client-mock';
import { environment } from '../../core/config/environment';
import { topology } from '../../core/config/topology';
import type { Appointment } from '../../core/graphql/types.generated';
import type { AppointmentRescheduleRequested } from '../../core/messages/appointment-messages';
import { eventBridgeDeliveryRecord, lambdaContext, sqsEvent } from '../../local/lambda/aws-events';
import { startStatusChangeReceiver, type StatusChangeReceiver } from '../support/appsync-receiver';
import { startTestTable, type TestTable } from '../support/dynamodb';
import { EVENT_BUS_NAME, loadCompletionWorker, type WorkerHandler } from '../support/pipeline';
import { given, inProcess, then, when, type AppointmentsApi, type FreeSlots } from '../steps';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:appointment-requests';

/**
 * rescheduleAppointment in this process, as AppSync calls its function, on dynalite; and the completion worker
 * settling each move as its country decides it (the decision built from the move the resolver published, as the
 * country worker announces it). The country's own rules are the country store's (test/support/slot-catalog-contract.ts).
 */
describe('rescheduleAppointment and the settlement of its move', () => {
  let table: TestTable;
  let appsync: StatusChangeReceiver;
  let developer: AppointmentsApi;
  let api: ReturnType<typeof given.theResolverFunctions>;
  let sns: ReturnType<typeof mockClient>;
  let completionWorker: WorkerHandler;
  let slots: FreeSlots;

  beforeAll(async () => {
    table = await startTestTable();
    appsync = await startStatusChangeReceiver();
    slots = await given.slotsInTheCatalog(table, { PE: 40 });
    api = given.theResolverFunctions({
      ...table.lambdaEnv,
      [environment.appointmentsTableName]: table.tableName,
      [environment.slotsTableName]: table.slotsTableName,
      [environment.appointmentRequestsTopicArn]: TOPIC_ARN,
    });
    developer = when.over(inProcess(api.functions));
    sns = mockClient(api.snsSdk.SNSClient);
    completionWorker = loadCompletionWorker({
      ...table.lambdaEnv,
      ...appsync.lambdaEnv,
      [environment.appointmentsTableName]: table.tableName,
    });
  });
  beforeEach(() => {
    sns.reset();
    sns.on(api.snsSdk.PublishCommand).resolves({ MessageId: 'message-1' });
  });
  afterAll(async () => {
    sns.restore();
    await appsync.stop();
    await table.stop();
  });

  const publishedMoves = () =>
    sns
      .commandCalls(api.snsSdk.PublishCommand)
      .map((call) => JSON.parse(String(call.args[0].input.Message)) as AppointmentRescheduleRequested)
      .filter((message) => message.type === 'AppointmentRescheduleRequested');

  /** A COMPLETED appointment of a new insured person on the next free Lima slot. */
  async function aCompletedAppointment(): Promise<Appointment> {
    const booked = await given.aBooking(developer, { insuredId: given.anInsuredPerson(), ...slots.next('PE') });
    await settled('AppointmentScheduled', { ...booked, correlationId: 'c', scheduledAt: new Date().toISOString() }, 'the booking');
    return (await then.theOutcomeOf(developer, booked))!;
  }

  /** The country's decision, delivered to the completion worker as the confirmation queue delivers it. */
  async function settled(detailType: string, detail: object, what: string): Promise<void> {
    const record = eventBridgeDeliveryRecord(
      { EventBusName: EVENT_BUS_NAME, Source: topology.countryOutcomes.source, DetailType: detailType, Detail: JSON.stringify(detail) },
      topology.confirmations.queueName,
    );
    const response = await completionWorker(sqsEvent(record), lambdaContext());
    expect([what, response.batchItemFailures]).toEqual([what, []]);
  }

  const movedBy = (move: AppointmentRescheduleRequested) =>
    settled(
      'AppointmentRescheduled',
      { ...move, scheduleId: move.toScheduleId, fromScheduleId: move.scheduleId, rescheduledAt: new Date().toISOString() },
      'the move',
    );
  const refused = (move: AppointmentRescheduleRequested) =>
    settled('AppointmentRescheduleRefused', { ...move, refusedAt: new Date().toISOString(), rejectionReason: 'SLOT_TAKEN' }, 'the refusal');

  it('given a COMPLETED appointment, when moved and its country moves it, then the answer was the pending move, and the appointment ends on the new slot, the move announced once per delivery', async () => {
    const booked = await aCompletedAppointment();
    const to = slots.next('PE');

    const answer = then.accepted(await developer.rescheduleAppointment({ ...booked, scheduleId: to.scheduleId }));
    const [move] = publishedMoves();
    await movedBy(move!);
    await movedBy(move!);

    expect(answer).toMatchObject({ appointmentId: booked.appointmentId, scheduleId: booked.scheduleId, status: 'COMPLETED' });
    expect(answer.pendingReschedule).toMatchObject({ moveId: move!.moveId, to: { scheduleId: to.scheduleId } });
    expect(move).toMatchObject({
      appointmentId: booked.appointmentId,
      scheduleId: booked.scheduleId,
      toScheduleId: to.scheduleId,
      countryISO: 'PE',
    });
    const listed = then.listed(await developer.listAppointments(booked.insuredId)).items[0]!;
    expect(listed).toMatchObject({ scheduleId: to.scheduleId, status: 'COMPLETED', pendingReschedule: null });
    expect(listed.movedFrom).toEqual([{ scheduleId: booked.scheduleId, slot: booked.slot, movedAt: expect.any(String) as unknown }]);
    const heard = appsync.received.filter((change) => change.appointmentId === booked.appointmentId && change.reschedule);
    expect(heard).toHaveLength(2);
    expect(heard[1]).toEqual(heard[0]);
    expect(heard[0]!.reschedule).toMatchObject({
      moveId: move!.moveId,
      outcome: 'MOVED',
      fromScheduleId: booked.scheduleId,
      refusalReason: null,
    });
  });

  it('given a move its country refuses, when settled, then the appointment keeps its slot, nothing is pending, and the refusal is announced with its reason; a later move may be asked', async () => {
    const booked = await aCompletedAppointment();
    const [taken, later] = [slots.next('PE'), slots.next('PE')];

    then.accepted(await developer.rescheduleAppointment({ ...booked, scheduleId: taken.scheduleId }));
    const [move] = publishedMoves();
    await refused(move!);
    const again = await developer.rescheduleAppointment({ ...booked, scheduleId: later.scheduleId });

    const heard = appsync.received.find((change) => change.reschedule?.moveId === move!.moveId);
    expect(heard).toMatchObject({
      scheduleId: booked.scheduleId,
      status: 'COMPLETED',
      reschedule: { outcome: 'REFUSED', refusalReason: 'SLOT_TAKEN' },
    });
    expect(then.accepted(again)).toMatchObject({
      scheduleId: booked.scheduleId,
      pendingReschedule: { to: { scheduleId: later.scheduleId } },
    });
  });

  it('given a move pending, when the same move is asked again, then it is sent again with the same moveId; another slot is refused with RescheduleInProgressError', async () => {
    const booked = await aCompletedAppointment();
    const [to, other] = [slots.next('PE'), slots.next('PE')];

    const first = then.accepted(await developer.rescheduleAppointment({ ...booked, scheduleId: to.scheduleId }));
    const retry = then.accepted(await developer.rescheduleAppointment({ ...booked, scheduleId: to.scheduleId }));
    const elsewhere = await developer.rescheduleAppointment({ ...booked, scheduleId: other.scheduleId });

    expect(retry.pendingReschedule).toEqual(first.pendingReschedule);
    expect(publishedMoves().map((move) => move.moveId)).toEqual([first.pendingReschedule!.moveId, first.pendingReschedule!.moveId]);
    then.refusedWith(elsewhere, 'RescheduleInProgressError', {
      message: `Appointment ${booked.appointmentId} is already being moved to slot ${to.scheduleId}: wait for its answer on onAppointmentStatusChanged (or in appointments), then ask again.`,
    });
  });

  it('given SNS refusing the move, when asked, then SchedulingUnavailableError says the appointment keeps its slot; asked again, the same move is sent', async () => {
    const booked = await aCompletedAppointment();
    const to = slots.next('PE');
    sns.on(api.snsSdk.PublishCommand).rejects(new Error('SNS is down'));

    const failed = await developer.rescheduleAppointment({ ...booked, scheduleId: to.scheduleId });
    sns.on(api.snsSdk.PublishCommand).resolves({ MessageId: 'message-2' });
    const retried = then.accepted(await developer.rescheduleAppointment({ ...booked, scheduleId: to.scheduleId }));

    then.refusedWith(failed, 'SchedulingUnavailableError', {
      message: `The move to slot ${to.scheduleId} could not be sent for scheduling; the appointment keeps its slot. Please ask for the same slot again.`,
    });
    expect(publishedMoves().map((move) => move.moveId)).toEqual([retried.pendingReschedule!.moveId, retried.pendingReschedule!.moveId]);
  });

  it('given a move pending, when the appointment is cancelled and then the move is settled, then the settlement changes nothing: it stays CANCELLED on its slot', async () => {
    const booked = await aCompletedAppointment();
    then.accepted(await developer.rescheduleAppointment({ ...booked, scheduleId: slots.next('PE').scheduleId }));
    const [move] = publishedMoves();

    then.accepted(await developer.cancelAppointment(booked));
    await movedBy(move!);

    expect(then.listed(await developer.listAppointments(booked.insuredId)).items[0]).toMatchObject({
      status: 'CANCELLED',
      scheduleId: booked.scheduleId,
      pendingReschedule: null,
    });
  });

  it('given a booking still PENDING whose move reached its country first, when the booking is scheduled at the new slot before the move is settled, then it waits for the move, which makes it COMPLETED there', async () => {
    const booked = await given.aBooking(developer, { insuredId: given.anInsuredPerson(), ...slots.next('PE') });
    const to = slots.next('PE');
    then.accepted(await developer.rescheduleAppointment({ ...booked, scheduleId: to.scheduleId }));
    const [move] = publishedMoves();

    await settled(
      'AppointmentScheduled',
      { ...booked, scheduleId: to.scheduleId, correlationId: 'c', scheduledAt: new Date().toISOString() },
      'the booking',
    );
    const afterBooking = then.listed(await developer.listAppointments(booked.insuredId)).items[0];
    await movedBy(move!);

    expect(afterBooking).toMatchObject({ status: 'PENDING', scheduleId: booked.scheduleId });
    expect(then.listed(await developer.listAppointments(booked.insuredId)).items[0]).toMatchObject({
      status: 'COMPLETED',
      scheduleId: to.scheduleId,
    });
  });

  it.each([
    ['another insured person', { insuredId: '00001' }, 'Unauthorized'],
    ['a slot of the catalog it lacks', { scheduleId: 999_999_999 }, 'ValidationError'],
    ['the slot it holds', 'same', 'ValidationError'],
  ] as const)('given a request for %s, when asked, then it is refused (%s) and nothing is sent', async (_case, change, errorType) => {
    const booked = await aCompletedAppointment();
    const insured = when.over(inProcess(api.functions, given.anInsuredPersonSignedIn(booked.insuredId)));
    const request = change === 'same' ? { ...booked } : { ...booked, scheduleId: slots.next('PE').scheduleId, ...change };

    const answer = await insured.rescheduleAppointment(request);

    expect(answer.errors?.[0]?.errorType).toBe(errorType);
    expect(publishedMoves()).toEqual([]);
  });

  it('given a REJECTED appointment, when moved, then AppointmentNotReschedulableError; an unknown appointment is AppointmentNotFoundError', async () => {
    const booked = await given.aBooking(developer, { insuredId: given.anInsuredPerson(), ...slots.next('PE') });
    await settled(
      'AppointmentRejected',
      { ...booked, correlationId: 'c', rejectedAt: new Date().toISOString(), rejectionReason: 'SLOT_TAKEN' },
      'the rejection',
    );

    const rejected = await developer.rescheduleAppointment({ ...booked, scheduleId: slots.next('PE').scheduleId });
    const unknown = await developer.rescheduleAppointment({ ...booked, appointmentId: '01JD0000000000000000000000', scheduleId: 1 });

    then.refusedWith(rejected, 'AppointmentNotReschedulableError', {
      message: `Appointment ${booked.appointmentId} is REJECTED and cannot be moved: only PENDING or COMPLETED appointments can.`,
    });
    then.refusedWith(unknown, 'AppointmentNotFoundError');
  });
});
