import type { AppSyncResolverEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { AppointmentStatus, RejectionReason } from '../../core/domain/appointment';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { deploymentChecks } from '../../core/domain/reserved-check-slots';
import type { FieldAnswer } from '../../core/adapters/appsync-field-answer';
import type { Appointment, AppointmentConnection, MutationcancelAppointmentArgs, MutationcreateAppointmentArgs, QueryappointmentsArgs } from '../../core/graphql/types.generated';
import { appSyncEvent, lambdaContext } from '../../local/lambda/aws-events';
import { startTestTable, type TestTable } from '../support/dynamodb';
import { throughAppSync } from '../support/appsync-field';
import { loadLambda } from '../support/lambda';
import { newScheduleId } from '../support/slots';

type Resolver<Args, Result> = (event: AppSyncResolverEvent<Args>, context: Context) => Promise<Result>;

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:appointment-requests';
let table: TestTable;
let createAppointment: Resolver<MutationcreateAppointmentArgs, Appointment>;
let listAppointments: Resolver<QueryappointmentsArgs, AppointmentConnection>;
let cancelAppointment: Resolver<MutationcancelAppointmentArgs, Appointment>;
let appointments: DynamoDbAppointmentRepository;
let sns: ReturnType<typeof mockClient>;
let PublishCommand: typeof import('@aws-sdk/client-sns').PublishCommand;

beforeAll(async () => {
  table = await startTestTable();
  const loaded = loadLambda(
    { ...table.lambdaEnv, APPOINTMENTS_TABLE_NAME: table.tableName, APPOINTMENT_REQUESTS_TOPIC_ARN: TOPIC_ARN },
    () => ({
      mutation: jest.requireActual<typeof import('../../resolvers/Mutation.createAppointment')>('../../resolvers/Mutation.createAppointment'),
      query: jest.requireActual<typeof import('../../resolvers/Query.appointments')>('../../resolvers/Query.appointments'),
      cancel: jest.requireActual<typeof import('../../resolvers/Mutation.cancelAppointment')>('../../resolvers/Mutation.cancelAppointment'),
      snsSdk: jest.requireActual<typeof import('@aws-sdk/client-sns')>('@aws-sdk/client-sns'),
    }),
  );
  // Each handler as a client meets it: behind the field's APPSYNC_JS resolver, which raises its errors with their errorType.
  createAppointment = throughAppSync(loaded.mutation.handler as Resolver<MutationcreateAppointmentArgs, FieldAnswer<Appointment>>);
  listAppointments = throughAppSync(loaded.query.handler as Resolver<QueryappointmentsArgs, FieldAnswer<AppointmentConnection>>);
  cancelAppointment = throughAppSync(loaded.cancel.handler as Resolver<MutationcancelAppointmentArgs, FieldAnswer<Appointment>>);
  appointments = new DynamoDbAppointmentRepository(table.client, table.tableName);
  sns = mockClient(loaded.snsSdk.SNSClient);
  PublishCommand = loaded.snsSdk.PublishCommand;
});

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
});

afterAll(async () => {
  sns.restore();
  await table.stop();
});

const create = (input: unknown, headers: Record<string, string> = {}) =>
  createAppointment(appSyncEvent('Mutation', 'createAppointment', { input } as MutationcreateAppointmentArgs, headers), lambdaContext());
const list = (args: Record<string, unknown>) =>
  listAppointments(appSyncEvent('Query', 'appointments', args as QueryappointmentsArgs), lambdaContext());
const cancel = (appointment: { insuredId: string; appointmentId: string }) =>
  cancelAppointment(appSyncEvent('Mutation', 'cancelAppointment', { insuredId: appointment.insuredId, appointmentId: appointment.appointmentId }), lambdaContext());
/** What SNS was asked to publish, as the country queues would receive it. */
const published = () => sns.commandCalls(PublishCommand).map((call) => JSON.parse(String(call.args[0].input.Message)) as { type: string; appointmentId: string });

