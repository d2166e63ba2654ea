import type { SignatureV4 } from '@smithy/signature-v4';
import { topology } from '../config/topology';
import type { SlotAvailabilityChange } from '../graphql/types.generated';
import type { SlotAvailabilitySubscribers } from '../ports';
import { refusalText, SignedAppSyncMutation } from './appsync-signed-mutation';
import type { PostRequest } from './kept-alive-post';

const { fieldName } = topology.slotAvailabilityChanges;
/**
 * The one field the slot projector may call (its IAM policy names this field only). It selects every field of
 * SlotAvailabilityChange: AppSync sends subscribers this selection set and nothing else, and filters them on
 * countryISO and specialtyId as selected here (test/unit/status-change-publish-selection.test.ts fails when the
 * type gains a field not selected).
 */
export const PUBLISH_SLOT_AVAILABILITY_CHANGE_MUTATION = `mutation PublishSlotAvailabilityChange($change: SlotAvailabilityChangeInput!) {
  ${fieldName}(change: $change) { countryISO specialtyId scheduleId availability startsAt centreId doctorId version }
}`;

/** AppSync refused or did not answer the publish; the record is retried, then dead-lettered. */
export class SlotAvailabilityNotPublishedError extends Error {
  override readonly name = 'SlotAvailabilityNotPublishedError';
}

/** Calls AppSync's IAM-only publish mutation with a SigV4-signed POST; AppSync pushes the change to the availability subscribers. */
export class AppSyncSlotAvailabilitySubscribers implements SlotAvailabilitySubscribers {
  private readonly mutation: SignedAppSyncMutation;

  constructor(graphqlUrl: string, signer: Pick<SignatureV4, 'sign'>, send?: PostRequest) {
    this.mutation = new SignedAppSyncMutation(graphqlUrl, signer, send);
  }

  async publish(change: SlotAvailabilityChange): Promise<void> {
    const { __typename: _type, ...input } = change;
    const refusal = await this.mutation.call(PUBLISH_SLOT_AVAILABILITY_CHANGE_MUTATION, { change: input });
    if (refusal) {
      throw new SlotAvailabilityNotPublishedError(
        refusalText(refusal, `the availability change of slot ${change.countryISO} ${change.scheduleId} (version ${change.version})`),
      );
    }
  }
}
