import { InMemoryCountryAppointments } from '../../core/adapters/in-memory-country-appointments';
import { countries } from '../../core/domain/countries';
import { bookingRequest, cancellationOf } from '../support/country-messages';
import { itKeepsTheSlotCatalogRules } from '../support/slot-catalog-contract';
import { aSlotPublication } from '../support/slot-publications';

describe("the in-memory country (the local stack's fallback without MySQL): its slot catalog", () => {
  // One object is both the store and the catalog, as the country worker wires it.
  itKeepsTheSlotCatalogRules((countryISO) => {
    const country = new InMemoryCountryAppointments(countries[countryISO]);
    return { catalog: country, appointments: country };
  });

  it('given two publications, when published, then their slots are numbered one after the other from 1, as a freshly migrated schema numbers them', async () => {
    const country = new InMemoryCountryAppointments(countries.PE);

    const first = await country.publish(aSlotPublication('PE'));
    const second = await country.publish(aSlotPublication('PE'));

    expect([...first, ...second].map((slot) => slot.scheduleId)).toEqual([1, 2, 3, 4]);
  });

  it('given a slot held, then freed by a cancellation and booked by someone else, when it is withdrawn, then it is held by the new booking', async () => {
    const country = new InMemoryCountryAppointments(countries.CL);
    const [slot] = await country.publish(aSlotPublication('CL'));
    const first = bookingRequest('CL', { scheduleId: slot!.scheduleId });
    await country.book(first);
    await country.cancel(cancellationOf(first));
    await country.book(bookingRequest('CL', { insuredId: '00031', scheduleId: slot!.scheduleId }));

    const outcome = await country.withdraw(slot!.scheduleId);

    expect(outcome).toMatchObject({ outcome: 'held', slot: { availability: 'TAKEN' } });
  });
});
