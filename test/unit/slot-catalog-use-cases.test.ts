import type { Caller } from '../../core/domain/caller';
import type { SlotSnapshot } from '../../core/domain/slots';
import type { CountryQueueMessage } from '../../core/messages/slot-messages';
import type { FreeSlotQuery, SlotReadModel } from '../../core/ports';
import { browseAvailableSlots, countryCatalog } from '../../core/use-cases/browse-available-slots';
import { manageSlotsInCountry } from '../../core/use-cases/manage-slots-in-country';
import { projectSlotAvailability } from '../../core/use-cases/project-slot-availability';
import { publishSlots } from '../../core/use-cases/publish-slots';
import { withdrawSlot } from '../../core/use-cases/withdraw-slot';
import { given } from '../steps/given';
import { aMirafloresCardiologySlot } from '../support/slot-publications';

/** The catalog's use cases with their ports in memory: who may change it, what is refused, what is answered. */

const NOW = new Date('2026-12-01T12:00:00Z');
const staff: Caller = { kind: 'staff', username: 'agente' };

const aSlot = aMirafloresCardiologySlot;

const aPublicationInput = () => ({
  countryISO: 'PE',
  centre: { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', peru: { district: 'Miraflores' } },
  specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
  doctor: { doctorId: 'dra-quispe', name: 'Dra. María Quispe' },
  sessions: [{ date: '2026-12-15', from: '10:30', to: '12:30', everyMinutes: 20 }],
});

function aReadModelHolding(...slots: SlotSnapshot[]): SlotReadModel & { queries: FreeSlotQuery[] } {
  const held = new Map(slots.map((slot) => [slot.scheduleId, slot]));
  const queries: FreeSlotQuery[] = [];
  return {
    queries,
    apply: (slot) => {
      const stored = held.get(slot.scheduleId);
      if (stored && stored.version >= slot.version) return Promise.resolve('stale');
      held.set(slot.scheduleId, slot);
      return Promise.resolve('applied');
    },
    get: (_countryISO, scheduleId) => Promise.resolve(held.get(scheduleId)),
    freeSlots: (query) => {
      queries.push(query);
      return Promise.resolve({ items: [...held.values()].filter((slot) => slot.availability === 'FREE') });
    },
    catalog: () => Promise.resolve({ centres: slots.map((slot) => slot.centre), specialties: [], doctors: [] }),
  };
}

const aTopic = () => {
  const sent: CountryQueueMessage[] = [];
  return { sent, publish: (message: CountryQueueMessage) => Promise.resolve(void sent.push(message)) };
};

describe('publishing slots', () => {
  it("given staff, when they publish a Lima doctor's morning, then the country is handed the publication and the answer gives its slots in Lima time", async () => {
    const requests = aTopic();

    const answer = await publishSlots(aPublicationInput(), staff, 'c-1', {
      requests,
      logger: given.aQuietLogger(),
      now: () => NOW,
      newPublicationId: () => 'p-1',
    });

    expect(answer).toEqual({
      publicationId: 'p-1',
      countryISO: 'PE',
      slotCount: 6,
      startsAt: '2026-12-15T10:30:00-05:00',
      endsAt: '2026-12-15T12:30:00-05:00',
    });
    expect(requests.sent).toEqual([
      expect.objectContaining({ type: 'SlotPublicationRequested', publicationId: 'p-1', countryISO: 'PE', correlationId: 'c-1' }),
    ]);
  });

  it.each<[string, Caller]>([
    ['an insured person', given.anInsuredCaller('00012')],
    ['the API key', given.aDeveloper()],
    ['an account of nobody', { kind: 'unlinked-user', username: 'x' }],
  ])('given %s, when they publish slots, then they are refused as Unauthorized and nothing is sent', async (_who, caller) => {
    const requests = aTopic();

    await expect(
      publishSlots(aPublicationInput(), caller, 'c-2', { requests, logger: given.aQuietLogger(), now: () => NOW }),
    ).rejects.toMatchObject({
      errorType: 'Unauthorized',
    });
    expect(requests.sent).toEqual([]);
  });

  it('given sessions that have already begun, when staff publish them, then a ValidationError says so and nothing is sent', async () => {
    const requests = aTopic();
    const late = new Date('2026-12-15T16:00:00Z');

    await expect(
      publishSlots(aPublicationInput(), staff, 'c-3', { requests, logger: given.aQuietLogger(), now: () => late }),
    ).rejects.toMatchObject({
      errorType: 'ValidationError',
    });
    expect(requests.sent).toEqual([]);
  });
});

describe('withdrawing a slot', () => {
  it('given a free slot, when staff withdraw it, then the country is asked to and the slot is answered', async () => {
    const requests = aTopic();

    const answer = await withdrawSlot({ countryISO: 'PE', scheduleId: 41 }, staff, 'c-4', {
      slots: aReadModelHolding(aSlot()),
      requests,
      logger: given.aQuietLogger(),
      now: () => NOW,
    });

    expect(answer).toMatchObject({ scheduleId: 41, startsAt: '2026-12-15T10:30:00-05:00' });
    expect(requests.sent).toEqual([
      { type: 'SlotWithdrawalRequested', countryISO: 'PE', scheduleId: 41, correlationId: 'c-4', requestedAt: NOW.toISOString() },
    ]);
  });

  it.each([
    { held: 'a booked slot', slot: aSlot({ availability: 'TAKEN' }), errorType: 'SlotHeldError' },
    { held: 'a withdrawn slot', slot: aSlot({ availability: 'WITHDRAWN' }), errorType: 'SlotNotFoundError' },
  ])('given $held, when staff withdraw it, then $errorType and nothing is sent', async ({ slot, errorType }) => {
    const requests = aTopic();

    await expect(
      withdrawSlot({ countryISO: 'PE', scheduleId: 41 }, staff, 'c-5', {
        slots: aReadModelHolding(slot),
        requests,
        logger: given.aQuietLogger(),
      }),
    ).rejects.toMatchObject({
      errorType,
    });
    expect(requests.sent).toEqual([]);
  });
});

describe('browsing', () => {
  it("given a window that began yesterday, when an app browses, then the read model is asked from now on and the slots come in the centre's zone", async () => {
    const slots = aReadModelHolding(aSlot());

    const page = await browseAvailableSlots(
      { countryISO: 'PE', from: '2026-11-30T00:00:00Z', to: '2026-12-20T00:00:00Z', specialtyId: 'cardiologia' },
      { slots, now: () => NOW },
    );

    expect(slots.queries).toEqual([{ countryISO: 'PE', from: NOW, to: new Date('2026-12-20T00:00:00Z'), specialtyId: 'cardiologia' }]);
    expect(page.items[0]).toMatchObject({
      startsAt: '2026-12-15T10:30:00-05:00',
      centre: { __typename: 'PeruCentre', district: 'Miraflores' },
    });
    expect(page.nextToken).toBeNull();
  });

  it.each([
    { why: 'to before from', args: { from: '2026-12-10T00:00:00Z', to: '2026-12-09T00:00:00Z' }, message: 'later than from' },
    { why: 'a window over 31 days', args: { from: '2026-12-10T00:00:00Z', to: '2027-01-20T00:00:00Z' }, message: '31 days' },
    { why: 'a limit over 100', args: { from: '2026-12-10T00:00:00Z', to: '2026-12-11T00:00:00Z', limit: 500 }, message: 'limit' },
    {
      why: 'a malformed specialty',
      args: { from: '2026-12-10T00:00:00Z', to: '2026-12-11T00:00:00Z', specialtyId: 'Not An Id' },
      message: 'specialtyId',
    },
  ])('given $why, when an app browses, then a ValidationError names it and the read model is not asked', async ({ args, message }) => {
    const slots = aReadModelHolding();

    const refusal: unknown = await browseAvailableSlots({ countryISO: 'PE', ...args }, { slots, now: () => NOW }).catch(
      (error: unknown) => error,
    );

    expect(refusal).toMatchObject({ errorType: 'ValidationError' });
    expect((refusal as Error).message).toContain(message);
    expect(slots.queries).toEqual([]);
  });

  it("given the catalog, when an app asks for it, then each centre comes as its country's type", async () => {
    const catalog = await countryCatalog({ countryISO: 'PE' }, { slots: aReadModelHolding(aSlot()) });

    expect(catalog.centres).toEqual([
      {
        __typename: 'PeruCentre',
        centreId: 'pe-clinica-miraflores',
        name: 'Clínica Miraflores',
        district: 'Miraflores',
        timeZone: 'America/Lima',
      },
    ]);
  });
});

describe('the country and the read model', () => {
  it('given a withdrawal a booking overtook, when the country answers held, then the slot is announced as it stands (taken)', async () => {
    const announced: unknown[] = [];
    const taken = aSlot({ availability: 'TAKEN', version: 3 });
    const slots = {
      countryISO: 'PE' as const,
      publish: jest.fn(),
      withdraw: () => Promise.resolve({ outcome: 'held' as const, slot: taken }),
      touch: jest.fn(),
      slot: jest.fn(),
    };

    await manageSlotsInCountry(
      { type: 'SlotWithdrawalRequested', countryISO: 'PE', scheduleId: 41, correlationId: 'c-6', requestedAt: NOW.toISOString() },
      { slots, availability: { announce: (change) => Promise.resolve(void announced.push(change)) }, logger: given.aQuietLogger() },
    );

    expect(announced).toEqual([{ ...taken, correlationId: 'c-6' }]);
  });

  it('given the read model holds version 3, when version 2 arrives late, then the slot stays as version 3 said', async () => {
    const slots = aReadModelHolding(aSlot({ availability: 'TAKEN', version: 3 }));

    await projectSlotAvailability(
      { ...aSlot({ availability: 'FREE', version: 2 }), correlationId: 'c-7' },
      { slots, subscribers: { publish: () => Promise.resolve() }, logger: given.aQuietLogger() },
    );

    expect(await slots.get('PE', 41)).toMatchObject({ availability: 'TAKEN', version: 3 });
  });
});
