import { validateInsuredId } from '../domain/appointment';
import { authorizeFor, type Caller } from '../domain/caller';

/**
 * Runs when a client subscribes to onAppointmentStatusChanged (AppSync calls the
 * subscription's resolver at subscribe time, never per event): the owner check.
 * A refused subscription never starts; an accepted one gets null, as AppSync expects.
 */
export function followAppointmentStatus(args: { insuredId: unknown }, caller: Caller): null {
  authorizeFor(caller, validateInsuredId(args.insuredId), 'follow');
  return null;
}
