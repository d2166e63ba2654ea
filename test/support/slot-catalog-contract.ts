import type { SlotSnapshot } from '../../core/domain/slots';
import type { CountryISO } from '../../core/graphql/types.generated';
import type { CountryAppointmentStore, CountrySlotCatalog } from '../../core/ports';
import { bookingRequest, cancellationOf, moveOf } from './country-messages';
import { aSlotPublication } from './slot-publications';

/** A country's catalog and the store that books its slots, sharing one database (or one memory). */
export interface CountryUnderTest {
  readonly catalog: CountrySlotCatalog;
  readonly appointments: CountryAppointmentStore;
}

/**
 * The rules every CountrySlotCatalog keeps with its CountryAppointmentStore (ports.ts), run against each
 * implementation: MysqlSlotCatalog on MariaDB (test/integration) and the in-memory one (test/unit).
 * `countryUnderTest` gives a fresh catalog and store of the country.
 */
export function itKeepsTheSlotCatalogRules(countryUnderTest: (countryISO: CountryISO) => CountryUnderTest): void {
  /** A published slot of its own: the first of a fresh publication's. */
  async function aPublishedSlot(country: CountryUnderTest, countryISO: CountryISO = 'PE'): Promise<SlotSnapshot> {
    const [slot] = await country.catalog.publish(aSlotPublication(countryISO));
    return slot!;
  }

  it("given a Peruvian doctor's morning, when published, then each slot is answered FREE at version 1, its times in UTC, with its centre, specialty and doctor", async () => {
    const publication = aSlotPublication('PE');

    const slots = await countryUnderTest('PE').catalog.publish(publication);

    // Lima is UTC-5 all year: 08:00 and 08:30 local.
    expect(slots.map(({ startsAt, endsAt }) => [startsAt, endsAt])).toEqual([
      ['2027-03-16T13:00:00.000Z', '2027-03-16T13:30:00.000Z'],
      ['2027-03-16T13:30:00.000Z', '2027-03-16T14:00:00.000Z'],
    ]);
    for (const slot of slots) {
      expect(slot).toEqual({
        countryISO: 'PE',
        scheduleId: expect.any(Number) as unknown,
        centre: publication.centre,
        specialty: publication.specialty,
        doctor: publication.doctor,
        startsAt: expect.any(String) as unknown,
        endsAt: expect.any(String) as unknown,
        availability: 'FREE',
        version: 1,
      });
    }
    expect(slots[1]!.scheduleId).not.toBe(slots[0]!.scheduleId);
  });

  it("given a Chilean centre, when its doctor's morning is published, then the slots are in UTC by Santiago's offset that day and carry Chile's centre attributes", async () => {
    const publication = aSlotPublication('CL');

    const slots = await countryUnderTest('CL').catalog.publish(publication);

    // Santiago keeps summer time (UTC-3) until April.
    expect(slots.map((slot) => slot.startsAt)).toEqual(['2027-03-16T11:00:00.000Z', '2027-03-16T11:30:00.000Z']);
    expect(slots[0]).toMatchObject({
      countryISO: 'CL',
      centre: { attributes: { commune: 'Providencia', region: 'Metropolitana de Santiago' } },
    });
  });

  it('given published sessions, when the same sessions are published again with the names changed, then no second slot is made, ids and versions stay, and the new names are answered', async () => {
    const country = countryUnderTest('PE');
    const publication = aSlotPublication('PE');
    const first = await country.catalog.publish(publication);

    const again = await country.catalog.publish({
      ...publication,
      centre: { ...publication.centre, name: 'Clínica San Borja (sede nueva)', attributes: { district: 'Surquillo' } },
      doctor: { ...publication.doctor, name: 'Dra. María Quispe' },
    });

    expect(again.map((slot) => [slot.scheduleId, slot.version, slot.availability])).toEqual(
      first.map((slot) => [slot.scheduleId, slot.version, slot.availability]),
    );
    expect(again[0]).toMatchObject({
      centre: { name: 'Clínica San Borja (sede nueva)', attributes: { district: 'Surquillo' } },
      doctor: { name: 'Dra. María Quispe' },
    });
    expect(await country.catalog.slot(first[0]!.scheduleId)).toEqual(again[0]);
  });

  it('given a slot of a doctor at one centre, when another centre publishes the same doctor at the same start, then the existing slot is kept and answered, and the new start is added', async () => {
    const country = countryUnderTest('PE');
    const publication = aSlotPublication('PE');
    const [existing] = await country.catalog.publish(publication);
    const elsewhere = aSlotPublication('PE', {
      doctor: publication.doctor,
      sessions: [{ date: '2027-03-16', from: '08:00', to: '08:40', everyMinutes: 20 }],
    });

    const slots = await country.catalog.publish(elsewhere);

    expect(slots.map((slot) => [slot.startsAt, slot.centre.centreId])).toEqual([
      ['2027-03-16T13:00:00.000Z', publication.centre.centreId],
      ['2027-03-16T13:20:00.000Z', elsewhere.centre.centreId],
    ]);
    expect(slots[0]).toEqual(existing);
  });

  it('given a free slot, when it is booked, then the decision answers it TAKEN at a higher version; cancelled, FREE at a higher one still', async () => {
    const country = countryUnderTest('PE');
    const slot = await aPublishedSlot(country);
    const booking = bookingRequest('PE', { scheduleId: slot.scheduleId });

    const booked = await country.appointments.book(booking);
    const cancelled = await country.appointments.cancel(cancellationOf(booking));

    expect(booked).toEqual({
      row: { status: 'SCHEDULED', scheduleId: slot.scheduleId },
      slots: [{ ...slot, availability: 'TAKEN', version: slot.version + 1 }],
    });
    expect(cancelled).toEqual({
      row: { status: 'CANCELLED', scheduleId: slot.scheduleId },
      slots: [{ ...slot, availability: 'FREE', version: slot.version + 2 }],
    });
    expect(await country.catalog.slot(slot.scheduleId)).toEqual(cancelled.slots[0]);
  });

  it('given a booked slot, when the booking is delivered again, then the decision stands and the slot is answered again at a higher version', async () => {
    const country = countryUnderTest('PE');
    const slot = await aPublishedSlot(country);
    const booking = bookingRequest('PE', { scheduleId: slot.scheduleId });
    await country.appointments.book(booking);

    const again = await country.appointments.book(booking);

    expect(again).toEqual({
      row: { status: 'SCHEDULED', scheduleId: slot.scheduleId },
      slots: [{ ...slot, availability: 'TAKEN', version: slot.version + 2 }],
    });
  });

  it('given a free slot, when it is touched, then it is answered as stored at a higher version', async () => {
    const country = countryUnderTest('PE');
    const slot = await aPublishedSlot(country);

    expect(await country.catalog.touch(slot.scheduleId)).toEqual({ ...slot, version: slot.version + 1 });
  });

  it('given a free slot, when it is withdrawn, then it is WITHDRAWN at the next version; withdrawn again, the same snapshot', async () => {
    const country = countryUnderTest('PE');
    const slot = await aPublishedSlot(country);

    const withdrawn = await country.catalog.withdraw(slot.scheduleId);
    const again = await country.catalog.withdraw(slot.scheduleId);

    expect(withdrawn).toEqual({ outcome: 'withdrawn', slot: { ...slot, availability: 'WITHDRAWN', version: slot.version + 1 } });
    expect(again).toEqual(withdrawn);
  });

  it('given a slot an appointment holds, when it is withdrawn, then the answer is held with the slot TAKEN and unchanged, and its holder keeps it', async () => {
    const country = countryUnderTest('PE');
    const slot = await aPublishedSlot(country);
    const booking = bookingRequest('PE', { scheduleId: slot.scheduleId });
    const {
      slots: [taken],
    } = await country.appointments.book(booking);

    const outcome = await country.catalog.withdraw(slot.scheduleId);

    expect(outcome).toEqual({ outcome: 'held', slot: taken });
    expect(await country.catalog.slot(slot.scheduleId)).toEqual(taken);
    expect((await country.appointments.book(booking)).row.status).toBe('SCHEDULED');
  });

  it('given a withdrawn slot, when someone books it, then the booking is REJECTED and the slot stays WITHDRAWN', async () => {
    const country = countryUnderTest('PE');
    const slot = await aPublishedSlot(country);
    const { slot: withdrawn } = await country.catalog.withdraw(slot.scheduleId);

    const { row, slots } = await country.appointments.book(bookingRequest('PE', { scheduleId: slot.scheduleId }));

    expect(row.status).toBe('REJECTED');
    expect(slots).toEqual([{ ...withdrawn, version: withdrawn!.version + 1 }]);
  });

  it('given a scheduleId the catalog lacks (booked before the catalog), then bookings of it behave as before, and the catalog knows nothing of it', async () => {
    const country = countryUnderTest('CL');
    const booking = bookingRequest('CL');

    expect(await country.appointments.book(booking)).toEqual({ row: { status: 'SCHEDULED', scheduleId: booking.scheduleId }, slots: [] });
    expect((await country.appointments.book(bookingRequest('CL', { insuredId: '00013', scheduleId: booking.scheduleId }))).row.status).toBe(
      'REJECTED',
    );

    expect(await country.catalog.slot(booking.scheduleId)).toBeUndefined();
    expect(await country.catalog.touch(booking.scheduleId)).toBeUndefined();
    expect(await country.catalog.withdraw(booking.scheduleId)).toEqual({ outcome: 'unknown' });
  });

  describe('moves (rescheduleAppointment): the new slot taken and the old one freed at once, or nothing changed', () => {
    /** Two free slots of one fresh publication, and a booking holding the first. */
    async function aBookingAndAFreeSlot(country: CountryUnderTest) {
      const [held, free] = await country.catalog.publish(aSlotPublication('PE'));
      const booking = bookingRequest('PE', { scheduleId: held!.scheduleId });
      await country.appointments.book(booking);
      return { booking, held: held!, free: free! };
    }

    it('given a booking, when moved to a free slot, then it is MOVED: the new slot TAKEN, the old one FREE; delivered again, MOVED again and nothing else changes', async () => {
      const country = countryUnderTest('PE');
      const { booking, held, free } = await aBookingAndAFreeSlot(country);
      const move = moveOf(booking, free.scheduleId);

      const moved = await country.appointments.move(move);
      const again = await country.appointments.move(move);

      expect(moved).toEqual({ outcome: 'MOVED', row: { status: 'SCHEDULED', scheduleId: free.scheduleId } });
      expect(again).toEqual(moved);
      expect((await country.catalog.touch(held.scheduleId))?.availability).toBe('FREE');
      expect((await country.catalog.touch(free.scheduleId))?.availability).toBe('TAKEN');
    });

    it('given a slot another booking holds, when a booking is moved there, then it is REFUSED and both keep their slots', async () => {
      const country = countryUnderTest('PE');
      const { booking, held, free } = await aBookingAndAFreeSlot(country);
      await country.appointments.book(bookingRequest('PE', { insuredId: '00013', scheduleId: free.scheduleId }));

      const refused = await country.appointments.move(moveOf(booking, free.scheduleId));

      expect(refused).toEqual({ outcome: 'REFUSED', row: { status: 'SCHEDULED', scheduleId: held.scheduleId } });
      expect((await country.catalog.touch(held.scheduleId))?.availability).toBe('TAKEN');
    });

    it('given a withdrawn slot, when a booking is moved there, then it is REFUSED', async () => {
      const country = countryUnderTest('PE');
      const { booking, held, free } = await aBookingAndAFreeSlot(country);
      await country.catalog.withdraw(free.scheduleId);

      expect(await country.appointments.move(moveOf(booking, free.scheduleId))).toMatchObject({
        outcome: 'REFUSED',
        row: { scheduleId: held.scheduleId },
      });
    });

    it('given a move that overtook its booking, when the booking arrives, then the row stays on the new slot and the old slot is never taken', async () => {
      const country = countryUnderTest('PE');
      const [from, to] = await country.catalog.publish(aSlotPublication('PE'));
      const booking = bookingRequest('PE', { scheduleId: from!.scheduleId });

      const moved = await country.appointments.move(moveOf(booking, to!.scheduleId));
      const booked = await country.appointments.book(booking);

      expect(moved).toEqual({ outcome: 'MOVED', row: { status: 'SCHEDULED', scheduleId: to!.scheduleId } });
      // The booking touches the slot it names and the one its row holds: the old one FREE, the new one TAKEN.
      expect(booked.row).toEqual({ status: 'SCHEDULED', scheduleId: to!.scheduleId });
      expect(booked.slots.map((slot) => [slot.scheduleId, slot.availability])).toEqual([
        [from!.scheduleId, 'FREE'],
        [to!.scheduleId, 'TAKEN'],
      ]);
    });

    it('given a move that overtook its booking to a held slot, when the booking arrives, then the move was REFUSED with no row, and the booking takes its own slot', async () => {
      const country = countryUnderTest('PE');
      const [from, to] = await country.catalog.publish(aSlotPublication('PE'));
      await country.appointments.book(bookingRequest('PE', { insuredId: '00013', scheduleId: to!.scheduleId }));
      const booking = bookingRequest('PE', { scheduleId: from!.scheduleId });

      const refused = await country.appointments.move(moveOf(booking, to!.scheduleId));
      const booked = await country.appointments.book(booking);

      expect(refused).toEqual({ outcome: 'REFUSED', row: undefined });
      expect(booked.row).toEqual({ status: 'SCHEDULED', scheduleId: from!.scheduleId });
    });

    it('given a booking moved twice, when the first move is delivered again, then it changes nothing: the row stays where the later move put it', async () => {
      const country = countryUnderTest('PE');
      const [a, b] = await country.catalog.publish(aSlotPublication('PE'));
      const booking = bookingRequest('PE', { scheduleId: a!.scheduleId });
      await country.appointments.book(booking);
      const first = moveOf(booking, b!.scheduleId);
      await country.appointments.move(first);
      await country.appointments.move(moveOf(booking, a!.scheduleId, b!.scheduleId));

      const redelivered = await country.appointments.move(first);

      expect(redelivered).toEqual({ outcome: 'REFUSED', row: { status: 'SCHEDULED', scheduleId: a!.scheduleId } });
      expect((await country.catalog.touch(b!.scheduleId))?.availability).toBe('FREE');
    });

    it('given a cancelled booking, when its move arrives, then nothing moves and the row answers CANCELLED; a cancellation after a move frees the new slot', async () => {
      const country = countryUnderTest('PE');
      const cancelledFirst = await aBookingAndAFreeSlot(country);
      await country.appointments.cancel(cancellationOf(cancelledFirst.booking));
      const movedFirst = await aBookingAndAFreeSlot(country);
      await country.appointments.move(moveOf(movedFirst.booking, movedFirst.free.scheduleId));

      const lateMove = await country.appointments.move(moveOf(cancelledFirst.booking, cancelledFirst.free.scheduleId));
      const cancellation = await country.appointments.cancel(cancellationOf(movedFirst.booking));

      expect(lateMove).toEqual({ outcome: 'INACTIVE', row: { status: 'CANCELLED', scheduleId: cancelledFirst.held.scheduleId } });
      expect((await country.catalog.touch(cancelledFirst.free.scheduleId))?.availability).toBe('FREE');
      // The cancellation frees the row's new slot and answers it FREE, beside the one its message names.
      expect(cancellation.row).toEqual({ status: 'CANCELLED', scheduleId: movedFirst.free.scheduleId });
      expect(cancellation.slots.find((slot) => slot.scheduleId === movedFirst.free.scheduleId)?.availability).toBe('FREE');
    });
  });
}
