import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { environment } from '../../core/config/environment';
import { countryRoute, topology } from '../../core/config/topology';
import type { CountryISO, PublishSlotsInput } from '../../core/graphql/types.generated';
import { eventBridgeDeliveryRecord, lambdaContext, snsRawDeliveryRecord, sqsEvent } from '../../local/lambda/aws-events';
import { slotKeyOf, startSlotAvailabilityReceiver, type SlotAvailabilityReceiver } from '../support/appsync-receiver';
import { startTestTable, type TestTable } from '../support/dynamodb';
import { describeWithMysql, testMysqlUrl } from '../support/mysql';
import { acceptEveryEvent, loadCountryWorker, loadSlotProjector, type WorkerHandler } from '../support/pipeline';
import { given, inProcessCatalog, then, when, type SlotCatalogApi } from '../steps';

/**
 * The catalog's way from staff to apps, each stage's function in this process, each hand-off made as AWS makes it:
 * publishSlots / withdrawSlot publish on SNS (stubbed, each publish kept) → the country's queue delivers it (raw SNS
 * delivery, by the filter policy) to its country worker, which writes the test MySQL and announces each slot's state
 * on the bus (stubbed, each entry kept) → the availability queue delivers those to the slot projector, which keeps
 * them in the read model (dynalite) that availableSlots reads, and pushes them to AppSync (a signature-checking receiver).
 */
describeWithMysql(
  'the slot catalog, stage by stage: publishSlots / withdrawSlot → country worker → slot projector → availableSlots',
  () => {
    let table: TestTable;
    let appsync: SlotAvailabilityReceiver;
    let staff: SlotCatalogApi;
    let app: SlotCatalogApi;
    let projector: WorkerHandler;
    const published: PublishCommandInput[] = [];
    const countryWorkers = new Map<CountryISO, { handler: WorkerHandler; announced: PutEventsRequestEntry[] }>();

    beforeAll(async () => {
      table = await startTestTable();
      appsync = await startSlotAvailabilityReceiver();
      const readModelEnv = { ...table.lambdaEnv, [environment.slotsTableName]: table.slotsTableName };

      const catalog = given.theSlotCatalogFunctions({
        ...readModelEnv,
        [environment.appointmentRequestsTopicArn]: 'arn:aws:sns:us-east-1:123456789012:requests',
      });
      staff = when.over(inProcessCatalog(catalog.functions, given.aStaffMemberSignedIn()));
      app = when.over(inProcessCatalog(catalog.functions));
      mockClient(catalog.snsSdk.SNSClient)
        .on(catalog.snsSdk.PublishCommand)
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
      projector = loadSlotProjector({ ...readModelEnv, ...appsync.lambdaEnv });
    });

    afterAll(async () => {
      await appsync.stop();
      await table.stop();
    });

    /**
     * Every stage after the API for the publishes made since `since`: each to the country its attribute names, then
     * what that country announced to the projector, ten events a batch as the availability queue delivers them.
     */
    async function everyStageRuns(since: number): Promise<void> {
      for (const publish of published.slice(since)) {
        const countryISO = publish.MessageAttributes?.[topology.appointmentRequests.routingAttribute]?.StringValue as CountryISO;
        const worker = countryWorkers.get(countryISO)!;
        const before = worker.announced.length;
        const atCountry = await worker.handler(
          sqsEvent(snsRawDeliveryRecord(publish, countryRoute(countryISO).queueName)),
          lambdaContext(),
        );
        expect(atCountry.batchItemFailures).toEqual([]);
        const events = worker.announced
          .slice(before)
          .filter((entry) => entry.DetailType === topology.slotAvailability.detailType)
          .map((entry) => eventBridgeDeliveryRecord(entry, topology.slotAvailability.queueName));
        for (let first = 0; first < events.length; first += topology.slotAvailability.batchSize) {
          const projected = await projector(sqsEvent(...events.slice(first, first + topology.slotAvailability.batchSize)), lambdaContext());
          expect(projected.batchItemFailures).toEqual([]);
        }
      }
    }

    /** A doctor of this test alone, with a morning 10 days ahead at a Lima centre, 09:00 to 10:00 every 20 minutes. */
    function aLimaDoctorsMorning(): PublishSlotsInput {
      return {
        countryISO: 'PE',
        centre: { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', peru: { district: 'Miraflores' } },
        specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
        doctor: { doctorId: `dr-${randomUUID().slice(0, 8)}`, name: 'Dra. Prueba' },
        sessions: [
          { date: new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10), from: '09:00', to: '10:00', everyMinutes: 20 },
        ],
      };
    }

    /** The doctor's free slots an app is offered on the session's day. */
    async function offeredOf(session: PublishSlotsInput) {
      const date = session.sessions[0]!.date;
      const page = then.offered(
        await app.browseFreeSlots({
          countryISO: session.countryISO,
          from: `${date}T00:00:00Z`,
          to: new Date(Date.parse(`${date}T00:00:00Z`) + 2 * 86_400_000).toISOString(),
          doctorId: session.doctor.doctorId,
        }),
      );
      return page.items;
    }

    it("given staff publish a Lima doctor's morning, when every stage has run, then an app is offered its three slots at 09:00, 09:20 and 09:40 Lima time, and subscribers heard each FREE", async () => {
      const session = aLimaDoctorsMorning();
      const since = published.length;

      then.publicationAccepted(await staff.publishSlots(session));
      await everyStageRuns(since);

      const date = session.sessions[0]!.date;
      const offered = await offeredOf(session);
      expect(offered.map((slot) => slot.startsAt)).toEqual([`${date}T09:00:00-05:00`, `${date}T09:20:00-05:00`, `${date}T09:40:00-05:00`]);
      expect(offered[0]).toMatchObject({
        countryISO: 'PE',
        centre: { __typename: 'PeruCentre', centreId: 'pe-clinica-miraflores', district: 'Miraflores' },
        doctor: session.doctor,
      });
      for (const slot of offered) {
        expect(appsync.received.filter((change) => slotKeyOf(change) === slotKeyOf(slot))).toEqual([
          expect.objectContaining({ availability: 'FREE', version: 1, startsAt: slot.startsAt, doctorId: session.doctor.doctorId }),
        ]);
      }
    });

    it('given the same sessions published twice, when every stage has run, then each slot is offered once', async () => {
      const session = aLimaDoctorsMorning();
      const since = published.length;

      then.publicationAccepted(await staff.publishSlots(session));
      then.publicationAccepted(await staff.publishSlots(session));
      await everyStageRuns(since);

      const offered = await offeredOf(session);
      expect(offered).toHaveLength(3);
      expect(new Set(offered.map((slot) => slot.scheduleId)).size).toBe(3);
    });

    it('given a published slot, when staff withdraw it and every stage has run, then apps are no longer offered it, the others stay, and subscribers hear it WITHDRAWN', async () => {
      const session = aLimaDoctorsMorning();
      let since = published.length;
      then.publicationAccepted(await staff.publishSlots(session));
      await everyStageRuns(since);
      const [first, ...others] = await offeredOf(session);

      since = published.length;
      then.withdrawalAccepted(await staff.withdrawSlot(first!));
      await everyStageRuns(since);

      expect((await offeredOf(session)).map((slot) => slot.scheduleId)).toEqual(others.map((slot) => slot.scheduleId));
      expect(appsync.received.filter((change) => slotKeyOf(change) === slotKeyOf(first!)).map((change) => change.availability)).toEqual([
        'FREE',
        'WITHDRAWN',
      ]);
    });
  },
);
