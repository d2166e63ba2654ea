import type { ClaimsAndScopeOverrideDetails } from 'aws-lambda';
import { INSURED_ID_CLAIM } from './caller';

/**
 * What the Cognito pre-token-generation trigger (event version 2) changes in the
 * tokens of a sign-in or refresh. Cognito puts custom attributes in the ID token
 * only, but Amazon AppSync reads the claims of whichever token the client sends,
 * and Amplify JS sends the access token: so an insured person's access token gets
 * their insuredId under the same claim name, and `callerFrom` reads either token alike.
 * The ID token, groups and scopes are left as Cognito issues them.
 */
export function accessTokenClaims(userAttributes: { readonly [attribute: string]: string | undefined }): ClaimsAndScopeOverrideDetails {
  const insuredId = userAttributes[INSURED_ID_CLAIM];
  // Staff and users not linked to an insured person: their tokens stay as issued.
  if (insuredId === undefined || insuredId === '') return {};
  return { accessTokenGeneration: { claimsToAddOrOverride: { [INSURED_ID_CLAIM]: insuredId } } };
}
