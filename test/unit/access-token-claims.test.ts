import type { AppSyncIdentityCognito } from 'aws-lambda';
import { accessTokenClaims } from '../../core/domain/access-token-claims';
import { callerFrom, INSURED_ID_CLAIM } from '../../core/domain/caller';

/** The attributes Cognito puts in a V2_0 pre-token-generation event for an insured person. */
const insuredPerson = {
  sub: '7d8e2b4c-0000-4000-8000-000000000001',
  email: 'ana@example.com',
  email_verified: 'true',
  [INSURED_ID_CLAIM]: '00012',
};

describe('the insuredId claim in access tokens', () => {
  it('given an insured person, when tokens are generated, then the access token gets their insuredId under the same claim, leading zeros kept', () => {
    const overrides = accessTokenClaims(insuredPerson);

    expect(overrides.accessTokenGeneration?.claimsToAddOrOverride).toEqual({ [INSURED_ID_CLAIM]: '00012' });
  });

  it('given an insured person, when tokens are generated, then the ID token, groups and scopes stay as Cognito issues them', () => {
    const overrides = accessTokenClaims(insuredPerson);

    expect(overrides).not.toHaveProperty('idTokenGeneration');
    expect(overrides).not.toHaveProperty('groupOverrideDetails');
    expect(overrides.accessTokenGeneration).toEqual({ claimsToAddOrOverride: expect.any(Object) as unknown });
  });

  it('given a staff member or an account not linked to an insured person, when tokens are generated, then nothing is added', () => {
    const { [INSURED_ID_CLAIM]: _insuredId, ...staffMember } = insuredPerson;

    expect(accessTokenClaims(staffMember)).toEqual({});
    expect(accessTokenClaims({ ...staffMember, [INSURED_ID_CLAIM]: '' })).toEqual({});
  });

  it('given the access token with the added claim, when AppSync hands its claims to a resolver, then the caller is that insured person', () => {
    const accessTokenClaimsAsIssued = {
      sub: insuredPerson.sub,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: 'ana',
    };
    const added = accessTokenClaims(insuredPerson).accessTokenGeneration?.claimsToAddOrOverride;
    const identity: AppSyncIdentityCognito = {
      sub: insuredPerson.sub,
      issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example',
      username: 'ana',
      claims: { ...accessTokenClaimsAsIssued, ...added },
      sourceIp: ['203.0.113.7'],
      defaultAuthStrategy: 'ALLOW',
      groups: null,
    };

    expect(callerFrom(identity)).toEqual({ kind: 'insured', username: 'ana', insuredId: '00012' });
  });
});
