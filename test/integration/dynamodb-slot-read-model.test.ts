import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbSlotReadModel } from '../../core/adapters/dynamodb-slot-read-model';
import { freeSlotFilters, slotReadModel } from '../../core/config/slot-read-model';
import type { CatalogCentre, CatalogDoctor, CatalogSpecialty, SlotSnapshot } from '../../core/domain/slots';
import { ValidationError } from '../../core/domain/errors';
import type { FreeSlotQuery } from '../../core/ports';
import { ensureSlotReadModelTable, localDynamoDbClient, startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb/dynalite';

/** The slot read model against dynalite, its table created as the local stack creates it (with its eight indexes). */

const sanFelipe: CatalogCentre = { centreId: 'pe-san-felipe', name: 'Clínica San Felipe', attributes: { district: 'Jesús María' } };
const ricardoPalma: CatalogCentre = { centreId: 'pe-ricardo-palma', name: 'Clínica Ricardo Palma', attributes: { district: 'San Isidro' } };
const alemana: CatalogCentre = {
  centreId: 'cl-alemana',
  name: 'Clínica Alemana',
  attributes: { commune: 'Vitacura', region: 'Región Metropolitana' },
};
const cardiologia: CatalogSpecialty = { specialtyId: 'cardiologia', name: 'Cardiología' };
const dermatologia: CatalogSpecialty = { specialtyId: 'dermatologia', name: 'Dermatología' };
const alvarez: CatalogDoctor = { doctorId: 'pe-alvarez', name: 'Ángela Álvarez' };
const benitez: CatalogDoctor = { doctorId: 'pe-benitez', name: 'Bruno Benítez' };

const DAY = new Date('2026-12-15T13:00:00.000Z');
const minutesAfter = (start: Date, minutes: number) => new Date(start.getTime() + minutes * 60_000);

/** A FREE 15-minute slot, version 1, starting `minutes` after 08:00 in Lima on 15 December 2026 unless told otherwise. */
function aSlot(scheduleId: number, minutes = 0, overrides: Partial<SlotSnapshot> = {}): SlotSnapshot {
  const startsAt = minutesAfter(DAY, minutes);
  return {
    countryISO: 'PE',
    scheduleId,
    centre: sanFelipe,
    specialty: cardiologia,
    doctor: alvarez,
    startsAt: startsAt.toISOString(),
    endsAt: minutesAfter(startsAt, 15).toISOString(),
    availability: 'FREE',
    version: 1,
    ...overrides,
  };
}

const wholeDay = { countryISO: 'PE', from: DAY, to: minutesAfter(DAY, 24 * 60) } as const satisfies FreeSlotQuery;

let dynamo: LocalDynamoDb;
let client: ReturnType<typeof localDynamoDbClient>;
let tableName: string;
let model: DynamoDbSlotReadModel;
let tables = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  client = localDynamoDbClient(dynamo.endpoint);
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});
// A table of its own per test: each starts from an empty model.
beforeEach(async () => {
  tableName = `slots-${++tables}`;
  await ensureSlotReadModelTable(client, tableName);
  model = new DynamoDbSlotReadModel(client, tableName);
});

const applyAll = async (slots: readonly SlotSnapshot[]) => {
  for (const slot of slots) expect(await model.apply(slot)).toBe('applied');
};
const requests = (operation: string) => dynamo.operations.get(operation) ?? 0;

/** Every free slot of `query`, page by page, with the number of Query requests each page took. */
async function browse(query: FreeSlotQuery, limit: number) {
  const pages: { items: SlotSnapshot[]; queries: number }[] = [];
  let cursor: string | undefined;
  do {
    const before = requests('Query');
    const page = await model.freeSlots(query, { limit, cursor });
    pages.push({ items: page.items, queries: requests('Query') - before });
    cursor = page.cursor;
  } while (cursor !== undefined);
  return pages;
}

