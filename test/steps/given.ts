import type { Caller } from '../../core/domain/caller';
import { GROUPS_CLAIM, INSURED_ID_CLAIM } from '../../core/domain/caller';
import { randomUUID } from 'node:crypto';
import type { Appointment, CountryISO, PublishSlotsInput } from '../../core/graphql/types.generated';
import type { StructuredLogger } from '../../core/ports';
import type { AuthenticatedCaller } from '../../local/appsync/authentication';
import type { LocalStack, LocalStackOptions } from '../../local/stack';
import { newInsuredId } from '../support/insured-ids';
import { newScheduleId, reserveScheduleIds } from '../support/slots';
import { loadResolverFunctions, type AppointmentsApi, type BookingRequest } from './api';

/**
 * The "given" steps: who calls, on what slot, in which world. Every level (unit, integration,
 * pipeline, e2e, reliability) states its preconditions with these, so a test reads the same at each.
 */

/** A bookable slot: the key of a doctor's time at a centre, in the country whose schema decides who holds it. */
export interface Slot {
  readonly scheduleId: number;
  readonly countryISO: CountryISO;
}

/** A run of free slots reserved together, for suites that address their bookings by index. */
export interface FreeSlots {
  /** The `index`-th of the run, booked in `countryISO`. */
  at(index: number, countryISO: CountryISO): Slot;
}

const SLOTS_PER_TEST_DAY = 72;

/** A doctor of this call alone, at a test centre of the country, `days` days of 08:00–20:00 from 40 days ahead. */
function aDoctorsDays(countryISO: CountryISO, days: number): PublishSlotsInput {
  const id = `test-${randomUUID()}`;
  const centre =
    countryISO === 'PE'
      ? { centreId: 'pe-centro-de-pruebas', name: 'Centro de pruebas', peru: { district: 'Lince' } }
      : { centreId: 'cl-centro-de-pruebas', name: 'Centro de pruebas', chile: { commune: 'Ñuñoa', region: 'Región Metropolitana' } };
  const firstDay = Date.now() + 40 * 86_400_000;
  return {
    countryISO,
    centre,
    specialty: { specialtyId: 'medicina-general', name: 'Medicina General' },
    doctor: { doctorId: id, name: `Dr. Prueba ${id.slice(5, 13)}` },
    sessions: Array.from({ length: days }, (_, day) => ({
      date: new Date(firstDay + day * 86_400_000).toISOString().slice(0, 10),
      from: '08:00',
      to: '20:00',
      everyMinutes: 10,
    })),
  };
}

export const given = {
  /** An insured person no other test uses: a fresh 5-digit insuredId. */
  anInsuredPerson: (): string => newInsuredId(),

  /** `count` insured people no other test uses. */
  insuredPeople: (count: number): string[] => Array.from({ length: count }, () => newInsuredId()),

  /**
   * A slot in `countryISO` that no other test books. Every suite shares one MySQL, where a slot is held
   * once; this is the one place a test gets a slot, so when slots come from a catalog only this changes.
   */
  aFreeSlot: (countryISO: CountryISO = 'PE'): Slot => ({ scheduleId: newScheduleId(), countryISO }),

  /** `count` free slots reserved at once. */
  freeSlots(count: number): FreeSlots {
    const first = reserveScheduleIds(count);
    return {
      at: (index, countryISO) => {
        if (index < 0 || index >= count) throw new Error(`Slot ${index} is outside the ${count} reserved`);
        return { scheduleId: first + index, countryISO };
      },
    };
  },

  /**
   * `count` free slots of `countryISO`'s catalog that no other test books, soonest first: staff publish a doctor
   * of this call alone through the API (a day of 08:00–20:00 every 10 minutes, 72 slots, per day needed, from
   * 40 days ahead), and the slots are read back from availableSlots once the pipeline has stored them.
   */
  async catalogSlots(stack: LocalStack, countryISO: CountryISO, count: number): Promise<Slot[]> {
    const { apiClient } = await import('../../local/api-client');
    const staff = apiClient(stack, { token: await stack.issuer.issue({ staff: true }), timeoutMs: 30_000 });
    const publication = aDoctorsDays(countryISO, Math.ceil(count / SLOTS_PER_TEST_DAY));
    const published = await staff.publishSlots(publication);
    if (!published.data?.publishSlots) throw new Error(`Publishing test slots was refused: ${JSON.stringify(published.errors)}`);
    await stack.router.waitForIdle(120_000);
    const slots: Slot[] = [];
    let nextToken: string | undefined;
    const { startsAt: from, endsAt: to } = published.data.publishSlots;
    do {
      const page = await staff.availableSlots({ countryISO, from, to, doctorId: publication.doctor.doctorId, limit: 100, nextToken });
      if (!page.data) throw new Error(`Reading test slots failed: ${JSON.stringify(page.errors)}`);
      slots.push(...page.data.availableSlots.items.map((slot) => ({ scheduleId: slot.scheduleId, countryISO })));
      nextToken = page.data.availableSlots.nextToken ?? undefined;
    } while (nextToken && slots.length < count);
    if (slots.length < count) throw new Error(`Only ${slots.length} of ${count} test slots reached availableSlots`);
    return slots.slice(0, count);
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
