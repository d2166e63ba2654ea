import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, paginateQuery, paginateScan, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { freeSlotFilters, freeSlotIndexes, freeSlotIndexFor, slotReadModel, type FreeSlotIndex } from '../config/slot-read-model';
import { countries } from '../domain/countries';
import type { CatalogCentre, CatalogDoctor, CatalogSpecialty, SlotSnapshot } from '../domain/slots';
import type { CountryISO } from '../graphql/types.generated';
import type { CountryCatalog, FreeSlotQuery, SlotReadModel } from '../ports';
import type { ReadModelSlotState } from '../use-cases/reconcile-slot-read-model';
import { decodeCursor, encodeCursor } from './dynamodb-cursor';

const { partitionKey: PK, sortKey: SK, freeSortKey: FREE_AT } = slotReadModel;

const INVALID_TOKEN =
  'nextToken is not valid for this query: pass the nextToken of the previous page unchanged, with the same countryISO, from, to and filters';

/**
 * How long this instance trusts its memory of the catalog entries it wrote: a publication's burst of slots then
 * costs one catalog write per centre, specialty and doctor, not three per slot. Should another instance have
 * written an entry differently since, this one writes its own again at most this long after.
 */
const CATALOG_MEMORY_MS = 60_000;

type Item = Record<string, unknown>;

/** The slot read model in DynamoDB (core/config/slot-read-model.ts has the table's keys and indexes). */
export class DynamoDbSlotReadModel implements SlotReadModel {
  private readonly documents: DynamoDBDocumentClient;
  /** Catalog entries this instance wrote: key → [the item as JSON, when]. */
  private readonly writtenEntries = new Map<string, [string, number]>();

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  async apply(slot: SlotSnapshot): Promise<'applied' | 'unchanged' | 'stale'> {
    let previous: Item | undefined;
    try {
      previous = await this.putIfNewer(slot);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const stored = await this.recordStoredInCatalog(slot);
      return stored?.version === slot.version ? 'unchanged' : 'stale';
    }
    // A slot already stored with the same centre, specialty and doctor recorded them when it was stored.
    await this.recordInCatalog(slot, previous === undefined ? undefined : toSnapshot(previous));
    return 'applied';
  }

