/**
 * The slot read model's one DynamoDB table (issue 32), declared once for the adapter
 * (core/adapters/dynamodb-slot-read-model.ts), the CDK construct (infra/slot-read-model.ts) and the local stack.
 *
 * Base table, generic keys so slots and the catalog share it:
 * - a slot: pk `SLOT#<countryISO>#<scheduleId>`, sk `SLOT`;
 * - a catalog entry: pk `CATALOG#<countryISO>`, sk `CENTRE#<id>` | `SPECIALTY#<id>` | `DOCTOR#<id>`, so a
 *   country's catalog is one Query.
 *
 * Browsing free slots: one sparse global secondary index per combination of the optional filters (specialty,
 * centre, doctor: 8). A slot carries an index's partition attribute only while it is FREE, so the key condition
 * itself selects free slots and every page is full (a filter would return short pages). The value is the country
 * and the filter values in a fixed order, e.g. `PE|s:cardiologia|c:pe-clinica-x`.
 */
export const slotReadModel = {
  partitionKey: 'pk',
  sortKey: 'sk',
  slotPrefix: 'SLOT#',
  slotSortKey: 'SLOT',
  catalogPrefix: 'CATALOG#',
  /**
   * Every free-slot index's sort key: `<startsAt, UTC ISO>#<scheduleId, 10 digits>`. The UTC ISO form sorts
   * chronologically; the scheduleId orders slots that start together, so pages never reorder them (ours, not an
   * unspecified tiebreak). And since `<to>#…` sorts after `<to>`, `BETWEEN from AND to` means [from, to).
   */
  freeSortKey: 'freeAt',
  /** Digits of the scheduleId in `freeAt` (MySQL's INT UNSIGNED has at most 10). */
  scheduleIdDigits: 10,
} as const;

/** The optional filters of a free-slot query, in the order the partition values name them. */
export const freeSlotFilters = [
  { field: 'specialtyId', label: 's', name: 'Specialty' },
  { field: 'centreId', label: 'c', name: 'Centre' },
  { field: 'doctorId', label: 'd', name: 'Doctor' },
] as const;

export type FreeSlotFilter = (typeof freeSlotFilters)[number]['field'];

export interface FreeSlotIndex {
  /** The index's name, and the name of its partition key attribute. */
  readonly name: string;
  /** The filters its partition value carries, in `freeSlotFilters` order. */
  readonly filters: readonly FreeSlotFilter[];
}

/** `free` (no filter), `freeBySpecialty`, …, `freeBySpecialtyCentreDoctor`: every subset of the filters. */
export const freeSlotIndexes: readonly FreeSlotIndex[] = Array.from({ length: 2 ** freeSlotFilters.length }, (_, bits) => {
  const used = freeSlotFilters.filter((_, position) => bits & (1 << position));
  return { name: used.length === 0 ? 'free' : `freeBy${used.map((filter) => filter.name).join('')}`, filters: used.map((f) => f.field) };
});

/** The index whose filters are exactly the ones `query` sets (a GraphQL null, should one get this far, sets none). */
export function freeSlotIndexFor(query: { readonly [F in FreeSlotFilter]?: string }): FreeSlotIndex {
  const set = freeSlotFilters.filter((filter) => typeof query[filter.field] === 'string').map((filter) => filter.field);
  const index = freeSlotIndexes.find((candidate) => candidate.filters.join() === set.join());
  if (!index) throw new Error(`No free-slot index for the filters ${set.join(', ')}`);
  return index;
}

/** The CreateTable input the local stack and the tests use; the CDK construct builds the same keys and indexes. */
export function slotReadModelTableDefinition(tableName: string) {
  const string = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      slotReadModel.partitionKey,
      slotReadModel.sortKey,
      slotReadModel.freeSortKey,
      ...freeSlotIndexes.map((i) => i.name),
    ].map(string),
    KeySchema: [
      { AttributeName: slotReadModel.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: slotReadModel.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: freeSlotIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.name, KeyType: 'HASH' as const },
        { AttributeName: slotReadModel.freeSortKey, KeyType: 'RANGE' as const },
      ],
      // A page is then one Query: no fetch back from the base table.
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
