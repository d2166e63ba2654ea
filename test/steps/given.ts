import type { Caller } from '../../core/domain/caller';
import { GROUPS_CLAIM, INSURED_ID_CLAIM, STAFF_GROUP } from '../../core/domain/caller';
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MAX_SLOTS_PER_PUBLICATION } from '../../core/domain/slot-publication';
import type { Appointment, CountryISO, PublishSlotsInput } from '../../core/graphql/types.generated';
import type { CatalogCentre, CatalogDoctor, CatalogSpecialty, SlotSnapshot } from '../../core/domain/slots';
import type { SlotReadModel, StructuredLogger } from '../../core/ports';
import type { AuthenticatedCaller } from '../../local/appsync/authentication';
import type { LocalStack, LocalStackOptions } from '../../local/stack';
import { newInsuredId } from '../support/insured-ids';
import { newScheduleId, reserveScheduleIds } from '../support/slots';
import { cognitoIdentity } from '../../local/lambda/aws-events';
import { loadResolverFunctions, loadSlotCatalogFunctions, type AppointmentsApi, type BookingRequest, type InProcessCaller } from './api';

/**
 * The "given" steps: who calls, on what slot, in which world. Every level (unit, integration,
 * pipeline, e2e, reliability) states its preconditions with these, so a test reads the same at each.
 */

/** A bookable slot: the key of a doctor's time at a centre, in the country whose schema decides who holds it. */
export interface Slot {
  readonly scheduleId: number;
  readonly countryISO: CountryISO;
}

/** How many slots a suite needs of each country. */
export type SlotCounts = Partial<Record<CountryISO, number>>;

/**
 * Free slots of a catalog, published for one world (a local stack, or an in-process read model) and handed out
 * to its tests: `next` never hands a slot out twice, and `at` gives each index its own, so no test finds another's
 * booking on its slot.
 */
export interface FreeSlots {
  /** The `index`-th slot of `countryISO` (0 the soonest): for suites that address their bookings by index. */
  at(index: number, countryISO: CountryISO): Slot;
  /** A slot of `countryISO` not handed out before, taken from the latest down, so that it never meets one `at` handed out. */
  next(countryISO: CountryISO): Slot;
}

/** A world whose slot read model a test writes straight into: an in-process dynalite (test/support/dynamodb.ts), or a local stack's. */
export type SlotReadModelWorld = { readonly slotsTableName: string } & (
  { readonly client: DynamoDBClient } | { readonly dynamodbEndpoint: string }
);

/** A world whose appointments table a test writes straight into: an in-process dynalite (test/support/dynamodb.ts), or a local stack. */
export type AppointmentsTableWorld = { readonly tableName: string } & (
  { readonly client: DynamoDBClient } | { readonly dynamodbEndpoint: string; readonly router?: Pick<LocalStack['router'], 'sendMessage'> }
);

const HOUR_MS = 3_600_000;

/** A doctor's free slots as `given.aDoctorsFreeSlots` puts them in a catalog. */
export interface DoctorsSchedule {
  readonly countryISO: CountryISO;
  readonly doctor: CatalogDoctor;
  /** The test centre unless given; its country's attributes unless given too. */
  readonly centre?: Pick<CatalogCentre, 'centreId' | 'name'> & Partial<Pick<CatalogCentre, 'attributes'>>;
  /** General medicine unless given. */
  readonly specialty?: CatalogSpecialty;
  /** How many days from now the first slot is (on the whole hour after). */
  readonly daysAhead: number;
  readonly count: number;
  readonly everyMinutes?: number;
}

/** How staff publish a suite's slots. */
export interface PublishingOptions {
  /**
   * One day of the doctor's (72 slots) at a time, each stored and projected before the next is sent: for stacks whose
   * queues give a delivery a second only (the reliability suites' shortRetries), where a bigger publication, or a
   * batch of several, outlives its visibility timeout, comes back, and after its last receive waits in the DLQ.
   */
  readonly oneDayAtATime?: boolean;
}

/** 08:00–20:00 every 10 minutes: 72 slots a day. */
const SLOTS_PER_TEST_DAY = 72;
/** The days one publication may hold (at most MAX_SLOTS_PER_PUBLICATION slots; availableSlots reads 31 days at most). */
const DAYS_PER_PUBLICATION = Math.min(31, Math.floor(MAX_SLOTS_PER_PUBLICATION / SLOTS_PER_TEST_DAY));

