import type { AppSyncResolverEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Appointment, AppointmentConnection, MutationcreateAppointmentArgs, QueryappointmentsArgs } from '../../core/graphql/types.generated';
import { appSyncEvent, lambdaContext } from '../../local/lambda/aws-events';
import { startTestTable, type TestTable } from '../support/dynamodb';
import { loadLambda } from '../support/lambda';

type Resolver<Args, Result> = (event: AppSyncResolverEvent<Args>, context: Context) => Promise<Result>;

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:appointment-requests';
let table: TestTable;
let createAppointment: Resolver<MutationcreateAppointmentArgs, Appointment>;
let listAppointments: Resolver<QueryappointmentsArgs, AppointmentConnection>;
let sns: ReturnType<typeof mockClient>;
let PublishCommand: typeof import('@aws-sdk/client-sns').PublishCommand;

beforeAll(async () => {
  table = await startTestTable();
  const loaded = loadLambda(
    { ...table.lambdaEnv, APPOINTMENTS_TABLE_NAME: table.tableName, APPOINTMENT_REQUESTS_TOPIC_ARN: TOPIC_ARN },
    () => ({
      mutation: jest.requireActual<typeof import('../../resolvers/Mutation.createAppointment')>('../../resolvers/Mutation.createAppointment'),
      query: jest.requireActual<typeof import('../../resolvers/Query.appointments')>('../../resolvers/Query.appointments'),
      snsSdk: jest.requireActual<typeof import('@aws-sdk/client-sns')>('@aws-sdk/client-sns'),
    }),
  );
  createAppointment = loaded.mutation.handler as Resolver<MutationcreateAppointmentArgs, Appointment>;
  listAppointments = loaded.query.handler as Resolver<QueryappointmentsArgs, AppointmentConnection>;
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

describe('Mutation.createAppointment', () => {
  it('given a valid request, when it is created, then it comes back PENDING, is stored, and is published for its country', async () => {
    const appointment = await create({ insuredId: '00012', scheduleId: 100, countryISO: 'PE' }, { 'x-correlation-id': 'client-req-1' });

    expect(appointment).toMatchObject({ insuredId: '00012', scheduleId: 100, countryISO: 'PE', status: 'PENDING' });
    expect(appointment.appointmentId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(appointment.createdAt).toBe(appointment.updatedAt);
    expect(await table.items()).toContainEqual(appointment);

    const [publish] = sns.commandCalls(PublishCommand);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(publish?.args[0].input).toEqual({
      TopicArn: TOPIC_ARN,
      Message: JSON.stringify({
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
  ];

  it.each(invalidInputs)('given %s, when it is created, then a ValidationError says why and nothing is stored or published', async (_case, input, message) => {
    const attempt = create(input);

    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(message) as unknown });
    expect(await table.items()).not.toContainEqual(expect.objectContaining({ insuredId: (input as { insuredId: unknown }).insuredId, scheduleId: (input as { scheduleId: unknown }).scheduleId }));
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('given several broken fields, when it is created, then the one error names each of them', async () => {
    await expect(create({ insuredId: 'abc', scheduleId: 0, countryISO: 'BR' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/insuredId.*; scheduleId.*; countryISO/) as unknown,
    });
  });

  it('given SNS refuses the publish, when it is created, then the client gets a SchedulingUnavailableError and no PENDING appointment is left', async () => {
    sns.on(PublishCommand).rejects(new Error('SNS is unavailable'));

    await expect(create({ insuredId: '77777', scheduleId: 9, countryISO: 'CL' })).rejects.toMatchObject({
      name: 'SchedulingUnavailableError',
      message: expect.stringContaining('was not saved') as unknown,
    });
    expect((await list({ insuredId: '77777' })).items).toEqual([]);
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
    await expect(list(args)).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(message) as unknown });
  });

  it("given another insured's nextToken, when listed, then it is refused", async () => {
    const otherPage = await list({ insuredId: '04322', limit: 1 });
    const tokenOfOther = (await list({ insuredId, limit: 1 })).nextToken;
    expect(otherPage.items).toHaveLength(1);

    await expect(list({ insuredId: '04322', nextToken: tokenOfOther })).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
