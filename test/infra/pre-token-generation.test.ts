import type { Context, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { INSURED_ID_CLAIM } from '../../core/domain/caller';
import { handler } from '../../infra/functions/pre-token-generation';

/** A V2_0 event as Cognito sends it, for one trigger source and one user's attributes. */
function tokenGenerationEvent(
  triggerSource: PreTokenGenerationV2TriggerEvent['triggerSource'],
  userAttributes: Record<string, string>,
): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    region: 'us-east-1',
    userPoolId: 'us-east-1_Example',
    userName: 'ana@example.com',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'client-1' },
    triggerSource,
    request: {
      userAttributes: { sub: '7d8e2b4c-0000-4000-8000-000000000001', email: 'ana@example.com', email_verified: 'true', ...userAttributes },
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
      scopes: ['aws.cognito.signin.user.admin'],
    },
    response: { claimsAndScopeOverrideDetails: {} },
  };
}

describe('the pre-token-generation trigger', () => {
  it.each(['TokenGeneration_Authentication', 'TokenGeneration_RefreshTokens'] as const)(
    'given an insured person, when Cognito generates tokens (%s), then the access token it issues carries their insuredId',
    async (triggerSource) => {
      const event = tokenGenerationEvent(triggerSource, { [INSURED_ID_CLAIM]: '00012' });

      const answered = (await handler(event, {} as Context, () => undefined)) as PreTokenGenerationV2TriggerEvent;

      expect(answered.response.claimsAndScopeOverrideDetails).toEqual({
        accessTokenGeneration: { claimsToAddOrOverride: { [INSURED_ID_CLAIM]: '00012' } },
      });
      // Cognito reads the whole event back: the request goes back unchanged.
      expect(answered.request).toEqual(event.request);
      expect(answered.triggerSource).toBe(triggerSource);
    },
  );

  it('given a staff member without an insuredId, when Cognito generates tokens, then they are issued unchanged', async () => {
    const answered = (await handler(
      tokenGenerationEvent('TokenGeneration_Authentication', {}),
      {} as Context,
      () => undefined,
    )) as PreTokenGenerationV2TriggerEvent;

    expect(answered.response.claimsAndScopeOverrideDetails).toEqual({});
  });
});
