import { DynamoDbSlotReadModel } from '../../core/adapters/dynamodb-slot-read-model';
import { environment } from '../../core/config/environment';
import { topology } from '../../core/config/topology';
import type { SlotSnapshot } from '../../core/domain/slots';
import type { CountryISO } from '../../core/graphql/types.generated';
import { eventBridgeDeliveryRecord, lambdaContext, sqsEvent, sqsRecord } from '../../local/lambda/aws-events';
import { slotKeyOf, startSlotAvailabilityReceiver, type SlotAvailabilityReceiver } from '../support/appsync-receiver';
import { startTestTable, type TestTable } from '../support/dynamodb';
import { loadSlotProjector, slotAvailabilityDelivery, type WorkerHandler } from '../support/pipeline';
import { aSlotSnapshot } from '../support/slot-publications';
import { given, inProcessCatalog, then, when, type SlotCatalogApi } from '../steps';

/**
 * The slot projector with SQS events as AWS sends them: each record's body is the SlotAvailabilityChanged event a
 * country put on the bus. It keeps each slot's newest version in the read model (a dynalite table), which apps
 * browse through availableSlots (the resolver function in this process), and pushes the change to AppSync (a
 * receiver that checks the SigV4 signature as AppSync does) for the onSlotAvailabilityChanged subscribers.
 */

const DAY_MS = 86_400_000;
let table: TestTable;
let appsync: SlotAvailabilityReceiver;
let projector: WorkerHandler;
let readModel: DynamoDbSlotReadModel;
/** An app browsing with the API key. */
let app: SlotCatalogApi;

beforeAll(async () => {
  table = await startTestTable();
  appsync = await startSlotAvailabilityReceiver();
  const env = { ...table.lambdaEnv, ...appsync.lambdaEnv, [environment.slotsTableName]: table.slotsTableName };
  projector = loadSlotProjector(env);
  // The staff mutations loaded beside availableSlots need a topic; nothing is published here.
  const catalog = given.theSlotCatalogFunctions({
    ...env,
    [environment.appointmentRequestsTopicArn]: 'arn:aws:sns:us-east-1:123456789012:unused',
  });
  app = when.over(inProcessCatalog(catalog.functions));
  readModel = new DynamoDbSlotReadModel(table.client, table.slotsTableName);
});

afterAll(async () => {
  await appsync.stop();
  await table.stop();
});

/** A slot of its own, `daysAhead` days from now on the whole hour, as its country holds it: FREE, version 1. */
const aNewSlot = (countryISO: CountryISO = 'PE', daysAhead = 10): SlotSnapshot =>
  aSlotSnapshot(
    countryISO,
    given.aSlotTheCatalogLacks(countryISO).scheduleId,
    new Date(Math.ceil((Date.now() + daysAhead * DAY_MS) / 3_600_000) * 3_600_000),
  );
/** What the onSlotAvailabilityChanged subscribers were pushed of this slot, in the order AppSync took it. */
const heardOf = (slot: SlotSnapshot) => appsync.received.filter((change) => slotKeyOf(change) === slotKeyOf(slot));
/** The free slots an app is offered around this slot's start, of its test doctor. */
const offeredAround = async (slot: SlotSnapshot) => {
  const page = then.offered(
    await app.browseFreeSlots({
      countryISO: slot.countryISO,
      from: new Date(Date.parse(slot.startsAt) - 3_600_000).toISOString(),
      to: new Date(Date.parse(slot.startsAt) + 3_600_000).toISOString(),
      doctorId: slot.doctor.doctorId,
    }),
  );
  return page.items.map((item) => item.scheduleId);
};
const project = (...deliveries: ReturnType<typeof slotAvailabilityDelivery>[]) =>
  projector(sqsEvent(...deliveries), lambdaContext('slotProjector'));

