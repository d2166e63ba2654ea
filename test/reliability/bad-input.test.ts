import type { Pool, RowDataPacket } from 'mysql2/promise';
import { AppointmentStatus } from '../../core/domain/appointment';
import { countries } from '../../core/domain/countries';
import { apiClient, type GraphqlResponse } from '../../local/api-client';
import type { RouterEvent } from '../../local/router/router';
import type { LocalStack } from '../../local/stack';
import { describeWithMysql, testPool } from '../support/mysql';
import { given, type Slot } from '../steps';
import { asDeployed, printCounts, startReliabilityStack, storedAppointments, type SuiteCounts } from './support';

/** This suite's slot, published for its stack where the suite starts: a row carrying it could only come from a request of this suite. */
let suiteSlot: Slot;
/** A slot the catalog lacks, and one that began an hour ago: both refused at once. */
let unknownSlot: Slot;
let begunSlot: Slot;
const valid = () => ({ insuredId: '00012', scheduleId: suiteSlot.scheduleId, countryISO: 'PE' });
const BOOK = 'mutation Book($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointmentId status } }';

/**
 * Who refuses the request: the resolver (a ValidationError naming every broken field),
 * or AppSync's own GraphQL validation (wrong types, missing or unknown fields) before any resolver runs.
 */
type RefusedBy = 'resolver' | 'graphql';
interface BadRequest {
  readonly refusedBy: RefusedBy;
  /**
   * What the error message must name: the broken field, or what AppSync names instead. For a null or
   * missing input field AppSync (graphql-java 9) names the variable and the field's type; for an unknown
   * input field, only the input type (local/appsync/validation-errors.ts).
   */
  readonly names: readonly string[];
  /** The mutation's input, sent as the $input variable as client libraries send it (made when sent: the suite's slot is published first)... */
  readonly input?: () => Record<string, unknown> | null;
  /** ...or a whole request with the input inline. */
  readonly query?: () => string;
}

const withInput = (
  changes: Record<string, unknown> | (() => Record<string, unknown>),
  refusedBy: RefusedBy,
  ...names: string[]
): BadRequest => ({
  input: () => ({ ...valid(), ...(typeof changes === 'function' ? changes() : changes) }),
  refusedBy,
  names,
});
const without = (field: keyof ReturnType<typeof valid>, type: string): BadRequest => ({
  input: () => {
    const { [field]: _left, ...rest } = valid();
    return rest;
  },
  refusedBy: 'graphql',
  names: ['input', type],
});
const inline = (input: () => string, ...names: string[]): BadRequest => ({
  query: () => `mutation { createAppointment(${input()}) { appointmentId } }`,
  refusedBy: 'graphql',
  names,
});

