import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AppSyncResolverEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Pool } from 'mysql2/promise';
import { environment } from '../../core/config/environment';
import type { FieldAnswer } from '../../core/adapters/appsync-field-answer';
import type { Appointment, AppointmentConnection, CountryISO, MutationcreateAppointmentArgs, QueryappointmentsArgs } from '../../core/graphql/types.generated';
import { topology } from '../../core/config/topology';
import { appSyncEvent, eventBridgeDeliveryRecord, lambdaContext, snsRawDeliveryRecord, sqsEvent } from '../../local/lambda/aws-events';
import { throughAppSync } from '../support/appsync-field';
import { startStatusChangeReceiver, type StatusChangeReceiver } from '../support/appsync-receiver';
import { startTestTable, type TestTable } from '../support/dynamodb';
import { loadLambda } from '../support/lambda';
import { countryRows, describeWithMysql, testMysqlUrl, testPool } from '../support/mysql';
import { acceptEveryEvent, loadCompletionWorker, loadCountryWorker, type WorkerHandler } from '../support/pipeline';
import { newScheduleId } from '../support/slots';

type Resolver<Args, Result> = (event: AppSyncResolverEvent<Args>, context: Context) => Promise<Result>;

describeWithMysql('the whole pipeline, stage by stage: createAppointment → country worker → completion worker', () => {
  let table: TestTable;
  let appsync: StatusChangeReceiver;
  let pool: Pool;
  let createAppointment: Resolver<MutationcreateAppointmentArgs, Appointment>;
  let listAppointments: Resolver<QueryappointmentsArgs, AppointmentConnection>;
  let completionWorker: WorkerHandler;
  const published: PublishCommandInput[] = [];
  const countryWorkers = new Map<CountryISO, { handler: WorkerHandler; announced: PutEventsRequestEntry[] }>();

  beforeAll(async () => {
    table = await startTestTable();
    appsync = await startStatusChangeReceiver();
    pool = testPool();
    const shared = { ...table.lambdaEnv, [environment.appointmentsTableName]: table.tableName };

    const resolvers = loadLambda({ ...shared, [environment.appointmentRequestsTopicArn]: 'arn:aws:sns:us-east-1:123456789012:requests' }, () => ({
      mutation: jest.requireActual<{ handler: unknown }>('../../resolvers/Mutation.createAppointment').handler as Resolver<MutationcreateAppointmentArgs, FieldAnswer<Appointment>>,
      query: jest.requireActual<{ handler: unknown }>('../../resolvers/Query.appointments').handler as Resolver<QueryappointmentsArgs, FieldAnswer<AppointmentConnection>>,
      snsSdk: jest.requireActual<typeof import('@aws-sdk/client-sns')>('@aws-sdk/client-sns'),
    }));
    createAppointment = throughAppSync(resolvers.mutation);
    listAppointments = throughAppSync(resolvers.query);
    mockClient(resolvers.snsSdk.SNSClient)
      .on(resolvers.snsSdk.PublishCommand)
      .callsFake((input: PublishCommandInput) => {
        published.push(input);
        return { MessageId: String(published.length) };
      });

    for (const route of topology.countryRoutes) {
      const worker = loadCountryWorker(route.countryISO, { [environment.mysqlUrl]: testMysqlUrl! });
      const announced: PutEventsRequestEntry[] = [];
      acceptEveryEvent(worker.eventBridgeSdk, announced);
      countryWorkers.set(route.countryISO, { handler: worker.handler, announced });
    }
    completionWorker = loadCompletionWorker({ ...shared, ...appsync.lambdaEnv });
  });

  afterAll(async () => {
    await appsync.stop();
    await pool.end();
    await table.stop();
  });

  /** SNS: the queues whose filter policy matches the message's attributes (exact string match, as the topology uses). */
  const subscribedRoutes = (publish: PublishCommandInput) =>
    topology.countryRoutes.filter((route) =>
      Object.entries(route.filterPolicy).every(([attribute, accepted]) => accepted.includes(publish.MessageAttributes?.[attribute]?.StringValue ?? '')),
    );

  it.each<[CountryISO, CountryISO]>([
    ['PE', 'CL'],
    ['CL', 'PE'],
  ])('given a %s booking, when every stage has run, then it reads COMPLETED and has exactly one row in its country schema and none in %s', async (countryISO, otherCountry) => {
    const insuredId = countryISO === 'PE' ? '00031' : '00032';
    const scheduleId = newScheduleId();
    const created = await createAppointment(
      appSyncEvent('Mutation', 'createAppointment', { input: { insuredId, scheduleId, countryISO } }),
      lambdaContext(),
    );
    expect(created.status).toBe('PENDING');

    const publish = published.find((input) => input.Message?.includes(created.appointmentId));
    const routes = subscribedRoutes(publish!);
    expect(routes.map((route) => route.countryISO)).toEqual([countryISO]);

    const countryWorker = countryWorkers.get(countryISO)!;
    const scheduling = await countryWorker.handler(sqsEvent(snsRawDeliveryRecord(publish!, routes[0]!.queueName)), lambdaContext());
    expect(scheduling.batchItemFailures).toEqual([]);

    const announcement = countryWorker.announced.find((entry) => entry.Detail?.includes(created.appointmentId));
    const completion = await completionWorker(sqsEvent(eventBridgeDeliveryRecord(announcement!, topology.confirmations.queueName)), lambdaContext());
    expect(completion.batchItemFailures).toEqual([]);

    const listed = await listAppointments(appSyncEvent('Query', 'appointments', { insuredId }), lambdaContext());
    expect(listed.items).toEqual([{ ...created, status: 'COMPLETED', updatedAt: expect.any(String) as unknown }]);
    expect(listed.items[0]!.updatedAt >= created.updatedAt).toBe(true);
    expect(await countryRows(pool, countryISO, [created.appointmentId])).toEqual([
      expect.objectContaining({ appointment_id: created.appointmentId, insured_id: insuredId, schedule_id: scheduleId, country_iso: countryISO, status: 'SCHEDULED' }),
    ]);
    expect(await countryRows(pool, otherCountry, [created.appointmentId])).toEqual([]);
    // And the change was announced to subscribers as stored
    expect(appsync.received.filter((change) => change.appointmentId === created.appointmentId)).toEqual([
      { appointmentId: created.appointmentId, insuredId, scheduleId, countryISO, status: 'COMPLETED', rejectionReason: null, updatedAt: listed.items[0]!.updatedAt },
    ]);
  });
});