const ids = (slots: readonly SlotSnapshot[]) => slots.map((slot) => slot.scheduleId);
const inStartOrder = (slots: readonly SlotSnapshot[]) =>
  [...slots].sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.scheduleId - b.scheduleId);

describe('DynamoDB slot read model (dynalite)', () => {
  it('given a slot applied, when read back, then it is the snapshot exactly: centre attributes, times to the millisecond, version', async () => {
    const slot = aSlot(101, 0, {
      centre: alemana,
      countryISO: 'CL',
      startsAt: '2026-12-15T13:30:00.123Z',
      endsAt: '2026-12-15T13:45:00.456Z',
      version: 7,
    });

    expect(await model.apply(slot)).toBe('applied');

    expect(await model.get('CL', 101)).toEqual(slot);
    expect(await model.get('PE', 101)).toBeUndefined();
    const [listed] = (await model.freeSlots({ countryISO: 'CL', from: DAY, to: minutesAfter(DAY, 60) }, { limit: 5 })).items;
    expect(listed).toEqual(slot);
  });

  it('given a TAKEN slot at version 3, when a FREE version 2 arrives late, then it is stale and changes nothing', async () => {
    await model.apply(aSlot(201, 0, { availability: 'TAKEN', version: 3 }));

    expect(await model.apply(aSlot(201, 0, { availability: 'FREE', version: 2 }))).toBe('stale');

    expect(await model.get('PE', 201)).toMatchObject({ availability: 'TAKEN', version: 3 });
    expect((await model.freeSlots(wholeDay, { limit: 10 })).items).toEqual([]);
  });

  it('given a slot at version 4, when version 4 arrives again, then it is unchanged (a redelivery: nothing is written)', async () => {
    await model.apply(aSlot(301, 0, { version: 4 }));

    expect(await model.apply(aSlot(301, 0, { version: 4, doctor: benitez }))).toBe('unchanged');

    expect((await model.get('PE', 301))?.doctor).toEqual(alvarez);
  });

  it('given a FREE slot, when it is TAKEN, then every free-slot index loses it; when FREE again, then it is back; when WITHDRAWN, then gone again', async () => {
    const slot = aSlot(401);
    const everyIndex: FreeSlotQuery[] = [
      wholeDay,
      { ...wholeDay, specialtyId: cardiologia.specialtyId, centreId: sanFelipe.centreId, doctorId: alvarez.doctorId },
      { ...wholeDay, centreId: sanFelipe.centreId },
    ];
    const listed = async () => Promise.all(everyIndex.map(async (query) => ids((await model.freeSlots(query, { limit: 10 })).items)));
    await model.apply(slot);
    expect(await listed()).toEqual([[401], [401], [401]]);

    await model.apply({ ...slot, availability: 'TAKEN', version: 2 });
    expect(await listed()).toEqual([[], [], []]);

    await model.apply({ ...slot, availability: 'FREE', version: 3 });
    expect(await listed()).toEqual([[401], [401], [401]]);

    await model.apply({ ...slot, availability: 'WITHDRAWN', version: 4 });
    expect(await listed()).toEqual([[], [], []]);
  });

  describe('given slots of every specialty, centre and doctor (two of each), and a Chilean slot', () => {
    const combinations = [cardiologia, dermatologia].flatMap((specialty) =>
      [sanFelipe, ricardoPalma].flatMap((centre) => [alvarez, benitez].map((doctor) => ({ specialty, centre, doctor }))),
    );
    const peruvian = combinations.flatMap((combination, index) => [
      aSlot(500 + index, 90 - index * 5, combination),
      aSlot(600 + index, 200 + index, combination),
    ]);
    const chilean = aSlot(700, 0, { countryISO: 'CL', centre: alemana });
    const subsets = Array.from({ length: 8 }, (_, bits) => freeSlotFilters.filter((_, position) => bits & (1 << position)));
    const valuesOf = { specialtyId: cardiologia.specialtyId, centreId: ricardoPalma.centreId, doctorId: benitez.doctorId };

    it.each(subsets.map((subset) => [subset.map((filter) => filter.field).join(' + ') || 'no filter', subset] as const))(
      'when browsed by %s, then only the matching Peruvian slots come back, soonest first',
      async (_, subset) => {
        await applyAll([...peruvian, chilean]);
        const filters = Object.fromEntries(subset.map((filter) => [filter.field, valuesOf[filter.field]]));

        const { items } = await model.freeSlots({ ...wholeDay, ...filters }, { limit: 50 });

        const matches = peruvian.filter(
          (slot) =>
            (filters.specialtyId ?? slot.specialty.specialtyId) === slot.specialty.specialtyId &&
            (filters.centreId ?? slot.centre.centreId) === slot.centre.centreId &&
            (filters.doctorId ?? slot.doctor.doctorId) === slot.doctor.doctorId,
        );
        expect(matches.length).toBe(16 / 2 ** subset.length);
        expect(ids(items)).toEqual(ids(inStartOrder(matches)));
      },
    );
  });

  it('given 75 free slots, several starting together, when paged by 10, then every page is full but the last, in start order, each slot once, one Query a page', async () => {
    // Three slots at each start, their scheduleIds out of order: the order among them is the scheduleId's.
    const slots = Array.from({ length: 75 }, (_, index) => aSlot(1000 + ((index * 37) % 75), Math.floor(index / 3) * 15));
    await applyAll(slots);

    const pages = await browse(wholeDay, 10);

    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 5]);
    expect(pages.flatMap((page) => ids(page.items))).toEqual(ids(inStartOrder(slots)));
    expect(pages.every((page) => page.queries === 1)).toBe(true);
  });

  it('given 70 free slots, when paged by 10, then the seventh page says it is the last (no empty page to fetch)', async () => {
    await applyAll(Array.from({ length: 70 }, (_, index) => aSlot(2000 + index, index * 15)));

    const pages = await browse(wholeDay, 10);

    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 10, 10, 10, 10, 10]);
  });

  it('given slots at `from`, just before `to` and at `to`, when browsed from–to, then `from` is in and `to` is out', async () => {
    const from = minutesAfter(DAY, 60);
    const to = minutesAfter(DAY, 120);
    const atFrom = aSlot(3001, 0, { startsAt: from.toISOString() });
    const justBefore = aSlot(3002, 0, { startsAt: new Date(to.getTime() - 1).toISOString() });
    const atTo = aSlot(3003, 0, { startsAt: to.toISOString() });
    const before = aSlot(3004, 0, { startsAt: new Date(from.getTime() - 1).toISOString() });
    await applyAll([atFrom, justBefore, atTo, before]);

    const { items } = await model.freeSlots({ countryISO: 'PE', from, to }, { limit: 10 });

    expect(ids(items)).toEqual([3001, 3002]);
    const queries = requests('Query');
    expect(await model.freeSlots({ countryISO: 'PE', from: to, to: from }, { limit: 10 })).toEqual({ items: [] });
    expect(requests('Query')).toBe(queries);
  });

  it("given a page's cursor, when it is forged, or used for another query, then it is refused with a message the client can show", async () => {
    await applyAll(Array.from({ length: 6 }, (_, index) => aSlot(4000 + index, index * 15)));
    const { cursor } = await model.freeSlots(wholeDay, { limit: 2 });
    if (!cursor) throw new Error('The first page has a next page');
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, string>;
    const forge = (changes: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...key, ...changes })).toString('base64url');
    const refused = [
      ['not a token at all', wholeDay, 'not-a-token!'],
      ['an empty key', wholeDay, Buffer.from('{}').toString('base64url')],
      ['another slot than its position names', wholeDay, forge({ [slotReadModel.partitionKey]: 'SLOT#PE#4005' })],
      ['a position in another country', wholeDay, forge({ free: 'CL' })],
      ['an extra attribute', wholeDay, forge({ version: '1' })],
      ['a number where a string goes', wholeDay, forge({ [slotReadModel.sortKey]: 5 })],
      ['another filter', { ...wholeDay, specialtyId: cardiologia.specialtyId }, cursor],
      ['a window that ends before it', { ...wholeDay, to: minutesAfter(DAY, 15) }, cursor],
    ] as const;

    for (const [, query, forged] of refused) {
      const answer = model.freeSlots(query, { limit: 2, cursor: forged });
      await expect(answer).rejects.toBeInstanceOf(ValidationError);
      await expect(answer).rejects.toThrow(/nextToken is not valid for this query/);
    }
    expect(ids((await model.freeSlots(wholeDay, { limit: 2, cursor })).items)).toEqual([4002, 4003]);
  });

  it("given slots applied in two countries, when a country's catalog is read, then it lists its centres with their attributes, specialties and doctors, by name", async () => {
    await applyAll([
      aSlot(5001, 0, { centre: ricardoPalma, specialty: dermatologia, doctor: benitez }),
      aSlot(5002, 15, { centre: sanFelipe, specialty: cardiologia, doctor: alvarez }),
      aSlot(5003, 30, { centre: sanFelipe, specialty: cardiologia, doctor: benitez, availability: 'TAKEN' }),
      aSlot(5004, 0, { countryISO: 'CL', centre: alemana, doctor: { doctorId: 'cl-rojas', name: 'Carlos Rojas' } }),
    ]);

    expect(await model.catalog('PE')).toEqual({
      centres: [ricardoPalma, sanFelipe],
      specialties: [cardiologia, dermatologia],
      // "Ángela" sorts with the A's, before "Bruno", as Spanish orders them (an order by code point would put Á last).
      doctors: [alvarez, benitez],
    });
    expect(await model.catalog('CL')).toEqual({
      centres: [alemana],
      specialties: [cardiologia],
      doctors: [{ doctorId: 'cl-rojas', name: 'Carlos Rojas' }],
    });
  });

  it('given many slots of one doctor at one centre, when applied, then the catalog is written once, and a renamed doctor is renamed in it', async () => {
    const puts = requests('PutItem');

    await applyAll(Array.from({ length: 12 }, (_, index) => aSlot(6000 + index, index * 15)));
    expect(requests('PutItem') - puts).toBe(12 + 3);

    const renamed = { ...alvarez, name: 'Ángela Álvarez Quispe' };
    await model.apply(aSlot(6000, 0, { doctor: renamed, version: 2 }));
    expect((await model.catalog('PE')).doctors).toEqual([renamed]);
  });

  it('given a stored slot, when another instance applies its next version (booked, freed), then that costs one write: the catalog is already current', async () => {
    await model.apply(aSlot(6101));
    const elsewhere = new DynamoDbSlotReadModel(client, tableName);
    const puts = requests('PutItem');

    await elsewhere.apply(aSlot(6101, 0, { availability: 'TAKEN', version: 2 }));
    await elsewhere.apply(aSlot(6101, 0, { availability: 'FREE', version: 3 }));

    expect(requests('PutItem') - puts).toBe(2);
  });

  it('given a slot stored but its catalog entries never written (the function stopped between), when the same snapshot is redelivered, then it is unchanged and the catalog is completed', async () => {
    const slot = aSlot(7001);
    await model.apply(slot);
    for (const sk of [`CENTRE#${sanFelipe.centreId}`, `SPECIALTY#${cardiologia.specialtyId}`, `DOCTOR#${alvarez.doctorId}`]) {
      await client.send(
        new DeleteItemCommand({
          TableName: tableName,
          Key: { [slotReadModel.partitionKey]: { S: 'CATALOG#PE' }, [slotReadModel.sortKey]: { S: sk } },
        }),
      );
    }
    const restarted = new DynamoDbSlotReadModel(client, tableName);

    expect(await restarted.apply(slot)).toBe('unchanged');

    expect(await model.catalog('PE')).toEqual({ centres: [sanFelipe], specialties: [cardiologia], doctors: [alvarez] });
  });
});