describe('slot projector with SQS events as AWS sends them', () => {
  it("given a Lima slot its country announces FREE, when projected, then apps are offered it and subscribers hear it FREE with its start in Lima's clock", async () => {
    const slot = aNewSlot('PE');

    const response = await project(slotAvailabilityDelivery(slot));

    expect(response.batchItemFailures).toEqual([]);
    expect(await readModel.get('PE', slot.scheduleId)).toEqual(slot);
    expect(await offeredAround(slot)).toContain(slot.scheduleId);
    const limaStart = `${new Date(Date.parse(slot.startsAt) - 5 * 3_600_000).toISOString().slice(0, 19)}-05:00`;
    expect(heardOf(slot)).toEqual([
      {
        countryISO: 'PE',
        specialtyId: 'medicina-general',
        scheduleId: slot.scheduleId,
        availability: 'FREE',
        startsAt: limaStart,
        centreId: 'centro-de-pruebas',
        doctorId: 'doctor-de-pruebas',
        version: 1,
      },
    ]);
    expect(appsync.unsigned).toBe(0);
    expect(appsync.otherFields).toBe(0);
  });

  it('given a free slot, when its country announces it TAKEN (version 2), then apps are no longer offered it and subscribers hear it TAKEN', async () => {
    const slot = aNewSlot('CL');
    await project(slotAvailabilityDelivery(slot));

    const response = await project(slotAvailabilityDelivery({ ...slot, availability: 'TAKEN', version: 2 }));

    expect(response.batchItemFailures).toEqual([]);
    expect(await readModel.get('CL', slot.scheduleId)).toMatchObject({ availability: 'TAKEN', version: 2 });
    expect(await offeredAround(slot)).not.toContain(slot.scheduleId);
    expect(heardOf(slot).map((change) => [change.availability, change.version])).toEqual([
      ['FREE', 1],
      ['TAKEN', 2],
    ]);
    // Santiago's clock, whichever its offset that day
    expect(heardOf(slot)[1]?.startsAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00-0[34]:00$/);
  });

  it('given version 3 (TAKEN) projected, when the older version 2 (FREE) arrives late, then the read model keeps version 3, apps are not offered the slot, and subscribers never hear version 2', async () => {
    const slot = aNewSlot('PE');
    await project(slotAvailabilityDelivery({ ...slot, availability: 'TAKEN', version: 3 }));

    const late = await project(slotAvailabilityDelivery({ ...slot, availability: 'FREE', version: 2 }));

    expect(late.batchItemFailures).toEqual([]);
    expect(await readModel.get('PE', slot.scheduleId)).toMatchObject({ availability: 'TAKEN', version: 3 });
    expect(await offeredAround(slot)).not.toContain(slot.scheduleId);
    expect(heardOf(slot).map((change) => change.version)).toEqual([3]);
  });

  it('given a state projected, when the same delivery comes again, then neither fails, the read model is unchanged and subscribers hear it again (at least once)', async () => {
    const slot = aNewSlot('PE');
    const delivery = slotAvailabilityDelivery(slot);

    const first = await project(delivery);
    const again = await project({ ...delivery, attributes: { ...delivery.attributes, ApproximateReceiveCount: '2' } });

    expect([first.batchItemFailures, again.batchItemFailures]).toEqual([[], []]);
    expect(await readModel.get('PE', slot.scheduleId)).toEqual(slot);
    expect(heardOf(slot).map((change) => [change.availability, change.version])).toEqual([
      ['FREE', 1],
      ['FREE', 1],
    ]);
  });

  it('given a batch with a body that is not JSON, an event of another kind and a slot state with no doctor, when projected, then only those three fail and the good states are projected', async () => {
    const good = [aNewSlot('PE'), aNewSlot('CL')];
    const notJson = sqsRecord('{"detail-type": "SlotAvailabilityChanged", ', { queueName: topology.slotAvailability.queueName });
    const otherKind = eventBridgeDeliveryRecord(
      {
        Source: topology.countryOutcomes.source,
        DetailType: 'AppointmentScheduled',
        Detail: JSON.stringify({ appointmentId: '01JD0000000000000000000000', correlationId: 'c' }),
      },
      topology.slotAvailability.queueName,
    );
    const { doctor: _doctor, ...withoutDoctor } = aNewSlot('PE');
    const noDoctor = slotAvailabilityDelivery(withoutDoctor as SlotSnapshot);
    const [firstGood, secondGood] = good.map((slot) => slotAvailabilityDelivery(slot));

    const response = await project(firstGood!, notJson, otherKind, secondGood!, noDoctor);

    expect(response.batchItemFailures).toHaveLength(3);
    expect(response.batchItemFailures).toEqual(
      expect.arrayContaining([
        { itemIdentifier: notJson.messageId },
        { itemIdentifier: otherKind.messageId },
        { itemIdentifier: noDoctor.messageId },
      ]),
    );
    for (const slot of good) {
      expect(await readModel.get(slot.countryISO, slot.scheduleId)).toEqual(slot);
      expect(heardOf(slot)).toHaveLength(1);
    }
    expect(await readModel.get('PE', withoutDoctor.scheduleId)).toBeUndefined();
  });

  it('given AppSync refuses one push, when its batch is projected, then only that record fails, and its redelivery pushes the state the read model holds', async () => {
    const refused = aNewSlot('PE');
    const fine = aNewSlot('PE');
    appsync.refuseOnce(slotKeyOf(refused));
    const refusedDelivery = slotAvailabilityDelivery(refused);

    const response = await project(refusedDelivery, slotAvailabilityDelivery(fine));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: refusedDelivery.messageId }]);
    // Stored before the push was tried: apps are offered it already; subscribers have not heard of it yet
    expect(await readModel.get('PE', refused.scheduleId)).toEqual(refused);
    expect(await offeredAround(refused)).toContain(refused.scheduleId);
    expect(heardOf(refused)).toEqual([]);
    expect(heardOf(fine)).toHaveLength(1);

    const redelivered = await project(refusedDelivery);

    expect(redelivered.batchItemFailures).toEqual([]);
    expect(heardOf(refused)).toEqual([expect.objectContaining({ availability: 'FREE', version: 1 })]);
  });
});
