import type { SignatureV4 } from '@smithy/signature-v4';
import { topology } from '../config/topology';
import { countries } from '../domain/countries';
import type {
  AppointmentStatusChange,
  AppointmentStatusChangeInput,
  RescheduleResult,
  RescheduleResultInput,
  Slot,
  SlotInput,
} from '../graphql/types.generated';
import type { StatusChangeSubscribers } from '../ports';
import { refusalText, SignedAppSyncMutation } from './appsync-signed-mutation';
import type { PostRequest } from './kept-alive-post';

const { fieldName } = topology.statusChanges;
/**
 * The one field the completion worker may call (its IAM policy names this field only). It selects
 * every field of AppointmentStatusChange: AppSync sends subscribers this selection set and nothing
 * else, so a field left out here would reach every subscriber as null
 * (test/unit/status-change-publish-selection.test.ts fails when the type gains a field not selected).
 */
// Each country's centre type with its own attributes, from the registry: a third country's centre is selected too.
const centreFields = Object.values(countries)
  .map((country) => `... on ${country.centreTypeName} { ${country.centreAttributes.join(' ')} }`)
  .join(' ');
const slotFields = `scheduleId countryISO startsAt endsAt centre { __typename centreId name timeZone ${centreFields} } specialty { specialtyId name } doctor { doctorId name }`;
export const PUBLISH_STATUS_CHANGE_MUTATION = `mutation PublishStatusChange($change: AppointmentStatusChangeInput!) {
  ${fieldName}(change: $change) { appointmentId insuredId scheduleId countryISO status rejectionReason updatedAt
    slot { ${slotFields} }
    reschedule { moveId outcome from { ${slotFields} } fromScheduleId to { ${slotFields} } refusalReason } }
}`;
/** AppSync refused or did not answer the publish; the record is retried, then dead-lettered. */
export class StatusChangeNotPublishedError extends Error {
  override readonly name = 'StatusChangeNotPublishedError';
}

/** Calls AppSync's IAM-only publish mutation with a SigV4-signed POST; AppSync pushes it to the subscribers. */
export class AppSyncSubscribers implements StatusChangeSubscribers {
  private readonly mutation: SignedAppSyncMutation;

  constructor(graphqlUrl: string, signer: Pick<SignatureV4, 'sign'>, send?: PostRequest) {
    this.mutation = new SignedAppSyncMutation(graphqlUrl, signer, send);
  }

  async publish(change: AppointmentStatusChange): Promise<void> {
    const refusal = await this.mutation.call(PUBLISH_STATUS_CHANGE_MUTATION, { change: inputOf(change) });
    if (refusal) throw new StatusChangeNotPublishedError(refusalText(refusal, `the status change of ${change.appointmentId}`));
  }
}

/** The change as the publish mutation's input: the slot's centre names its type in `typeName` (an input has no `__typename`). */
export function inputOf(change: AppointmentStatusChange): AppointmentStatusChangeInput {
  const { __typename: _type, slot, reschedule, ...fields } = change;
  return { ...fields, slot: slot ? slotInputOf(slot) : null, reschedule: reschedule ? rescheduleInputOf(reschedule) : null };
}

function rescheduleInputOf(reschedule: RescheduleResult): RescheduleResultInput {
  const { __typename: _type, from, to, ...fields } = reschedule;
  return { ...fields, from: from ? slotInputOf(from) : null, to: slotInputOf(to) };
}

function slotInputOf(slot: Slot): SlotInput {
  const { __typename: typeName, ...centre } = slot.centre as Slot['centre'] & { __typename?: string };
  const { __typename: _slot, ...fields } = slot;
  return { ...fields, centre: { ...centre, typeName: typeName ?? '' } };
}