describe('Mutation.createAppointment', () => {
  it('given a valid request, when it is created, then it comes back PENDING, is stored, and is published for its country', async () => {
    const appointment = await create({ insuredId: '00012', scheduleId: 100, countryISO: 'PE' }, { 'x-correlation-id': 'client-req-1' });

    expect(appointment).toMatchObject({ insuredId: '00012', scheduleId: 100, countryISO: 'PE', status: 'PENDING' });
    expect(appointment.appointmentId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(appointment.createdAt).toBe(appointment.updatedAt);
    // Stored as returned (an unset rejectionReason is left out of the item, not stored as null)
    const { rejectionReason: _unset, ...stored } = appointment;
    expect(await table.items()).toContainEqual(stored);

    const [publish] = sns.commandCalls(PublishCommand);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(publish?.args[0].input).toEqual({
      TopicArn: TOPIC_ARN,
      Message: JSON.stringify({
        type: 'AppointmentRequested',
        appointmentId: appointment.appointmentId,
        insuredId: '00012',
        scheduleId: 100,
        countryISO: 'PE',
        createdAt: appointment.createdAt,
        correlationId: 'client-req-1',
      }),
      MessageAttributes: { countryISO: { DataType: 'String', StringValue: 'PE' } },
    });
  });

  const invalidInputs: [string, unknown, RegExp][] = [
    ['insuredId too short', { insuredId: '1234', scheduleId: 1, countryISO: 'PE' }, /insuredId must be exactly 5 digits/],
    ['insuredId too long', { insuredId: '123456', scheduleId: 1, countryISO: 'PE' }, /insuredId must be exactly 5 digits/],
    ['insuredId with letters', { insuredId: '12a45', scheduleId: 1, countryISO: 'CL' }, /insuredId must be exactly 5 digits/],
    ['insuredId with a leading space', { insuredId: ' 1234', scheduleId: 1, countryISO: 'PE' }, /insuredId must be exactly 5 digits/],
    ['insuredId with a trailing space', { insuredId: '12345 ', scheduleId: 1, countryISO: 'PE' }, /insuredId must be exactly 5 digits/],
    ['insuredId padded with spaces to 5', { insuredId: '  123', scheduleId: 1, countryISO: 'PE' }, /insuredId must be exactly 5 digits/],
    ['insuredId as a number', { insuredId: 12, scheduleId: 1, countryISO: 'PE' }, /insuredId must be a string of exactly 5 digits/],
    ['insuredId in non-ASCII digits', { insuredId: '١٢٣٤٥', scheduleId: 1, countryISO: 'PE' }, /insuredId must be exactly 5 digits/],
    ['negative scheduleId', { insuredId: '00012', scheduleId: -5, countryISO: 'PE' }, /scheduleId must be a positive whole number/],
    ['zero scheduleId', { insuredId: '00012', scheduleId: 0, countryISO: 'PE' }, /scheduleId must be a positive whole number/],
    ['fractional scheduleId', { insuredId: '00012', scheduleId: 1.5, countryISO: 'PE' }, /scheduleId must be a whole number/],
    ['scheduleId beyond 32 bits', { insuredId: '00012', scheduleId: 2 ** 31, countryISO: 'PE' }, /scheduleId must be at most 2147483647/],
    ['unknown country', { insuredId: '00012', scheduleId: 1, countryISO: 'AR' }, /countryISO must be one of PE, CL/],
    ['lowercase country', { insuredId: '00012', scheduleId: 1, countryISO: 'pe' }, /countryISO must be one of PE, CL/],
    ['a real insured person on a slot reserved for checks', { insuredId: '00012', scheduleId: deploymentChecks.firstScheduleId, countryISO: 'PE' }, /is reserved for deployment checks/],
    ['the check insuredId on a real slot', { insuredId: deploymentChecks.insuredId, scheduleId: 1, countryISO: 'CL' }, /may book only their slots/],
  ];

  it.each(invalidInputs)('given %s, when it is created, then a ValidationError says why and nothing is stored or published', async (_case, input, message) => {
    const attempt = create(input);

    await expect(attempt).rejects.toMatchObject({ errorType: 'ValidationError', message: expect.stringMatching(message) as unknown });
    expect(await table.items()).not.toContainEqual(expect.objectContaining({ insuredId: (input as { insuredId: unknown }).insuredId, scheduleId: (input as { scheduleId: unknown }).scheduleId }));
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('given several broken fields, when it is created, then the one error names each of them', async () => {
    await expect(create({ insuredId: 'abc', scheduleId: 0, countryISO: 'BR' })).rejects.toMatchObject({
      errorType: 'ValidationError',
      message: expect.stringMatching(/insuredId.*; scheduleId.*; countryISO/) as unknown,
    });
  });

  it('given SNS refuses the publish, when it is created, then the client gets a SchedulingUnavailableError and no PENDING appointment is left', async () => {
    sns.on(PublishCommand).rejects(new Error('SNS is unavailable'));

    await expect(create({ insuredId: '77777', scheduleId: 9, countryISO: 'CL' })).rejects.toMatchObject({
      errorType: 'SchedulingUnavailableError',
      message: expect.stringContaining('was not saved') as unknown,
    });
    expect((await list({ insuredId: '77777' })).items).toEqual([]);
  });
});

describe('Mutation.createAppointment sent again (a retry)', () => {
  it('given a booking, when the same request is sent 5 times one after another, then every answer is the one appointment and the insured person has one', async () => {
    const booking = { insuredId: '05001', scheduleId: newScheduleId(), countryISO: 'PE' };

    const answers: Appointment[] = [];
    for (let attempt = 0; attempt < 5; attempt++) answers.push(await create(booking));

    expect(new Set(answers.map((answer) => answer.appointmentId)).size).toBe(1);
    expect((await list({ insuredId: '05001' })).items.map((item) => item.appointmentId)).toEqual([answers[0]!.appointmentId]);
    // A PENDING one is sent to its country again on each retry: harmless there, and it heals a hand-off that was cut off.
    expect(published().map((message) => message.appointmentId)).toEqual(answers.map(() => answers[0]!.appointmentId));
  });

  it('given a booking, when the same request is sent 5 times at once, then exactly one appointment results and every answer names it', async () => {
    const booking = { insuredId: '05002', scheduleId: newScheduleId(), countryISO: 'CL' };

    const answers = await Promise.all(Array.from({ length: 5 }, () => create(booking)));

    const listed = (await list({ insuredId: '05002' })).items;
    expect(listed).toHaveLength(1);
    expect(answers.map((answer) => answer.appointmentId)).toEqual(Array.from({ length: 5 }, () => listed[0]!.appointmentId));
  });

  it('given an earlier booking of the slot that was REJECTED, when booked again, then a new appointment is made', async () => {
    const booking = { insuredId: '05003', scheduleId: newScheduleId(), countryISO: 'PE' };
    const first = await create(booking);
    await appointments.changeStatus(first, { target: AppointmentStatus.REJECTED, at: new Date(), rejectionReason: RejectionReason.SLOT_TAKEN });

    const second = await create(booking);

    expect(second.appointmentId).not.toBe(first.appointmentId);
    expect((await list({ insuredId: '05003' })).items.map((item) => [item.appointmentId, item.status])).toEqual([
      [second.appointmentId, 'PENDING'],
      [first.appointmentId, 'REJECTED'],
    ]);
  });

  it('given the same slot booked by two insured people, when each sends it, then each gets an appointment of their own (the country decides who has it)', async () => {
    const scheduleId = newScheduleId();

    const [mine, theirs] = [await create({ insuredId: '05004', scheduleId, countryISO: 'PE' }), await create({ insuredId: '05005', scheduleId, countryISO: 'PE' })];

    expect(mine.appointmentId).not.toBe(theirs.appointmentId);
  });
});

describe('Mutation.cancelAppointment', () => {
  it('given a PENDING appointment, when cancelled, then the answer is CANCELLED and its country is asked to free the slot', async () => {
    const booked = await create({ insuredId: '06001', scheduleId: newScheduleId(), countryISO: 'PE' });
    sns.resetHistory();

    const cancelled = await cancel(booked);

    expect(cancelled).toMatchObject({ appointmentId: booked.appointmentId, status: 'CANCELLED', rejectionReason: null });
    expect((await list({ insuredId: '06001' })).items[0]?.status).toBe('CANCELLED');
    expect(published()).toEqual([expect.objectContaining({ type: 'AppointmentCancellationRequested', appointmentId: booked.appointmentId })]);
  });

  it('given a CANCELLED appointment, when cancelled again, then the answer is the same and the country is asked again', async () => {
    const booked = await create({ insuredId: '06002', scheduleId: newScheduleId(), countryISO: 'CL' });
    const first = await cancel(booked);
    sns.resetHistory();

    const again = await cancel(booked);

    expect(again).toEqual(first);
    expect(published()).toEqual([expect.objectContaining({ type: 'AppointmentCancellationRequested', appointmentId: booked.appointmentId })]);
  });

  it('given a REJECTED appointment, when cancelled, then AppointmentNotCancellableError says why and nothing is sent', async () => {
    const booked = await create({ insuredId: '06003', scheduleId: newScheduleId(), countryISO: 'PE' });
    await appointments.changeStatus(booked, { target: AppointmentStatus.REJECTED, at: new Date(), rejectionReason: RejectionReason.SLOT_TAKEN });
    sns.resetHistory();

    await expect(cancel(booked)).rejects.toMatchObject({ errorType: 'AppointmentNotCancellableError', message: expect.stringContaining('is REJECTED') as unknown });
    expect(published()).toEqual([]);
  });

  it.each([
    ['an appointment this insured person does not have', { insuredId: '06004', appointmentId: '01JD0000000000000000000000' }, 'AppointmentNotFoundError'],
    ['an appointmentId that is no ULID', { insuredId: '06004', appointmentId: 'abc' }, 'ValidationError'],
    ['an invalid insuredId', { insuredId: '6004', appointmentId: '01JD0000000000000000000000' }, 'ValidationError'],
  ])('given %s, when cancelled, then a clear error comes back and nothing is sent', async (_case, args, errorName) => {
    sns.resetHistory();

    await expect(cancel(args)).rejects.toMatchObject({ errorType: errorName });
    expect(published()).toEqual([]);
  });

  it('given SNS refuses the cancellation, when cancelled, then the client is told to cancel again; when it does, the country is asked and the answer is CANCELLED', async () => {
    const booked = await create({ insuredId: '06005', scheduleId: newScheduleId(), countryISO: 'PE' });
    sns.on(PublishCommand).rejects(new Error('SNS is unavailable'));

    await expect(cancel(booked)).rejects.toMatchObject({ errorType: 'SchedulingUnavailableError', message: expect.stringContaining('cancel it again') as unknown });
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });

    expect(await cancel(booked)).toMatchObject({ status: 'CANCELLED' });
    expect(published()).toEqual([expect.objectContaining({ type: 'AppointmentCancellationRequested', appointmentId: booked.appointmentId })]);
  });
});

describe('Query.appointments', () => {
  const insuredId = '04321';
  let created: Appointment[];

  beforeAll(async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    created = [];
    for (let scheduleId = 1; scheduleId <= 25; scheduleId++) {
      created.push(await create({ insuredId, scheduleId, countryISO: scheduleId % 2 ? 'PE' : 'CL' }));
    }
    await create({ insuredId: '04322', scheduleId: 1, countryISO: 'PE' });
  });

  it('given 25 appointments, when paged 10 at a time, then every one comes once, newest first, with its status, and the last page has no nextToken', async () => {
    const pages: AppointmentConnection[] = [];
    let nextToken: string | null | undefined;
    do {
      const page = await list({ insuredId, limit: 10, nextToken });
      pages.push(page);
      nextToken = page.nextToken;
    } while (nextToken && pages.length < 10);

    const seen = pages.flatMap((page) => page.items);
    expect(pages.map((page) => page.items.length).filter((count) => count > 0)).toEqual([10, 10, 5]);
    expect(seen.map((item) => item.scheduleId)).toEqual(created.map((item) => item.scheduleId).reverse());
    expect(seen.every((item) => item.status === 'PENDING' && item.insuredId === insuredId)).toBe(true);
    expect(pages.at(-1)?.nextToken).toBeNull();
  });

  it('given no limit, when listed, then a default page of 20 comes back', async () => {
    const page = await list({ insuredId });
    expect(page.items).toHaveLength(20);
    expect(page.nextToken).toEqual(expect.any(String));
  });

  it('given an insured with no appointments, when listed, then the list is empty', async () => {
    expect(await list({ insuredId: '99999' })).toEqual({ items: [], nextToken: null });
  });

  it.each([
    ['an invalid insuredId', { insuredId: '4321' }, /insuredId must be exactly 5 digits/],
    ['a zero limit', { insuredId, limit: 0 }, /limit must be a whole number from 1 to 100/],
    ['a limit over 100', { insuredId, limit: 101 }, /limit must be a whole number from 1 to 100/],
    ['a made-up nextToken', { insuredId, nextToken: 'not-a-token' }, /nextToken is not valid/],
  ])('given %s, when listed, then a ValidationError says why', async (_case, args, message) => {
    await expect(list(args)).rejects.toMatchObject({ errorType: 'ValidationError', message: expect.stringMatching(message) as unknown });
  });

  it("given another insured's nextToken, when listed, then it is refused", async () => {
    const otherPage = await list({ insuredId: '04322', limit: 1 });
    const tokenOfOther = (await list({ insuredId, limit: 1 })).nextToken;
    expect(otherPage.items).toHaveLength(1);

    await expect(list({ insuredId: '04322', nextToken: tokenOfOther })).rejects.toMatchObject({ errorType: 'ValidationError' });
  });
});
