import { mockClient } from 'aws-sdk-client-mock';
import { environment } from '../../core/config/environment';
import type { SlotSnapshot } from '../../core/domain/slots';
import type { PublishSlotsInput, Slot as SlotAnswer } from '../../core/graphql/types.generated';
import { startTestTable, type TestTable } from '../support/dynamodb';
import {
  given,
  inProcessCatalog,
  then,
  when,
  type BrowseRequest,
  type FreeSlots,
  type PublicationRequest,
  type SlotCatalogApi,
  type SlotCatalogFunctions,
} from '../steps';

/**
 * The slot catalog's four resolver functions in this process, each behind its APPSYNC_JS resolver as AppSync calls
 * it: apps browse the free slots and the catalog of the read model (a dynalite table, written straight: no pipeline
 * runs here), staff publish sessions and withdraw slots, which hands a message to SNS (stubbed) for the country.
 * What AppSync itself refuses before a function runs (the API key on a staff mutation, by its auth directives) is
 * test/e2e/slot-catalog.test.ts's; here the functions' own refusal is asserted, for a caller that gets past AppSync.
 */

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:appointment-requests';
const DAY_MS = 86_400_000;
let table: TestTable;
let functions: SlotCatalogFunctions;
/** An app browsing with the API key. */
let app: SlotCatalogApi;
/** A signed-in member of the call centre's staff. */
let staff: SlotCatalogApi;
let sns: ReturnType<typeof mockClient>;
let PublishCommand: typeof import('@aws-sdk/client-sns').PublishCommand;

beforeAll(async () => {
  table = await startTestTable();
  const loaded = given.theSlotCatalogFunctions({
    ...table.lambdaEnv,
    [environment.slotsTableName]: table.slotsTableName,
    [environment.appointmentRequestsTopicArn]: TOPIC_ARN,
  });
  functions = loaded.functions;
  app = when.over(inProcessCatalog(functions));
  staff = when.over(inProcessCatalog(functions, given.aStaffMemberSignedIn()));
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

/** What SNS was asked to publish: each message as its country's queue receives it, with the attribute its subscription filters on. */
const published = () =>
  sns.commandCalls(PublishCommand).map((call) => ({
    topicArn: call.args[0].input.TopicArn,
    countryAttribute: call.args[0].input.MessageAttributes?.countryISO?.StringValue,
    message: JSON.parse(String(call.args[0].input.Message)) as Record<string, unknown>,
  }));

/** `iso` (UTC) as Lima's clock reads it: Peru keeps -05:00 all year. */
const inLima = (iso: string) => `${new Date(Date.parse(iso) - 5 * 3_600_000).toISOString().slice(0, 19)}-05:00`;
/** The centre's calendar date `days` from now (far enough ahead that no test meets midnight). */
const daysAhead = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);
/** Soonest first, and among slots that start together by scheduleId: the order availableSlots promises. */
const soonestFirst = (slots: readonly SlotSnapshot[]) =>
  [...slots].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt) || a.scheduleId - b.scheduleId).map((slot) => slot.scheduleId);
const scheduleIdsOf = (slots: readonly SlotAnswer[]) => slots.map((slot) => slot.scheduleId);

