import { countries } from '../domain/countries';
import type { CatalogCentre, SlotSnapshot } from '../domain/slots';
import { zonedDateTime } from '../domain/zoned-time';
import type { Centre, CountryISO, Slot } from '../graphql/types.generated';

/**
 * How the API answers a slot: its times in the centre's own zone with the offset of that moment, and
 * its centre as the country's own type (PeruCentre, ChileCentre), its attributes as fields. AppSync
 * picks an interface's type from `__typename`, so the answer names it.
 */
export function slotAnswer(slot: SlotSnapshot): Slot {
  const { timeZone } = countries[slot.countryISO];
  return {
    scheduleId: slot.scheduleId,
    countryISO: slot.countryISO,
    startsAt: zonedDateTime(slot.startsAt, timeZone),
    endsAt: zonedDateTime(slot.endsAt, timeZone),
    centre: centreAnswer(slot.countryISO, slot.centre),
    specialty: { ...slot.specialty },
    doctor: { ...slot.doctor },
  };
}

export function centreAnswer(countryISO: CountryISO, centre: CatalogCentre): Centre & { __typename: string } {
  const country = countries[countryISO];
  return {
    __typename: country.centreTypeName,
    ...centre.attributes,
    centreId: centre.centreId,
    name: centre.name,
    timeZone: country.timeZone,
  };
}
