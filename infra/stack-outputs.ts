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
