import type { PreTokenGenerationV2TriggerHandler } from 'aws-lambda';
import { accessTokenClaims } from '../../core/domain/access-token-claims';

/**
 * Cognito pre-token-generation trigger, event version V2_0: puts the insured
 * person's `custom:insuredId` into the access token too (see accessTokenClaims).
 */
export const handler: PreTokenGenerationV2TriggerHandler = (event) =>
  Promise.resolve({
    ...event,
    response: { claimsAndScopeOverrideDetails: accessTokenClaims(event.request.userAttributes) },
  });
