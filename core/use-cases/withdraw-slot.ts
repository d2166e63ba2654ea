import { parseOrThrow, countryISOSchema, scheduleIdSchema } from '../domain/appointment';
import { authorizeCatalogChange, type Caller } from '../domain/caller';
import { SlotHeldError, SlotNotFoundError } from '../domain/errors';
import type { Slot } from '../graphql/types.generated';
import type { CountryMessagePublisher, SlotReadModel, StructuredLogger } from '../ports';
import * as z from 'zod/mini';
import { handToCountry } from './catalog-requests';
import { slotAnswer } from './slot-answers';

export interface WithdrawSlotPorts {
  readonly slots: SlotReadModel;
  readonly requests: CountryMessagePublisher;
  readonly logger: StructuredLogger;
  readonly now?: () => Date;
}

const withdrawSlotArgsSchema = z.object({ countryISO: countryISOSchema, scheduleId: scheduleIdSchema });

/**
 * Staff take a slot out of the catalog. Refused at once when the read model shows it held; the country
 * decides in the end (a booking that wins the race keeps the slot, and the slot stays in the catalog).
 */
export async function withdrawSlot(args: unknown, caller: Caller, correlationId: string, ports: WithdrawSlotPorts): Promise<Slot> {
  const { slots, requests, logger, now = () => new Date() } = ports;
  authorizeCatalogChange(caller, 'withdraw slots');
  const { countryISO, scheduleId } = parseOrThrow(withdrawSlotArgsSchema, args);
  const slot = await slots.get(countryISO, scheduleId);
  if (!slot || slot.availability === 'WITHDRAWN') throw new SlotNotFoundError(`${countryISO} has no slot ${scheduleId} in its catalog.`);
  if (slot.availability === 'TAKEN') {
    throw new SlotHeldError(`Slot ${scheduleId} is booked: it can be withdrawn once its appointment is cancelled.`);
  }
  await handToCountry(
    { type: 'SlotWithdrawalRequested', countryISO, scheduleId, correlationId, requestedAt: now().toISOString() },
    `The withdrawal could not be sent to ${countryISO}, and slot ${scheduleId} is still in the catalog. Please try again.`,
    { requests, logger },
  );
  logger.info('Slot withdrawal handed to its country', { scheduleId, correlationId, countryISO });
  return slotAnswer(slot);
}