  async get(countryISO: CountryISO, scheduleId: number): Promise<SlotSnapshot | undefined> {
    const result = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: slotKey(countryISO, scheduleId), ConsistentRead: true }),
    );
    return result.Item ? toSnapshot(result.Item) : undefined;
  }

  async freeSlots(query: FreeSlotQuery, page: { limit: number; cursor?: string }): Promise<{ items: SlotSnapshot[]; cursor?: string }> {
    if (!Number.isInteger(page.limit) || page.limit < 1) throw new RangeError(`A page holds at least one slot, not ${page.limit}`);
    const window = { from: query.from.toISOString(), to: query.to.toISOString() };
    if (window.from >= window.to) return { items: [] };
    const index = freeSlotIndexFor(query);
    const partition = freePartition(query.countryISO, index, query);
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        // `<to>#<scheduleId>` sorts after `<to>`: BETWEEN takes `from` and leaves `to` out.
        KeyConditionExpression: '#free = :partition AND #at BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#free': index.name, '#at': FREE_AT },
        ExpressionAttributeValues: { ':partition': partition, ':from': window.from, ':to': window.to },
        // One more than the page: when it comes back there is a next page, and a page that ends the results says so.
        Limit: page.limit + 1,
        ExclusiveStartKey:
          page.cursor === undefined
            ? undefined
            : decodeFreeCursor(page.cursor, { ...window, countryISO: query.countryISO, index, partition }),
      }),
    );
    const items = result.Items ?? [];
    const shown = items.slice(0, page.limit);
    const last = shown[shown.length - 1];
    const next = items.length > page.limit && last ? freeIndexKey(index, last) : result.LastEvaluatedKey;
    return { items: shown.map(toSnapshot), cursor: next ? encodeCursor(next) : undefined };
  }

  async catalog(countryISO: CountryISO): Promise<CountryCatalog> {
    const items: Item[] = [];
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :catalog',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':catalog': catalogPartition(countryISO) },
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    const of = (kind: CatalogKind) => items.filter((item) => String(item[SK]).startsWith(`${kind}#`));
    const { locale } = countries[countryISO];
    return {
      centres: of('CENTRE')
        .map(toCentre)
        .sort(byName(locale, (centre) => centre.centreId)),
      specialties: of('SPECIALTY')
        .map(toSpecialty)
        .sort(byName(locale, (specialty) => specialty.specialtyId)),
      doctors: of('DOCTOR')
        .map(toDoctor)
        .sort(byName(locale, (doctor) => doctor.doctorId)),
    };
  }

  /**
   * Every slot's availability and version, for reconciliation: a Scan of the table (its catalog entries filtered
   * out), a page (at most 1 MB) at a time, projected to the fields compared. The reconciler may do nothing else here.
   */
  async *slotStates(): AsyncIterable<ReadModelSlotState> {
    const pages = paginateScan(
      { client: this.documents },
      {
        TableName: this.tableName,
        FilterExpression: 'begins_with(#pk, :slot)',
        ProjectionExpression: '#country, #scheduleId, #availability, #version',
        ExpressionAttributeNames: {
          '#pk': PK,
          '#country': 'countryISO',
          '#scheduleId': 'scheduleId',
          '#availability': 'availability',
          '#version': 'version',
        },
        ExpressionAttributeValues: { ':slot': slotReadModel.slotPrefix },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        yield {
          countryISO: item.countryISO as CountryISO,
          scheduleId: item.scheduleId as number,
          availability: item.availability as SlotSnapshot['availability'],
          version: item.version as number,
        };
      }
    }
  }

  /** Stores the slot unless the stored version is as new or newer (ConditionalCheckFailedException); answers what it replaced. */
  private async putIfNewer(slot: SlotSnapshot): Promise<Item | undefined> {
    const result = await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        // A put, not an update: a slot no longer FREE loses its free-index attributes with no list of what to remove.
        Item: slotItem(slot),
        ConditionExpression: 'attribute_not_exists(#pk) OR #version < :version',
        ExpressionAttributeNames: { '#pk': PK, '#version': 'version' },
        ExpressionAttributeValues: { ':version': slot.version },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return result.Attributes;
  }

  /**
   * A stale snapshot writes no slot, but it may be the redelivery of one whose catalog writes never happened (the
   * function stopped between the two): the catalog then gets the stored slot's entries, the newest the model knows.
   * Answers the stored slot, which tells a redelivery (the same version) from a snapshot overtaken by a newer one.
   */
  private async recordStoredInCatalog(slot: SlotSnapshot): Promise<SlotSnapshot | undefined> {
    const stored = await this.get(slot.countryISO, slot.scheduleId);
    if (stored) await this.recordInCatalog(stored, undefined);
    return stored;
  }

  /** Writes the slot's centre, specialty and doctor where they differ from `previous`'s and from what this instance wrote lately. */
  private async recordInCatalog(slot: SlotSnapshot, previous: SlotSnapshot | undefined): Promise<void> {
    const unchanged = new Set(previous ? catalogEntries(previous).map((entry) => entry.json) : []);
    const now = Date.now();
    const due = catalogEntries(slot).filter((entry) => {
      const written = this.writtenEntries.get(entry.key);
      return !unchanged.has(entry.json) && !(written && written[0] === entry.json && now - written[1] < CATALOG_MEMORY_MS);
    });
    await Promise.all(due.map((entry) => this.putCatalogEntry(entry, now)));
  }

  private async putCatalogEntry(entry: CatalogEntry, now: number): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: entry.item }));
    this.writtenEntries.set(entry.key, [entry.json, now]);
  }
}

function slotKey(countryISO: CountryISO, scheduleId: number) {
  return { [PK]: `${slotReadModel.slotPrefix}${countryISO}#${scheduleId}`, [SK]: slotReadModel.slotSortKey };
}

/** The slot's item: its snapshot, its place in start order, and while FREE the partition of each free-slot index. */
function slotItem(slot: SlotSnapshot): Item {
  const filters = { specialtyId: slot.specialty.specialtyId, centreId: slot.centre.centreId, doctorId: slot.doctor.doctorId };
  const free: [string, string][] =
    slot.availability === 'FREE' ? freeSlotIndexes.map((index) => [index.name, freePartition(slot.countryISO, index, filters)]) : [];
  return {
    ...slotKey(slot.countryISO, slot.scheduleId),
    ...snapshotFields(slot),
    [FREE_AT]: freeAt(slot),
    ...Object.fromEntries(free),
  };
}

function snapshotFields(slot: SlotSnapshot): SlotSnapshot {
  const { countryISO, scheduleId, centre, specialty, doctor, startsAt, endsAt, availability, version } = slot;
  return { countryISO, scheduleId, centre, specialty, doctor, startsAt, endsAt, availability, version };
}

/** `<startsAt as UTC ISO>#<scheduleId, zero-padded>`: start order, and a fixed order among slots that start together. */
function freeAt(slot: Pick<SlotSnapshot, 'startsAt' | 'scheduleId'>): string {
  return `${new Date(slot.startsAt).toISOString()}#${String(slot.scheduleId).padStart(slotReadModel.scheduleIdDigits, '0')}`;
}

