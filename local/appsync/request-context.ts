import type { IncomingHttpHeaders } from 'node:http';
import type { AppSyncIdentity } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import type { AuthenticatedCaller } from './authentication';

/** What every resolver of one request shares: who called, and the request as AppSync hands it on. */
export interface AppSyncRequestContext {
  readonly caller: AuthenticatedCaller;
  readonly headers: IncomingHttpHeaders;
  readonly sourceIp: string;
}

/**
 * `identity` as AppSync puts it in a resolver's context for each auth mode
 * ("Identity" in the resolver context reference,
 * https://docs.aws.amazon.com/appsync/latest/devguide/resolver-context-reference-js.html):
 * none for an API key; the token's claims and groups for a user pool; the signer for IAM.
 */
export function identityOf(context: AppSyncRequestContext): AppSyncIdentity {
  const { caller, sourceIp } = context;
  switch (caller.mode) {
    case 'API_KEY':
      return null;
    case 'AMAZON_COGNITO_USER_POOLS': {
      const { claims } = caller;
      const groups = claims['cognito:groups'];
      return {
        sub: textOf(claims.sub),
        issuer: textOf(claims.iss),
        username: textOf(claims['cognito:username']) || textOf(claims.username) || textOf(claims.sub),
        claims,
        sourceIp: [sourceIp],
        defaultAuthStrategy: 'ALLOW',
        groups: Array.isArray(groups) ? groups.map(String) : null,
      };
    }
    case 'AWS_IAM':
      // Locally the only signer is the stack's own access key (what the functions are given).
      return {
        accountId: LOCAL_ACCOUNT_ID,
        cognitoIdentityPoolId: '',
        cognitoIdentityId: '',
        sourceIp: [sourceIp],
        username: caller.accessKeyId,
        userArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/${caller.accessKeyId}`,
        cognitoIdentityAuthType: '',
        cognitoIdentityAuthProvider: '',
      };
  }
}

function textOf(claim: unknown): string {
  return typeof claim === 'string' ? claim : '';
}
