import { monotonicFactory } from 'ulid';
import { authorizeCatalogChange, type Caller } from '../domain/caller';
import { countries } from '../domain/countries';
import { validateSlotPublication } from '../domain/slot-publication';
import { slotTimesOf } from '../domain/slot-times';
import { zonedDateTime } from '../domain/zoned-time';
import type { SlotPublication as PublicationAnswer } from '../graphql/types.generated';
import type { CountryMessagePublisher, StructuredLogger } from '../ports';
import { handToCountry } from './catalog-requests';

export interface PublishSlotsPorts {
  readonly requests: CountryMessagePublisher;
  readonly logger: StructuredLogger;
  readonly now?: () => Date;
  readonly newPublicationId?: () => string;
}

const nextUlid = monotonicFactory();

/**
 * Staff publish a doctor's sessions: checked here (a refused publication sends nothing), then handed
 * to the country, which stores the slots it does not have yet and announces each to the read model.
 */
export async function publishSlots(
  input: unknown,
  caller: Caller,
  correlationId: string,
  ports: PublishSlotsPorts,
): Promise<PublicationAnswer> {
  const { logger, now = () => new Date(), newPublicationId = () => nextUlid() } = ports;
  authorizeCatalogChange(caller, 'publish slots');
  const publication = validateSlotPublication(input, now());
  const times = slotTimesOf(publication);
  const [first, last] = [times[0], times[times.length - 1]];
  // validateSlotPublication refuses sessions that make no slot.
  if (!first || !last) throw new Error('A valid publication makes at least one slot');
  const publicationId = newPublicationId();
  const { countryISO } = publication;
  await handToCountry(
    { type: 'SlotPublicationRequested', publicationId, countryISO, correlationId, publication },
    'The publication could not be sent to its country, and no slot was made. Please try again.',
    ports,
  );
  logger.info('Slot publication handed to its country', { publicationId, correlationId, countryISO, slotCount: times.length });
  const { timeZone } = countries[countryISO];
  return {
    publicationId,
    countryISO,
    slotCount: times.length,
    startsAt: zonedDateTime(first.startsAt, timeZone),
    endsAt: zonedDateTime(last.endsAt, timeZone),
  };
}
