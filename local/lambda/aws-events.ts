import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type {
  AppSyncIdentity,
  AppSyncIdentityCognito,
  AppSyncIdentityIAM,
  AppSyncResolverEvent,
  Context,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';

/**
 * Lambda events shaped exactly as AWS sends them: the AppSync direct-resolver event,
 * SQS records (raw SNS delivery, EventBridge targets). The tests and the benchmark's
 * cold starts invoke the handlers with these.
 */

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

/** The event AppSync sends a direct Lambda resolver; by default the caller used the API key (no identity). */
export function appSyncEvent<Args>(
  typeName: 'Query' | 'Mutation' | 'Subscription',
  fieldName: string,
  args: Args,
  headers: Record<string, string> = {},
  identity: AppSyncIdentity = null,
): AppSyncResolverEvent<Args> {
  return {
    arguments: args,
    identity,
    source: null,
    request: { headers: { 'content-type': 'application/json', 'x-api-key': 'da2-localtestkey', ...headers }, domainName: null },
    prev: null,
    info: {
      fieldName,
      parentTypeName: typeName,
      variables: {},
      selectionSetList: ['appointmentId', 'status'],
      selectionSetGraphQL: '{ appointmentId status }',
    },
    stash: {},
  } as AppSyncResolverEvent<Args>;
}

/**
 * `identity` as AppSync gives it for a Cognito user-pool caller. AWS fills `groups`
 * from `cognito:groups`; `groups: undefined` leaves the key out, for an identity
 * built without it.
 */
export function cognitoIdentity(options: {
  username: string;
  claims: Record<string, unknown>;
  groups?: string[] | null;
}): AppSyncIdentityCognito {
  const identity = {
    sub: '3f1c0d2e-0000-4000-8000-00000000abcd',
    issuer: `https://cognito-idp.${REGION}.amazonaws.com/${REGION}_examplePool`,
    username: options.username,
    claims: { token_use: 'access', client_id: 'example-client', username: options.username, ...options.claims },
    sourceIp: ['203.0.113.10'],
    defaultAuthStrategy: 'ALLOW',
    groups: options.groups ?? null,
  };
  if (options.groups === undefined) delete (identity as Partial<AppSyncIdentityCognito>).groups;
  return identity;
}

/** `identity` as AppSync gives it for an IAM (SigV4) caller such as a Lambda function's role. */
export function iamIdentity(roleName = 'completionWorker-role'): AppSyncIdentityIAM {
  return {
    accountId: ACCOUNT,
    cognitoIdentityPoolId: '',
    cognitoIdentityId: '',
    sourceIp: ['203.0.113.10'],
    username: `AROAEXAMPLE:${roleName}`,
    userArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${roleName}`,
    cognitoIdentityAuthType: '',
    cognitoIdentityAuthProvider: '',
  };
}

export function lambdaContext(functionName = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An SQS record as Lambda's event source mapping delivers it. */
export function sqsRecord(
  body: string,
  options: { queueName: string; receiveCount?: number; messageAttributes?: SQSRecord['messageAttributes'] },
): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: `AQEB${randomUUID().replaceAll('-', '')}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: now,
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: options.messageAttributes ?? {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:${options.queueName}`,
    awsRegion: REGION,
  };
}

/** What an SNS publish becomes on a subscribed queue with raw message delivery. */
export function snsRawDeliveryRecord(publish: PublishCommandInput, queueName: string): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(publish.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType as 'String',
      stringValue: value.StringValue,
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return sqsRecord(publish.Message ?? '', { queueName, messageAttributes });
}

/** What a PutEvents entry becomes on a queue targeted by a matching rule. */
export function eventBridgeDeliveryRecord(entry: PutEventsRequestEntry, queueName: string): SQSRecord {
  const event = {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: entry.Resources ?? [],
    detail: JSON.parse(entry.Detail ?? '{}') as unknown,
  };
  return sqsRecord(JSON.stringify(event), { queueName });
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