describe('Query.availableSlots and Query.catalog: an app browsing the catalog', () => {
  const sanIsidro = { centreId: 'pe-clinica-san-isidro', name: 'Clínica San Isidro', attributes: { district: 'San Isidro' } };
  const miraflores = { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', attributes: { district: 'Miraflores' } };
  const providencia = {
    centreId: 'cl-clinica-providencia',
    name: 'Clínica Providencia',
    attributes: { commune: 'Providencia', region: 'Región Metropolitana' },
  };
  const cardiology = { specialtyId: 'cardiologia', name: 'Cardiología' };
  const generalMedicine = { specialtyId: 'medicina-general', name: 'Medicina general' };
  const quispe = { doctorId: 'dra-rosa-quispe', name: 'Rosa Quispe' };
  const ramos = { doctorId: 'dr-pedro-ramos', name: 'Pedro Ramos' };
  const alvarez = { doctorId: 'dra-angela-alvarez', name: 'Ángela Álvarez' };
  const soto = { doctorId: 'dra-carmen-soto', name: 'Carmen Soto' };

  /** Each doctor's slots the app may book (FREE), as the read model holds them. */
  let free: { quispe: SlotSnapshot[]; ramos: SlotSnapshot[]; alvarez: SlotSnapshot[]; soto: SlotSnapshot[] };
  let booked: SlotSnapshot;
  let withdrawn: SlotSnapshot;
  /** The day of those slots in Lima: from the whole hour before the first to a day later. */
  let theDay: { from: string; to: string };

  beforeAll(async () => {
    // Given three Lima doctors' slots 20 days ahead (two of them cardiologists at two centres), one Santiago doctor's,
    // one of Dr Quispe's slots booked and one of Dr Ramos's withdrawn by staff
    const quispes = await given.aDoctorsFreeSlots(table, {
      countryISO: 'PE',
      doctor: quispe,
      centre: sanIsidro,
      specialty: cardiology,
      daysAhead: 20,
      count: 4,
    });
    const ramoss = await given.aDoctorsFreeSlots(table, {
      countryISO: 'PE',
      doctor: ramos,
      centre: sanIsidro,
      specialty: generalMedicine,
      daysAhead: 20,
      count: 3,
      everyMinutes: 30,
    });
    const alvarezs = await given.aDoctorsFreeSlots(table, {
      countryISO: 'PE',
      doctor: alvarez,
      centre: miraflores,
      specialty: cardiology,
      daysAhead: 20,
      count: 2,
    });
    const sotos = await given.aDoctorsFreeSlots(table, {
      countryISO: 'CL',
      doctor: soto,
      centre: providencia,
      specialty: cardiology,
      daysAhead: 20,
      count: 2,
    });
    booked = await given.theSlotBecame(table, quispes[3]!, 'TAKEN');
    withdrawn = await given.theSlotBecame(table, ramoss[2]!, 'WITHDRAWN');
    free = { quispe: quispes.slice(0, 3), ramos: ramoss.slice(0, 2), alvarez: alvarezs, soto: sotos };
    const first = Date.parse(quispes[0]!.startsAt);
    theDay = { from: new Date(first - 3_600_000).toISOString(), to: new Date(first + DAY_MS).toISOString() };
  });

  const allOfLima = () => [...free.quispe, ...free.ramos, ...free.alvarez];

  it("given three Lima doctors' free slots, when an app browses Lima's day, then it is offered every free slot once, soonest first, each in Lima's clock at a PeruCentre with its district", async () => {
    const page = then.offered(await app.browseFreeSlots({ countryISO: 'PE', ...theDay }));

    expect(scheduleIdsOf(page.items)).toEqual(soonestFirst(allOfLima()));
    expect(page.nextToken).toBeNull();
    const first = free.quispe[0]!;
    expect(page.items.find((slot) => slot.scheduleId === first.scheduleId)).toEqual({
      scheduleId: first.scheduleId,
      countryISO: 'PE',
      startsAt: inLima(first.startsAt),
      endsAt: inLima(first.endsAt),
      centre: {
        __typename: 'PeruCentre',
        centreId: 'pe-clinica-san-isidro',
        name: 'Clínica San Isidro',
        timeZone: 'America/Lima',
        district: 'San Isidro',
      },
      specialty: cardiology,
      doctor: quispe,
    });
  });

  it('given a slot booked and a slot withdrawn, when an app browses, then neither is offered', async () => {
    const page = then.offered(await app.browseFreeSlots({ countryISO: 'PE', ...theDay }));

    expect(scheduleIdsOf(page.items)).not.toContain(booked.scheduleId);
    expect(scheduleIdsOf(page.items)).not.toContain(withdrawn.scheduleId);
  });

  it("given a Santiago doctor's slots, when an app browses Chile, then only hers are offered, at a ChileCentre with its commune and region in Santiago's clock", async () => {
    const page = then.offered(await app.browseFreeSlots({ countryISO: 'CL', ...theDay }));

    expect(scheduleIdsOf(page.items)).toEqual(soonestFirst(free.soto));
    expect(page.items[0]).toMatchObject({
      countryISO: 'CL',
      startsAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00-0[34]:00$/) as unknown,
      centre: {
        __typename: 'ChileCentre',
        centreId: 'cl-clinica-providencia',
        timeZone: 'America/Santiago',
        commune: 'Providencia',
        region: 'Región Metropolitana',
      },
      doctor: soto,
    });
  });

  it.each<[string, Partial<BrowseRequest>, (slot: SlotSnapshot) => boolean]>([
    ['a specialty', { specialtyId: 'cardiologia' }, (slot) => slot.specialty.specialtyId === 'cardiologia'],
    ['a centre', { centreId: 'pe-clinica-miraflores' }, (slot) => slot.centre.centreId === 'pe-clinica-miraflores'],
    ['a doctor', { doctorId: 'dr-pedro-ramos' }, (slot) => slot.doctor.doctorId === 'dr-pedro-ramos'],
    [
      'a specialty at a centre',
      { specialtyId: 'cardiologia', centreId: 'pe-clinica-san-isidro' },
      (slot) => slot.specialty.specialtyId === 'cardiologia' && slot.centre.centreId === 'pe-clinica-san-isidro',
    ],
    [
      'a specialty, a centre and a doctor',
      { specialtyId: 'cardiologia', centreId: 'pe-clinica-miraflores', doctorId: 'dra-angela-alvarez' },
      (slot) => slot.doctor.doctorId === 'dra-angela-alvarez',
    ],
  ])(
    'given the Lima day, when an app browses the slots of %s, then it is offered exactly those free slots, soonest first',
    async (_filter, filters, wanted) => {
      const page = then.offered(await app.browseFreeSlots({ countryISO: 'PE', ...theDay, ...filters }));

      expect(scheduleIdsOf(page.items)).toEqual(soonestFirst(allOfLima().filter(wanted)));
      expect(page.items.length).toBeGreaterThan(0);
    },
  );

  it("given a doctor's three free slots, when an app browses from the second's start to the third's, then only the second is offered (from is included, to is not)", async () => {
    const [, second, third] = free.quispe;

    const page = then.offered(
      await app.browseFreeSlots({ countryISO: 'PE', from: second!.startsAt, to: third!.startsAt, doctorId: quispe.doctorId }),
    );

    expect(scheduleIdsOf(page.items)).toEqual([second!.scheduleId]);
  });

  it('given a free slot that has begun, when an app browses from before its start, then it is not offered', async () => {
    const begun = await given.aSlotThatHasBegun(table, 'PE');

    const page = then.offered(
      await app.browseFreeSlots({
        countryISO: 'PE',
        from: new Date(Date.now() - 3 * 3_600_000).toISOString(),
        to: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );

    expect(scheduleIdsOf(page.items)).not.toContain(begun.scheduleId);
    expect(page.items).toEqual([]);
  });

  it("given the Lima day's 7 free slots, when an app pages 2 at a time, then every slot comes once in order, and the last page has no nextToken", async () => {
    const pages: SlotAnswer[][] = [];
    let nextToken: string | null | undefined;
    do {
      const page = then.offered(await app.browseFreeSlots({ countryISO: 'PE', ...theDay, limit: 2, nextToken }));
      pages.push(page.items);
      nextToken = page.nextToken;
    } while (nextToken && pages.length < 10);

    expect(pages.map((items) => items.length)).toEqual([2, 2, 2, 1]);
    expect(pages.flatMap(scheduleIdsOf)).toEqual(soonestFirst(allOfLima()));
  });

  it('given no limit, when an app browses, then a page holds at most 20 slots', async () => {
    const many = await given.aDoctorsFreeSlots(table, {
      countryISO: 'PE',
      doctor: { doctorId: 'dr-muchos-turnos', name: 'Dr. Muchos Turnos' },
      daysAhead: 25,
      count: 21,
      everyMinutes: 10,
    });

    const page = then.offered(
      await app.browseFreeSlots({
        countryISO: 'PE',
        from: many[0]!.startsAt,
        to: new Date(Date.parse(many[0]!.startsAt) + DAY_MS).toISOString(),
        doctorId: 'dr-muchos-turnos',
      }),
    );

    expect(scheduleIdsOf(page.items)).toEqual(soonestFirst(many).slice(0, 20));
    expect(page.nextToken).toEqual(expect.any(String));
  });

  it("given a nextToken of one query, when an app sends it with another doctor's filter, then a ValidationError tells it to pass the token unchanged with the same filters", async () => {
    const { nextToken } = then.offered(await app.browseFreeSlots({ countryISO: 'PE', ...theDay, limit: 1 }));
    expect(nextToken).toEqual(expect.any(String));

    const answer = await app.browseFreeSlots({ countryISO: 'PE', ...theDay, doctorId: ramos.doctorId, nextToken });

    then.refusedWith(answer, 'ValidationError', {
      message: 'nextToken is not valid for this query: pass the nextToken of the previous page unchanged',
      path: ['availableSlots'],
    });
  });

  it.each<[string, BrowseRequest, string | RegExp]>([
    ['a made-up nextToken', { nextToken: 'not-a-token' }, /^nextToken is not valid for this query/],
    ['a limit of 0', { limit: 0 }, 'limit must be a whole number from 1 to 100'],
    ['a limit of 101', { limit: 101 }, 'limit must be a whole number from 1 to 100'],
    ['a fractional limit', { limit: 2.5 }, 'limit must be a whole number from 1 to 100'],
    ['an unknown country', { countryISO: 'AR' }, 'countryISO must be one of PE, CL'],
    ['a doctorId that is no catalog id', { doctorId: 'Dra Quispe' }, 'doctorId must be an id of the catalog'],
    ['a from that is no date', { from: 'next tuesday' }, 'from must be a date and time'],
    ['a to before from', { to: '2020-01-01T00:00:00Z' }, 'to must be later than from'],
    ['a window of 32 days', { to: new Date(Date.now() + 40 * DAY_MS).toISOString() }, 'may span at most 31 days'],
  ])('given %s, when an app browses, then a ValidationError says why', async (_case, mistake, message) => {
    const answer = await app.browseFreeSlots({
      countryISO: 'PE',
      from: new Date(Date.now() + 8 * DAY_MS).toISOString(),
      to: new Date(Date.now() + 9 * DAY_MS).toISOString(),
      ...mistake,
    });

    then.refusedWith(answer, 'ValidationError', { message, path: ['availableSlots'] });
  });

  it("given the Lima doctors' slots, when an app reads Peru's catalog, then it lists their specialties, centres (PeruCentre, with district) and doctors, each once, in Spanish name order", async () => {
    const catalog = then.theCatalogRead(await app.readTheCatalog('PE'));

    const ours = <Entry>(entries: readonly Entry[], idOf: (entry: Entry) => string, ids: readonly string[]) =>
      entries.filter((entry) => ids.includes(idOf(entry)));
    expect(catalog.countryISO).toBe('PE');
    expect(ours(catalog.specialties, (specialty) => specialty.specialtyId, ['cardiologia', 'medicina-general'])).toEqual([
      cardiology,
      generalMedicine,
    ]);
    expect(ours(catalog.centres, (centre) => centre.centreId, [sanIsidro.centreId, miraflores.centreId])).toEqual([
      {
        __typename: 'PeruCentre',
        centreId: miraflores.centreId,
        name: 'Clínica Miraflores',
        timeZone: 'America/Lima',
        district: 'Miraflores',
      },
      {
        __typename: 'PeruCentre',
        centreId: sanIsidro.centreId,
        name: 'Clínica San Isidro',
        timeZone: 'America/Lima',
        district: 'San Isidro',
      },
    ]);
    // Ángela sorts with the A's, not after the Z's as the code points have it
    expect(ours(catalog.doctors, (doctor) => doctor.doctorId, [quispe.doctorId, ramos.doctorId, alvarez.doctorId])).toEqual([
      alvarez,
      ramos,
      quispe,
    ]);
  });

  it("given a Santiago doctor's slots, when an app reads Chile's catalog, then it lists her centre as a ChileCentre, and nothing of Peru's", async () => {
    const catalog = then.theCatalogRead(await app.readTheCatalog('CL'));

    expect(catalog.countryISO).toBe('CL');
    expect(catalog.doctors).toContainEqual(soto);
    expect(catalog.doctors.map((doctor) => doctor.doctorId)).not.toContain(quispe.doctorId);
    expect(catalog.centres).toEqual([
      {
        __typename: 'ChileCentre',
        centreId: providencia.centreId,
        name: 'Clínica Providencia',
        timeZone: 'America/Santiago',
        commune: 'Providencia',
        region: 'Región Metropolitana',
      },
    ]);
  });

  it('given a country that is not served, when an app reads its catalog, then a ValidationError names the countries', async () => {
    then.refusedWith(await app.readTheCatalog('pe'), 'ValidationError', { message: 'countryISO must be one of PE, CL', path: ['catalog'] });
  });
});

describe('Mutation.publishSlots: staff publish a doctor’s sessions', () => {
  /** A Lima doctor's morning 10 days ahead, 09:00 to 10:00 every 20 minutes: three slots. */
  const aLimaMorning = (): PublishSlotsInput => ({
    countryISO: 'PE',
    centre: { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', peru: { district: 'Miraflores' } },
    specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
    doctor: { doctorId: 'dra-rosa-quispe', name: 'Rosa Quispe' },
    sessions: [{ date: daysAhead(10), from: '09:00', to: '10:00', everyMinutes: 20 }],
  });

  it("given a Lima doctor's morning, when staff publish it, then they are told its three slots' span in Lima's clock, and Peru is handed the publication", async () => {
    const input = aLimaMorning();
    const date = input.sessions[0]!.date;
    const withTheirCorrelationId = when.over(
      inProcessCatalog(functions, { ...given.aStaffMemberSignedIn(), headers: { 'x-correlation-id': 'staff-req-1' } }),
    );

    const publication = then.publicationAccepted(await withTheirCorrelationId.publishSlots(input));

    expect(publication).toEqual({
      publicationId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/) as unknown,
      countryISO: 'PE',
      slotCount: 3,
      startsAt: `${date}T09:00:00-05:00`,
      endsAt: `${date}T10:00:00-05:00`,
    });
    expect(published()).toEqual([
      {
        topicArn: TOPIC_ARN,
        countryAttribute: 'PE',
        message: {
          type: 'SlotPublicationRequested',
          publicationId: publication.publicationId,
          countryISO: 'PE',
          correlationId: 'staff-req-1',
          publication: {
            countryISO: 'PE',
            centre: { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', attributes: { district: 'Miraflores' } },
            specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
            doctor: { doctorId: 'dra-rosa-quispe', name: 'Rosa Quispe' },
            sessions: [{ date, from: '09:00', to: '10:00', everyMinutes: 20 }],
          },
        },
      },
    ]);
  });

  it("given a Santiago doctor's afternoon, when staff publish it, then Chile is handed it, with the centre's commune and region", async () => {
    const input: PublishSlotsInput = {
      countryISO: 'CL',
      centre: {
        centreId: 'cl-clinica-providencia',
        name: 'Clínica Providencia',
        chile: { commune: 'Providencia', region: 'Metropolitana' },
      },
      specialty: { specialtyId: 'pediatria', name: 'Pediatría' },
      doctor: { doctorId: 'dra-carmen-soto', name: 'Carmen Soto' },
      sessions: [{ date: daysAhead(12), from: '15:00', to: '16:30', everyMinutes: 30 }],
    };

    const publication = then.publicationAccepted(await staff.publishSlots(input));

    expect(publication).toMatchObject({
      countryISO: 'CL',
      slotCount: 3,
      startsAt: expect.stringMatching(new RegExp(`^${input.sessions[0]!.date}T15:00:00-0[34]:00$`)) as unknown,
    });
    expect(published()).toEqual([
      expect.objectContaining({
        countryAttribute: 'CL',
        message: expect.objectContaining({
          type: 'SlotPublicationRequested',
          countryISO: 'CL',
          publication: expect.objectContaining({
            centre: {
              centreId: 'cl-clinica-providencia',
              name: 'Clínica Providencia',
              attributes: { commune: 'Providencia', region: 'Metropolitana' },
            },
          }) as unknown,
        }) as unknown,
      }),
    ]);
  });

  it.each<[string, (input: PublishSlotsInput) => PublicationRequest, string | RegExp]>([
    [
      "a Lima centre given Chile's attributes",
      (input) => ({ ...input, centre: { centreId: 'pe-clinica-x', name: 'X', chile: { commune: 'Ñuñoa', region: 'Metropolitana' } } }),
      'centre.chile is for CL centres; a PE centre gives its district in centre.peru',
    ],
    [
      'a session that has begun',
      (input) => ({ ...input, sessions: [{ date: daysAhead(-1), from: '09:00', to: '10:00', everyMinutes: 20 }] }),
      'has already begun',
    ],
    [
      'a session that ends before it starts',
      (input) => ({ ...input, sessions: [{ date: daysAhead(10), from: '10:00', to: '09:00', everyMinutes: 20 }] }),
      'from must be earlier than to',
    ],
    [
      'slots of 3 minutes',
      (input) => ({ ...input, sessions: [{ date: daysAhead(10), from: '09:00', to: '10:00', everyMinutes: 3 }] }),
      'everyMinutes must be at least 5',
    ],
    [
      'a time with an offset',
      (input) => ({ ...input, sessions: [{ date: daysAhead(10), from: '09:00Z', to: '10:00', everyMinutes: 20 }] }),
      'without an offset',
    ],
    ['no sessions', (input) => ({ ...input, sessions: [] }), 'sessions must name at least one session'],
    [
      'a doctorId in capitals',
      (input) => ({ ...input, doctor: { doctorId: 'Dra-Quispe', name: 'Rosa Quispe' } }),
      /^doctor\.doctorId must be 1 to 64 lowercase/,
    ],
    [
      'more than 1,000 slots',
      (input) => ({
        ...input,
        sessions: Array.from({ length: 5 }, (_, day) => ({ date: daysAhead(10 + day), from: '00:00', to: '23:55', everyMinutes: 5 })),
      }),
      'at most 1000 in one publication',
    ],
  ])(
    'given %s, when staff publish it, then a ValidationError says why and nothing is handed to the country',
    async (_case, broken, message) => {
      const answer = await staff.publishSlots(broken(aLimaMorning()));

      then.refusedWith(answer, 'ValidationError', { message, path: ['publishSlots'] });
      expect(published()).toEqual([]);
    },
  );

  it.each([
    ['an insured person', given.anInsuredPersonSignedIn('00012')],
    ['a developer with the API key', {}],
  ])('given %s, when they publish sessions, then they get Unauthorized and nothing is handed to the country', async (_who, caller) => {
    const answer = await when.over(inProcessCatalog(functions, caller)).publishSlots(aLimaMorning());

    then.refusedWith(answer, 'Unauthorized', { message: 'only signed-in members of the agents group may change the catalog' });
    expect(published()).toEqual([]);
  });

  it('given SNS refuses the publish, when staff publish, then they are told to try again, as a booking is, and get no publication they could believe accepted', async () => {
    sns.on(PublishCommand).rejects(new Error('SNS is unavailable'));

    const answer = await staff.publishSlots(aLimaMorning());

    expect(answer.publication).toBeUndefined();
    then.refusedWith(answer, 'SchedulingUnavailableError', {
      message: 'The publication could not be sent to its country, and no slot was made. Please try again.',
    });
  });
});

describe('Mutation.withdrawSlot: staff take a slot out of the catalog', () => {
  let slots: FreeSlots;

  beforeAll(async () => {
    slots = await given.slotsInTheCatalog(table, { PE: 10, CL: 5 });
  });

  it('given a free slot, when staff withdraw it, then they are told which slot it is, in its centre’s clock, and its country is asked to withdraw it', async () => {
    const slot = slots.next('PE');
    const withTheirCorrelationId = when.over(
      inProcessCatalog(functions, { ...given.aStaffMemberSignedIn(), headers: { 'x-correlation-id': 'staff-req-2' } }),
    );

    const withdrawn = then.withdrawalAccepted(await withTheirCorrelationId.withdrawSlot(slot));

    expect(withdrawn).toMatchObject({
      scheduleId: slot.scheduleId,
      countryISO: 'PE',
      startsAt: expect.stringMatching(/-05:00$/) as unknown,
      centre: { __typename: 'PeruCentre', centreId: 'centro-de-pruebas', district: 'San Borja' },
      doctor: { doctorId: 'doctor-de-pruebas', name: 'Dra. Prueba' },
    });
    expect(published()).toEqual([
      {
        topicArn: TOPIC_ARN,
        countryAttribute: 'PE',
        message: {
          type: 'SlotWithdrawalRequested',
          countryISO: 'PE',
          scheduleId: slot.scheduleId,
          correlationId: 'staff-req-2',
          requestedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/) as unknown,
        },
      },
    ]);
  });

  it('given a Santiago slot, when staff withdraw it, then Chile is asked, not Peru', async () => {
    const slot = slots.next('CL');

    then.withdrawalAccepted(await staff.withdrawSlot(slot));

    expect(published()).toEqual([
      expect.objectContaining({
        countryAttribute: 'CL',
        message: expect.objectContaining({ countryISO: 'CL', scheduleId: slot.scheduleId }) as unknown,
      }),
    ]);
  });

  it('given a slot an appointment holds, when staff withdraw it, then a SlotHeldError tells them to cancel the appointment first, and nothing is asked', async () => {
    const slot = slots.next('PE');
    await given.theSlotBecame(table, slot, 'TAKEN');

    const answer = await staff.withdrawSlot(slot);

    then.refusedWith(answer, 'SlotHeldError', {
      message: `Slot ${slot.scheduleId} is booked: it can be withdrawn once its appointment is cancelled.`,
      path: ['withdrawSlot'],
    });
    expect(published()).toEqual([]);
  });

  it.each([
    ['a slot withdrawn already', async () => given.theSlotBecame(table, slots.next('PE'), 'WITHDRAWN')],
    ['a slot its catalog lacks', () => Promise.resolve(given.aSlotTheCatalogLacks('PE'))],
    ["a slot of Chile's catalog named as Peru's", () => Promise.resolve({ ...slots.next('CL'), countryISO: 'PE' as const })],
  ])(
    'given %s, when staff withdraw it, then a SlotNotFoundError says the catalog has no such slot, and nothing is asked',
    async (_case, slotOf) => {
      const { scheduleId } = await slotOf();

      const answer = await staff.withdrawSlot({ countryISO: 'PE', scheduleId });

      then.refusedWith(answer, 'SlotNotFoundError', { message: `PE has no slot ${scheduleId} in its catalog.` });
      expect(published()).toEqual([]);
    },
  );

  it.each<[string, { countryISO: string; scheduleId: unknown }, string]>([
    ['a scheduleId of 0', { countryISO: 'PE', scheduleId: 0 }, 'scheduleId must be a positive whole number'],
    ['a fractional scheduleId', { countryISO: 'PE', scheduleId: 1.5 }, 'scheduleId must be a whole number'],
    ['an unknown country', { countryISO: 'AR', scheduleId: 1 }, 'countryISO must be one of PE, CL'],
  ])('given %s, when staff withdraw it, then a ValidationError says why and nothing is asked', async (_case, slot, message) => {
    then.refusedWith(await staff.withdrawSlot(slot), 'ValidationError', { message });
    expect(published()).toEqual([]);
  });

  it('given an insured person, when they withdraw a free slot, then they get Unauthorized, the slot stays free and nothing is asked', async () => {
    const slot = slots.next('PE');
    const insured = when.over(inProcessCatalog(functions, given.anInsuredPersonSignedIn('00012')));

    const answer = await insured.withdrawSlot(slot);

    then.refusedWith(answer, 'Unauthorized', { message: 'Not authorized to withdraw slots' });
    expect(published()).toEqual([]);
    const stillOffered = then.offered(
      await app.browseFreeSlots({
        countryISO: 'PE',
        from: new Date(Date.now() + 6 * DAY_MS).toISOString(),
        to: new Date(Date.now() + 9 * DAY_MS).toISOString(),
        doctorId: 'doctor-de-pruebas',
        limit: 100,
      }),
    );
    expect(scheduleIdsOf(stillOffered.items)).toContain(slot.scheduleId);
  });

  it('given SNS refuses the request, when staff withdraw a free slot, then they are told it is still in the catalog and to try again', async () => {
    sns.on(PublishCommand).rejects(new Error('SNS is unavailable'));
    const slot = slots.next('PE');

    const answer = await staff.withdrawSlot(slot);

    expect(answer.withdrawn).toBeUndefined();
    then.refusedWith(answer, 'SchedulingUnavailableError', {
      message: `The withdrawal could not be sent to PE, and slot ${slot.scheduleId} is still in the catalog. Please try again.`,
    });
  });
});