/** A doctor's `days` days of 08:00–20:00 every 10 minutes, from `firstDay` days ahead, at a test centre of the country. */
function aDoctorsDays(
  countryISO: CountryISO,
  doctor: { doctorId: string; name: string },
  firstDay: number,
  days: number,
): PublishSlotsInput {
  const centre =
    countryISO === 'PE'
      ? { centreId: 'pe-centro-de-pruebas', name: 'Centro de pruebas', peru: { district: 'Lince' } }
      : { centreId: 'cl-centro-de-pruebas', name: 'Centro de pruebas', chile: { commune: 'Ñuñoa', region: 'Región Metropolitana' } };
  const first = Date.now() + firstDay * 86_400_000;
  return {
    countryISO,
    centre,
    specialty: { specialtyId: 'medicina-general', name: 'Medicina General' },
    doctor,
    sessions: Array.from({ length: days }, (_, day) => ({
      date: new Date(first + day * 86_400_000).toISOString().slice(0, 10),
      from: '08:00',
      to: '20:00',
      everyMinutes: 10,
    })),
  };
}

/** Hands out each country's slots: `at` from the soonest up, `next` from the latest down; asking past what was published fails the test. */
function handingOut(slots: Readonly<Partial<Record<CountryISO, readonly Slot[]>>>, where: string): FreeSlots {
  const takenByNext = new Map<CountryISO, number>();
  const highestAt = new Map<CountryISO, number>();
  const published = (countryISO: CountryISO) => slots[countryISO] ?? [];
  const tooFew = (countryISO: CountryISO, wanted: string) =>
    new Error(
      `${wanted}: only ${published(countryISO).length} ${countryISO} slots were put in ${where}; ask for more where the suite starts`,
    );
  return {
    at(index, countryISO) {
      const all = published(countryISO);
      if (!Number.isInteger(index) || index < 0 || index >= all.length - (takenByNext.get(countryISO) ?? 0))
        throw tooFew(countryISO, `Slot ${index} of ${countryISO}`);
      highestAt.set(countryISO, Math.max(index, highestAt.get(countryISO) ?? -1));
      return all[index]!;
    },
    next(countryISO) {
      const all = published(countryISO);
      const taken = takenByNext.get(countryISO) ?? 0;
      const index = all.length - 1 - taken;
      if (index <= (highestAt.get(countryISO) ?? -1))
        throw tooFew(countryISO, `Slot number ${taken + 1} of ${countryISO} handed out in turn`);
      takenByNext.set(countryISO, taken + 1);
      return all[index]!;
    },
  };
}

/** The world's slot read model, and how to let go of the client made for it. */
async function readModelOf(world: SlotReadModelWorld): Promise<{ model: SlotReadModel; close(): void }> {
  const [{ DynamoDbSlotReadModel }, { localDynamoDbClient }] = await Promise.all([
    import('../../core/adapters/dynamodb-slot-read-model'),
    import('../../local/dynamodb/dynalite'),
  ]);
  const client = 'client' in world ? world.client : localDynamoDbClient(world.dynamodbEndpoint);
  return { model: new DynamoDbSlotReadModel(client, world.slotsTableName), close: () => 'client' in world || client.destroy() };
}

