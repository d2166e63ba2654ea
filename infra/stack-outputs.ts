/**
 * The names of the stack outputs that tools read back from the file `npm run deploy`
 * saves (`cdk deploy --outputs-file`: `{ "<StackName>": { "<output>": "<value>" } }`).
 * Free of aws-cdk-lib, so `npm run smoke` can read them without loading the CDK.
 */
export const stackOutputs = {
  graphqlUrl: 'GraphQLUrl',
  realtimeUrl: 'RealtimeUrl',
  region: 'Region',
  userPoolId: 'UserPoolId',
  smokeCheckClientId: 'SmokeCheckClientId',
  staffGroupName: 'StaffGroupName',
} as const;

export type StackOutputName = (typeof stackOutputs)[keyof typeof stackOutputs];

/**
 * Outputs only some deployments have, read by the tools that need them. The notification worker, and so
 * its log group, exists only in a stack deployed with `-c senderEmail=…`; `npm run smoke -- --email`
 * reads that log group for the line the worker writes about each email SES accepted.
 */
export const optionalStackOutputs = {
  notificationWorkerLogGroup: 'NotificationWorkerLogGroup',
} as const;

export type OptionalStackOutputName = (typeof optionalStackOutputs)[keyof typeof optionalStackOutputs];