/** `PE|s:cardiologia|c:pe-clinica-x`: the country, then the index's filter values, each encoded so none can contain `|`. */
function freePartition(
  countryISO: CountryISO,
  index: FreeSlotIndex,
  values: Partial<Record<FreeSlotIndex['filters'][number], string>>,
): string {
  const parts = freeSlotFilters
    .filter((filter) => index.filters.includes(filter.field))
    .map((filter) => `${filter.label}:${encodeURIComponent(values[filter.field] ?? '')}`);
  return [countryISO, ...parts].join('|');
}

/** The position of `item` in `index`, as DynamoDB's LastEvaluatedKey would name it. */
function freeIndexKey(index: FreeSlotIndex, item: Item): Item {
  return { [PK]: item[PK], [SK]: item[SK], [index.name]: item[index.name], [FREE_AT]: item[FREE_AT] };
}

/** A cursor must name a slot of this index's partition inside the window, as a previous page of the same query gave it. */
function decodeFreeCursor(
  cursor: string,
  { countryISO, index, partition, from, to }: { countryISO: CountryISO; index: FreeSlotIndex; partition: string; from: string; to: string },
): Item {
  return decodeCursor(
    cursor,
    (key) => {
      const [, startsAt, scheduleId] = /^(.+)#(\d+)$/.exec(String(key[FREE_AT])) ?? [];
      return (
        Object.keys(key).length === 4 &&
        key[index.name] === partition &&
        key[SK] === slotReadModel.slotSortKey &&
        startsAt !== undefined &&
        startsAt >= from &&
        startsAt < to &&
        key[PK] === slotKey(countryISO, Number(scheduleId))[PK] &&
        key[FREE_AT] === freeAt({ startsAt, scheduleId: Number(scheduleId) })
      );
    },
    INVALID_TOKEN,
  );
}

function toSnapshot(item: Item): SlotSnapshot {
  return {
    countryISO: item.countryISO as CountryISO,
    scheduleId: item.scheduleId as number,
    centre: toCentre(item.centre as Item),
    specialty: toSpecialty(item.specialty as Item),
    doctor: toDoctor(item.doctor as Item),
    startsAt: item.startsAt as string,
    endsAt: item.endsAt as string,
    availability: item.availability as SlotSnapshot['availability'],
    version: item.version as number,
  };
}

type CatalogKind = 'CENTRE' | 'SPECIALTY' | 'DOCTOR';

function catalogPartition(countryISO: CountryISO): string {
  return `${slotReadModel.catalogPrefix}${countryISO}`;
}

/** A catalog item, its key as one string and the item as JSON: what recordInCatalog compares. */
interface CatalogEntry {
  readonly key: string;
  readonly item: Item;
  readonly json: string;
}

/** The slot's centre, specialty and doctor as catalog items: pk `CATALOG#<countryISO>`, sk `<kind>#<id>`. */
function catalogEntries(slot: SlotSnapshot): CatalogEntry[] {
  const entry = (kind: CatalogKind, id: string, fields: object): CatalogEntry => {
    const key = { [PK]: catalogPartition(slot.countryISO), [SK]: `${kind}#${id}` };
    const item = { ...key, ...fields };
    return { key: `${key[PK]}|${key[SK]}`, item, json: JSON.stringify(item) };
  };
  return [
    entry('CENTRE', slot.centre.centreId, toCentre(slot.centre)),
    entry('SPECIALTY', slot.specialty.specialtyId, toSpecialty(slot.specialty)),
    entry('DOCTOR', slot.doctor.doctorId, toDoctor(slot.doctor)),
  ];
}

// Field by field, so stored items' keys and index attributes never leak into answers.
function toCentre(item: Item | CatalogCentre): CatalogCentre {
  // Attributes in name order: the same centre then makes the same JSON, however the map came back (recordInCatalog compares them).
  const attributes = Object.entries(item.attributes as CatalogCentre['attributes']).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { centreId: item.centreId as string, name: item.name as string, attributes: Object.fromEntries(attributes) };
}

function toSpecialty(item: Item | CatalogSpecialty): CatalogSpecialty {
  return { specialtyId: item.specialtyId as string, name: item.name as string };
}

function toDoctor(item: Item | CatalogDoctor): CatalogDoctor {
  return { doctorId: item.doctorId as string, name: item.name as string };
}

/** By name as the country writes them (accents sort with their letter), then by id so equal names keep one order. */
function byName<Entry extends { readonly name: string }>(locale: string, idOf: (entry: Entry) => string) {
  const collator = new Intl.Collator(locale);
  return (a: Entry, b: Entry) => collator.compare(a.name, b.name) || collator.compare(idOf(a), idOf(b));
}