export const given = {
  /** An insured person no other test uses: a fresh 5-digit insuredId. */
  anInsuredPerson: (): string => newInsuredId(),

  /** `count` insured people no other test uses. */
  insuredPeople: (count: number): string[] => Array.from({ length: count }, () => newInsuredId()),

  /**
   * A scheduleId that no catalog has and no other test books. The API refuses it; a country still books it, as it
   * books appointments made before the catalog existed: the country-level tests (MySQL adapters, the country
   * worker, messages sent straight to a country queue) take their slots here.
   */
  aSlotTheCatalogLacks: (countryISO: CountryISO = 'PE'): Slot => ({ scheduleId: newScheduleId(), countryISO }),

  /**
   * Free slots of `stack`'s catalogs, `counts` of each country, for a suite's tests to book: staff publish them
   * through the API (`catalogSlots`, both countries at once). Call it once, where the suite starts (beforeAll),
   * before anything the suite measures: publishing sends messages through the whole pipeline.
   */
  async freeSlotsIn(stack: LocalStack, counts: SlotCounts, options: PublishingOptions = {}): Promise<FreeSlots> {
    const entries = Object.entries(counts).filter(([, count]) => count !== undefined && count > 0) as [CountryISO, number][];
    const published: Slot[][] = [];
    if (options.oneDayAtATime)
      for (const [countryISO, count] of entries) published.push(await given.catalogSlots(stack, countryISO, count, options));
    else published.push(...(await Promise.all(entries.map(([countryISO, count]) => given.catalogSlots(stack, countryISO, count)))));
    return handingOut(Object.fromEntries(entries.map(([countryISO], index) => [countryISO, published[index]!])), "the stack's catalog");
  },

  /**
   * `count` free slots of `countryISO`'s catalog that no other test books, soonest first: staff publish a doctor
   * of this call alone through the API (days of 08:00–20:00 every 10 minutes, 72 slots a day, from 40 days
   * ahead, 13 days to a publication), and the slots are read back from availableSlots once the pipeline has
   * stored them. Suites take theirs through `freeSlotsIn`.
   */
  async catalogSlots(stack: LocalStack, countryISO: CountryISO, count: number, options: PublishingOptions = {}): Promise<Slot[]> {
    const { apiClient } = await import('../../local/api-client');
    const staff = apiClient(stack, { token: await stack.issuer.issue({ staff: true }), timeoutMs: 30_000 });
    const id = `test-${randomUUID()}`;
    const doctor = { doctorId: id, name: `Dr. Prueba ${id.slice(5, 13)}` };
    const days = Math.ceil(count / SLOTS_PER_TEST_DAY);
    const perPublication = options.oneDayAtATime ? 1 : DAYS_PER_PUBLICATION;
    const publications = Array.from({ length: Math.ceil(days / perPublication) }, (_, index) =>
      aDoctorsDays(countryISO, doctor, 40 + index * perPublication, Math.min(perPublication, days - index * perPublication)),
    );
    const publish = async (publication: PublishSlotsInput) => {
      const published = await staff.publishSlots(publication);
      if (!published.data?.publishSlots) throw new Error(`Publishing test slots was refused: ${JSON.stringify(published.errors)}`);
      return published.data.publishSlots;
    };
    const windows: { startsAt: string; endsAt: string }[] = [];
    if (options.oneDayAtATime) {
      for (const publication of publications) {
        windows.push(await publish(publication));
        await stack.router.waitForIdle(120_000);
      }
    } else {
      windows.push(...(await Promise.all(publications.map(publish))));
      await stack.router.waitForIdle(120_000);
    }
    const slots: Slot[] = [];
    for (const { startsAt: from, endsAt: to } of windows) {
      let nextToken: string | undefined;
      do {
        const page = await staff.availableSlots({ countryISO, from, to, doctorId: doctor.doctorId, limit: 100, nextToken });
        if (!page.data) throw new Error(`Reading test slots failed: ${JSON.stringify(page.errors)}`);
        slots.push(...page.data.availableSlots.items.map((slot) => ({ scheduleId: slot.scheduleId, countryISO })));
        nextToken = page.data.availableSlots.nextToken ?? undefined;
      } while (nextToken && slots.length < count);
    }
    if (slots.length < count) throw new Error(`Only ${slots.length} of ${count} test slots reached availableSlots`);
    return slots.slice(0, count);
  },

  /**
   * Free slots in an in-process world's catalog, `counts` of each country, a slot every 20 minutes from the first whole hour a week
   * ahead: written straight into its slot read model (no pipeline runs there). Their scheduleIds come from the
   * allocator of slots the catalog lacks, so a country worker of the world books them in the shared MySQL as it
   * books old data, beside every other suite's.
   */
  async slotsInTheCatalog(world: SlotReadModelWorld, counts: SlotCounts): Promise<FreeSlots> {
    const { aSlotSnapshot } = await import('../support/slot-publications');
    const { model, close } = await readModelOf(world);
    const firstStart = Math.ceil((Date.now() + 7 * 86_400_000) / HOUR_MS) * HOUR_MS;
    try {
      const slots: Partial<Record<CountryISO, Slot[]>> = {};
      for (const [countryISO, count = 0] of Object.entries(counts) as [CountryISO, number | undefined][]) {
        const first = reserveScheduleIds(count);
        const ofCountry = Array.from({ length: count }, (_, index) => ({ scheduleId: first + index, countryISO }));
        for (const [index, slot] of ofCountry.entries())
          await model.apply(aSlotSnapshot(countryISO, slot.scheduleId, new Date(firstStart + index * 20 * 60_000)));
        slots[countryISO] = ofCountry;
      }
      return handingOut(slots, 'the catalog');
    } finally {
      close();
    }
  },

  /**
   * A slot of `countryISO`'s catalog that began on the whole hour before last and is still free: written into the world's read
   * model as a publication of days ago would have left it (staff cannot publish a slot that has begun).
   */
  async aSlotThatHasBegun(world: SlotReadModelWorld, countryISO: CountryISO = 'PE'): Promise<Slot> {
    const { aSlotSnapshot } = await import('../support/slot-publications');
    const { model, close } = await readModelOf(world);
    try {
      const slot = given.aSlotTheCatalogLacks(countryISO);
      await model.apply(aSlotSnapshot(countryISO, slot.scheduleId, new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS)));
      return slot;
    } finally {
      close();
    }
  },

  /**
   * A free slot of `countryISO`'s catalog that starts `minutesAhead` from now: written into the world's read model as a
   * publication would have left it (its country's MySQL lacks it, and books it as it books the appointments made before
   * the catalog), for the rules on late changes, which publishing through the pipeline takes too long to reach.
   */
  async aSlotStartingIn(world: SlotReadModelWorld, countryISO: CountryISO, minutesAhead: number): Promise<Slot> {
    const { aSlotSnapshot } = await import('../support/slot-publications');
    const { model, close } = await readModelOf(world);
    try {
      const slot = given.aSlotTheCatalogLacks(countryISO);
      await model.apply(aSlotSnapshot(countryISO, slot.scheduleId, new Date(Date.now() + minutesAhead * 60_000)));
      return slot;
    } finally {
      close();
    }
  },

  /**
   * A doctor's free slots in an in-process world's catalog, as its country would have announced them once staff
   * published them: `count` slots, one every `everyMinutes` (20 by default) from the first whole hour `daysAhead`
   * days from now, at `centre` for `specialty` (the test centre and general medicine unless given). Written
   * straight into the world's slot read model; the slots as it holds them, soonest first.
   */
  async aDoctorsFreeSlots(world: SlotReadModelWorld, schedule: DoctorsSchedule): Promise<SlotSnapshot[]> {
    const { aSlotSnapshot } = await import('../support/slot-publications');
    const { countryISO, daysAhead, count, everyMinutes = 20 } = schedule;
    const { model, close } = await readModelOf(world);
    const firstStart = Math.ceil((Date.now() + daysAhead * 86_400_000) / HOUR_MS) * HOUR_MS;
    const first = reserveScheduleIds(count);
    const slots = Array.from({ length: count }, (_, index) => {
      const slot = aSlotSnapshot(countryISO, first + index, new Date(firstStart + index * everyMinutes * 60_000));
      return {
        ...slot,
        doctor: schedule.doctor,
        ...(schedule.specialty && { specialty: schedule.specialty }),
        ...(schedule.centre && { centre: { ...slot.centre, ...schedule.centre } }),
      };
    });
    try {
      for (const slot of slots) await model.apply(slot);
      return slots;
    } finally {
      close();
    }
  },

  /**
   * The slot's country announced it `availability` (TAKEN: an appointment holds it; WITHDRAWN: staff took it out),
   * and the world's read model holds that newer version: it is no longer a free slot. The slot as held now.
   */
  async theSlotBecame(world: SlotReadModelWorld, slot: Slot, availability: SlotSnapshot['availability']): Promise<SlotSnapshot> {
    const { model, close } = await readModelOf(world);
    try {
      const held = await model.get(slot.countryISO, slot.scheduleId);
      if (!held) throw new Error(`The catalog has no slot ${slot.countryISO} ${slot.scheduleId} to change`);
      const changed = { ...held, availability, version: held.version + 1 };
      await model.apply(changed);
      return changed;
    } finally {
      close();
    }
  },

  /**
   * An appointment as the version before the catalog stored it, PENDING on a slot no catalog has (that version took
   * any scheduleId): its item without `slot` and its claim on the slot, written straight into the world's
   * appointments table. In a local stack its request also goes to its country's queue, as that version published
   * it, so the stack goes on to decide it.
   */
  async anAppointmentBookedBeforeTheCatalog(
    world: AppointmentsTableWorld,
    booking: { readonly insuredId: string; readonly countryISO: CountryISO },
  ): Promise<Appointment> {
    const [{ DynamoDBDocumentClient, PutCommand }, { localDynamoDbClient }, { appointmentsTable }, { ulid }] = await Promise.all([
      import('@aws-sdk/lib-dynamodb'),
      import('../../local/dynamodb/dynalite'),
      import('../../core/config/appointments-table'),
      import('ulid'),
    ]);
    const createdAt = new Date().toISOString();
    const appointment = {
      appointmentId: ulid(),
      ...booking,
      scheduleId: given.aSlotTheCatalogLacks(booking.countryISO).scheduleId,
      status: 'PENDING',
      createdAt,
      updatedAt: createdAt,
    } as const;
    const client = 'client' in world ? world.client : localDynamoDbClient(world.dynamodbEndpoint);
    const documents = DynamoDBDocumentClient.from(client);
    try {
      await documents.send(new PutCommand({ TableName: world.tableName, Item: appointment }));
      const claim = `${appointmentsTable.slotClaimPrefix}${appointment.countryISO}#${appointment.scheduleId}`;
      await documents.send(
        new PutCommand({
          TableName: world.tableName,
          Item: {
            [appointmentsTable.partitionKey]: appointment.insuredId,
            [appointmentsTable.sortKey]: claim,
            heldBy: appointment.appointmentId,
          },
        }),
      );
    } finally {
      if (!('client' in world)) client.destroy();
    }
    if ('router' in world && world.router) {
      const { topology } = await import('../../core/config/topology');
      const { status: _status, updatedAt: _updatedAt, ...request } = appointment;
      world.router.sendMessage(
        topology.countryRoutes.find((route) => route.countryISO === booking.countryISO)!.queueName,
        JSON.stringify({ type: 'AppointmentRequested', ...request, correlationId: `before-the-catalog-${appointment.appointmentId}` }),
        { [topology.appointmentRequests.routingAttribute]: { dataType: 'String', stringValue: booking.countryISO } },
      );
    }
    return { ...appointment, rejectionReason: null, slot: null, pendingReschedule: null, movedFrom: [] };
  },

  /** The local stack as `npm start` runs it, on the test run's MySQL, its log lines dropped unless LOCAL_STACK_LOGS is set. */
  async aLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
    // Loaded when asked: the unit tests take their steps from here without loading a stack or MySQL's driver.
    const [{ startLocalStack }, { testMysqlUrl }] = await Promise.all([import('../../local/stack'), import('../support/mysql')]);
    return startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, mysqlUrl: testMysqlUrl, ...options });
  },

  /** The stack's user pool token of an insured person, as their app holds it once they signed in. */
  aSignedInInsuredPerson: (stack: LocalStack, insuredId: string): Promise<string> => stack.issuer.issue({ insuredId }),

  /** The stack's user pool token of a member of staff (the call centre's group): may act for any insured person. */
  staff: (stack: LocalStack): Promise<string> => stack.issuer.issue({ staff: true }),

  /** The resolver functions loaded as Lambda loads them, configured by `env`; see `inProcess` to call them. */
  theResolverFunctions: loadResolverFunctions,

  /** The slot catalog's resolver functions loaded as Lambda loads them, configured by `env`; see `inProcessCatalog` to call them. */
  theSlotCatalogFunctions: loadSlotCatalogFunctions,

  /** AppSync's identity of a signed-in member of staff (the call centre's group), for calls in this process. */
  aStaffMemberSignedIn: (): InProcessCaller => ({
    identity: cognitoIdentity({ username: 'agent-rosa', claims: { [GROUPS_CLAIM]: [STAFF_GROUP] }, groups: [STAFF_GROUP] }),
  }),

  /** AppSync's identity of a signed-in insured person (no group), for calls in this process. */
  anInsuredPersonSignedIn: (insuredId: string): InProcessCaller => ({
    identity: cognitoIdentity({ username: `insured-${insuredId}`, claims: { [INSURED_ID_CLAIM]: insuredId }, groups: null }),
  }),

  /** An appointment booked through `api`, as its answer gave it (PENDING); a refusal fails the test here. */
  async aBooking(api: AppointmentsApi, request: BookingRequest): Promise<Appointment> {
    const answer = await api.bookAppointment(request);
    if (!answer.appointment) throw new Error(`Booking refused: ${JSON.stringify(answer.errors)}`);
    return answer.appointment;
  },

  /** A logger the code under test may write to and nobody reads: no output, every call kept by jest. */
  aQuietLogger: (): jest.Mocked<StructuredLogger> => ({ info: jest.fn(), warn: jest.fn(), error: jest.fn() }),

  /** An insured person as the use cases see them (core's Caller): signed in, their token carrying their insuredId. */
  anInsuredCaller: (insuredId: string): Caller => ({ kind: 'insured', username: 'ana', insuredId }),

  /** A developer with the API key, as the use cases see them: acts as staff. */
  aDeveloper: (): Caller => ({ kind: 'developer' }),

  /**
   * An insured person as the local AppSync executor authenticates them from a verified user pool
   * token (`groups`: their Cognito groups, when they have any).
   */
  anInsuredAppSyncCaller: (insuredId: string, groups?: string[]): AuthenticatedCaller => ({
    mode: 'AMAZON_COGNITO_USER_POOLS',
    claims: {
      sub: `sub-${insuredId}`,
      iss: 'https://cognito-idp.local/pool',
      username: `insured-${insuredId}`,
      token_use: 'access',
      [INSURED_ID_CLAIM]: insuredId,
      ...(groups ? { [GROUPS_CLAIM]: groups } : {}),
    },
  }),
};