const BAD_REQUESTS: Record<string, BadRequest> = {
  'insuredId of 4 digits': withInput({ insuredId: '0012' }, 'resolver', 'insuredId'),
  'insuredId of 6 digits': withInput({ insuredId: '000123' }, 'resolver', 'insuredId'),
  'insuredId empty': withInput({ insuredId: '' }, 'resolver', 'insuredId'),
  'insuredId with a leading space': withInput({ insuredId: ' 00012' }, 'resolver', 'insuredId'),
  'insuredId with a trailing space': withInput({ insuredId: '00012 ' }, 'resolver', 'insuredId'),
  'insuredId with a trailing newline': withInput({ insuredId: '00012\n' }, 'resolver', 'insuredId'),
  'insuredId in Arabic-Indic digits': withInput({ insuredId: '٠٠٠١٢' }, 'resolver', 'insuredId'),
  'insuredId in full-width digits': withInput({ insuredId: '０００１２' }, 'resolver', 'insuredId'),
  'insuredId in Devanagari digits': withInput({ insuredId: '०००१२' }, 'resolver', 'insuredId'),
  'insuredId of letters': withInput({ insuredId: 'ABCDE' }, 'resolver', 'insuredId'),
  'insuredId signed': withInput({ insuredId: '-1234' }, 'resolver', 'insuredId'),
  'insuredId as a decimal': withInput({ insuredId: '1.234' }, 'resolver', 'insuredId'),
  'insuredId of 100,000 digits': withInput({ insuredId: '1'.repeat(100_000) }, 'resolver', 'insuredId'),
  'insuredId with a NUL byte': withInput({ insuredId: '0001\u0000' }, 'resolver', 'insuredId'),
  'insuredId as SQL injection': withInput({ insuredId: "00012' OR '1'='1" }, 'resolver', 'insuredId'),
  'insuredId as a DROP TABLE': withInput({ insuredId: '1; DROP TABLE appointments; --' }, 'resolver', 'insuredId'),
  'insuredId as a script': withInput({ insuredId: '<script>alert(1)</script>' }, 'resolver', 'insuredId'),
  'insuredId as a template lookup': withInput({ insuredId: '${jndi:ldap://x/a}' }, 'resolver', 'insuredId'),
  'insuredId as a number': withInput({ insuredId: 12 }, 'graphql', 'insuredId'),
  'insuredId null': withInput({ insuredId: null }, 'graphql', 'input', 'String!'),
  'insuredId as a list': withInput({ insuredId: ['00012'] }, 'graphql', 'insuredId'),
  'scheduleId zero': withInput({ scheduleId: 0 }, 'resolver', 'scheduleId'),
  'scheduleId negative': withInput({ scheduleId: -1 }, 'resolver', 'scheduleId'),
  'scheduleId the most negative 32-bit integer': withInput({ scheduleId: -2_147_483_648 }, 'resolver', 'scheduleId'),
  'scheduleId fractional': withInput({ scheduleId: 1.5 }, 'graphql', 'scheduleId'),
  'scheduleId above 32 bits': withInput({ scheduleId: 2_147_483_648 }, 'graphql', 'scheduleId'),
  'scheduleId of 10^12': withInput({ scheduleId: 1e12 }, 'graphql', 'scheduleId'),
  'scheduleId as a string': withInput({ scheduleId: '100' }, 'graphql', 'scheduleId'),
  'scheduleId null': withInput({ scheduleId: null }, 'graphql', 'input', 'Int!'),
  'countryISO lowercase': withInput({ countryISO: 'pe' }, 'graphql', 'countryISO'),
  'countryISO mixed case': withInput({ countryISO: 'Cl' }, 'graphql', 'countryISO'),
  'countryISO unknown': withInput({ countryISO: 'AR' }, 'graphql', 'countryISO'),
  'countryISO of three letters': withInput({ countryISO: 'PER' }, 'graphql', 'countryISO'),
  'countryISO empty': withInput({ countryISO: '' }, 'graphql', 'countryISO'),
  'countryISO with surrounding spaces': withInput({ countryISO: ' PE ' }, 'graphql', 'countryISO'),
  'countryISO as SQL injection': withInput({ countryISO: "PE' OR '1'='1" }, 'graphql', 'countryISO'),
  'insuredId and scheduleId both broken': withInput({ insuredId: '1', scheduleId: 0 }, 'resolver', 'insuredId', 'scheduleId'),
  'insuredId missing': without('insuredId', 'String!'),
  'scheduleId missing': without('scheduleId', 'Int!'),
  'countryISO missing': without('countryISO', 'CountryISO!'),
  "scheduleId its country's catalog lacks": withInput(
    () => ({ scheduleId: unknownSlot.scheduleId }),
    'resolver',
    'scheduleId',
    'availableSlots',
  ),
  'a slot that has begun': withInput(() => ({ scheduleId: begunSlot.scheduleId }), 'resolver', 'has not begun'),
  'an unknown field': withInput({ status: 'COMPLETED' }, 'graphql', 'CreateAppointmentInput'),
  'no input at all': { input: () => null, refusedBy: 'graphql', names: ['input'] },
  'an unknown field, inline': inline(
    () => `input: { insuredId: "00012", scheduleId: ${suiteSlot.scheduleId}, countryISO: PE, appointmentId: "X" }`,
    'appointmentId',
  ),
  'a missing field, inline': inline(() => `input: { insuredId: "00012", countryISO: PE }`, 'scheduleId'),
  'an unknown argument, inline': inline(
    () => `input: { insuredId: "00012", scheduleId: ${suiteSlot.scheduleId}, countryISO: PE }, status: COMPLETED`,
    'status',
  ),
};

