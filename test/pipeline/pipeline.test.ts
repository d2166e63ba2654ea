import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import type { Pool } from 'mysql2/promise';
import { environment } from '../../core/config/environment';
import type { CountryISO } from '../../core/graphql/types.generated';
import { topology } from '../../core/config/topology';
import { eventBridgeDeliveryRecord, lambdaContext, snsRawDeliveryRecord, sqsEvent } from '../../local/lambda/aws-events';
import { startStatusChangeReceiver, type StatusChangeReceiver } from '../support/appsync-receiver';
import { startTestTable, type TestTable } from '../support/dynamodb';
import { countryRows, describeWithMysql, testMysqlUrl, testPool } from '../support/mysql';
import { acceptEveryEvent, loadCompletionWorker, loadCountryWorker, type WorkerHandler } from '../support/pipeline';
import { given, inProcess, then, when, type AppointmentsApi, type FreeSlots } from '../steps';

describeWithMysql('the whole pipeline, stage by stage: createAppointment → country worker → completion worker', () => {
  let table: TestTable;
  let appsync: StatusChangeReceiver;
  let pool: Pool;
  /** A developer with the API key, calling the resolver functions in this process as AppSync would. */
  let developer: AppointmentsApi;
  let completionWorker: WorkerHandler;
  /** The catalog createAppointment reads, written straight into its read model: this pipeline has no projector. */
  let slots: FreeSlots;
  const published: PublishCommandInput[] = [];
  const countryWorkers = new Map<CountryISO, { handler: WorkerHandler; announced: PutEventsRequestEntry[] }>();

  beforeAll(async () => {
    table = await startTestTable();
    slots = await given.slotsInTheCatalog(table, { PE: 1, CL: 1 });
    appsync = await startStatusChangeReceiver();
    pool = testPool();
    const shared = { ...table.lambdaEnv, [environment.appointmentsTableName]: table.tableName };

    const resolvers = given.theResolverFunctions({
      ...shared,
      [environment.slotsTableName]: table.slotsTableName,
      [environment.appointmentRequestsTopicArn]: 'arn:aws:sns:us-east-1:123456789012:requests',
    });
    developer = when.over(inProcess(resolvers.functions));
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
      Object.entries(route.filterPolicy).every(([attribute, accepted]) =>
        accepted.includes(publish.MessageAttributes?.[attribute]?.StringValue ?? ''),
      ),
    );

  it.each<[CountryISO, CountryISO]>([
    ['PE', 'CL'],
    ['CL', 'PE'],
  ])(
    'given a %s booking, when every stage has run, then it reads COMPLETED and has exactly one row in its country schema and none in %s',
    async (countryISO, otherCountry) => {
      const insuredId = countryISO === 'PE' ? '00031' : '00032';
      const slot = slots.next(countryISO);
      const created = then.theAppointmentIs(await developer.bookAppointment({ insuredId, ...slot }), 'PENDING');

      const publish = published.find((input) => input.Message?.includes(created.appointmentId));
      const routes = subscribedRoutes(publish!);
      expect(routes.map((route) => route.countryISO)).toEqual([countryISO]);

      const countryWorker = countryWorkers.get(countryISO)!;
      const scheduling = await countryWorker.handler(sqsEvent(snsRawDeliveryRecord(publish!, routes[0]!.queueName)), lambdaContext());
      expect(scheduling.batchItemFailures).toEqual([]);

      const announcement = countryWorker.announced.find((entry) => entry.Detail?.includes(created.appointmentId));
      const completion = await completionWorker(
        sqsEvent(eventBridgeDeliveryRecord(announcement!, topology.confirmations.queueName)),
        lambdaContext(),
      );
      expect(completion.batchItemFailures).toEqual([]);

      const listed = then.listed(await developer.listAppointments(insuredId));
      expect(listed.items).toEqual([{ ...created, status: 'COMPLETED', updatedAt: expect.any(String) as unknown }]);
      expect(listed.items[0]!.updatedAt >= created.updatedAt).toBe(true);
      expect(await countryRows(pool, countryISO, [created.appointmentId])).toEqual([
        expect.objectContaining({
          appointment_id: created.appointmentId,
          insured_id: insuredId,
          schedule_id: slot.scheduleId,
          country_iso: countryISO,
          status: 'SCHEDULED',
        }),
      ]);
      expect(await countryRows(pool, otherCountry, [created.appointmentId])).toEqual([]);
      // And the change was announced to subscribers as stored, with its slot as the publish mutation's input names its centre's type
      const { __typename: typeName, ...centre } = created.slot!.centre as unknown as { __typename: string };
      expect(appsync.received.filter((change) => change.appointmentId === created.appointmentId)).toEqual([
        {
          appointmentId: created.appointmentId,
          insuredId,
          scheduleId: slot.scheduleId,
          countryISO,
          status: 'COMPLETED',
          rejectionReason: null,
          updatedAt: listed.items[0]!.updatedAt,
          slot: { ...created.slot, centre: { typeName, ...centre } },
          reschedule: null,
        },
      ]);
    },
  );
});