describeWithMysql('reliability: bad input over HTTP', () => {
  const startedAt = Date.now();
  const counts: SuiteCounts<'invalid' | 'refusedByResolver' | 'refusedByGraphql' | 'stored' | 'published'> = {
    sent: 0,
    completed: 0,
    rows: 0,
    inDlq: 0,
    redriven: 0,
    invalid: 0,
    refusedByResolver: 0,
    refusedByGraphql: 0,
    stored: 0,
    published: 0,
  };
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let pool: Pool;
  /** What the router saw since the current request: anything at all means something was sent on. */
  const routed: RouterEvent[] = [];

  beforeAll(async () => {
    stack = await startReliabilityStack({ adjustQueue: asDeployed });
    suiteSlot = (await given.freeSlotsIn(stack, { PE: 1 })).next('PE');
    unknownSlot = given.aSlotTheCatalogLacks('PE');
    begunSlot = await given.aSlotThatHasBegun(stack, 'PE');
    stack.router.on('event', (event) => routed.push(event));
    api = apiClient(stack);
    pool = testPool();
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    await pool?.end();
    printCounts('bad-input', counts, startedAt);
  });

  beforeEach(() => {
    routed.length = 0;
  });

  /**
   * Rows, in any country schema, for this suite's slot. Each country numbers its own catalog, so another schema may
   * hold a slot of the same number: there, only a row that names the suite's country would be this suite's.
   */
  async function rowsForSuiteSlot(): Promise<string[]> {
    const ids: string[] = [];
    for (const country of Object.values(countries)) {
      const [rows] = await pool.query<RowDataPacket[]>(
        'SELECT appointment_id FROM ??.appointments WHERE schedule_id = ? AND (? OR country_iso = ?)',
        [country.mysqlSchema, suiteSlot.scheduleId, country.iso === suiteSlot.countryISO, suiteSlot.countryISO],
      );
      ids.push(...rows.map((row) => row.appointment_id as string));
    }
    return ids;
  }

  it.each(Object.entries(BAD_REQUESTS))(
    '%s: one GraphQL error that names the field; nothing stored, published or inserted',
    async (_name, bad) => {
      // Given a request that breaks a rule

      // When it is sent to the API
      const answer: GraphqlResponse<unknown> = bad.query
        ? await api.request(bad.query())
        : await api.request(BOOK, { input: bad.input?.() });
      counts.sent += 1;
      counts.invalid += 1;

      // Then it is refused with a GraphQL error whose message names each broken field, and no data
      expect(answer.status).toBe(200);
      expect(answer.data ?? null).toBeNull();
      const [error, ...others] = answer.errors ?? [];
      expect(others).toEqual([]);
      for (const field of bad.names) expect(error?.message).toContain(field);
      if (bad.refusedBy === 'resolver') {
        // by the resolver, as a ValidationError
        expect(error).toMatchObject({ errorType: 'ValidationError', path: ['createAppointment'] });
        counts.refusedByResolver += 1;
      } else {
        // by GraphQL validation, before any resolver ran: no field's path (AppSync writes `path: null`)
        expect(error?.path ?? null).toBeNull();
        expect(error?.errorType).not.toBe('ValidationError');
        counts.refusedByGraphql += 1;
      }

      // And nothing was stored, published or inserted
      const stored = await storedAppointments(stack);
      counts.stored += stored.length;
      counts.published += routed.length;
      expect(stored).toEqual([]);
      expect(routed).toEqual([]);
      expect(await rowsForSuiteSlot()).toEqual([]);
    },
  );

  it('the same checks see a valid booking of the same slot: stored, published and inserted', async () => {
    // When the valid request the bad ones were made from is sent
    const answer = await api.request<{ createAppointment: { appointmentId: string; status: string } }>(BOOK, { input: valid() });
    await stack.router.waitForIdle(15_000);
    counts.sent += 1;
    const appointmentId = answer.data?.createAppointment.appointmentId ?? '';

    // Then it is accepted, stored, published and inserted: the checks above would have caught any of it
    expect(answer.errors).toBeUndefined();
    expect(await storedAppointments(stack)).toEqual([expect.objectContaining({ appointmentId, status: AppointmentStatus.COMPLETED })]);
    expect(routed).toContainEqual(expect.objectContaining({ type: 'published' }));
    expect(await rowsForSuiteSlot()).toEqual([appointmentId]);
    counts.completed += 1;
    counts.rows += 1;
  });
});
