import { readFileSync } from 'node:fs';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { schemaFile } from '../../infra/appointments-api';
import { deployedFunctions } from '../../infra/bundling';
import { environment } from '../../core/environment';
import {
  environmentOf,
  referencedLogicalId,
  resource,
  resourcesOfType,
  type SynthesizedApp,
  synthesizeAppointmentsApp,
  SYNTHESIS_TIMEOUT_MS,
} from './synthesized-app';

let synthesized: SynthesizedApp;
beforeAll(() => {
  synthesized = synthesizeAppointmentsApp({ validateAgainstCloudFormationRules: false });
}, SYNTHESIS_TIMEOUT_MS);
afterAll(() => synthesized.cleanup());

/** The logical id of the function the stack deploys under this id. */
function functionLogicalId(id: string): string {
  const fn = synthesized.stack.node.findAll().find((construct) => construct instanceof NodejsFunction && construct.node.id === id);
  if (!(fn instanceof NodejsFunction)) throw new Error(`The stack deploys no function ${id}`);
  return Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
}

/** Every IAM statement the function's role holds. */
function statementsOf(functionId: string): { Action: string | string[]; Resource: unknown }[] {
  const roleId = referencedLogicalId(resource(synthesized.template, functionLogicalId(functionId)).Properties.Role);
  return resourcesOfType(synthesized.template, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties.Roles as unknown[]).some((role) => referencedLogicalId(role) === roleId))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
}

function actionsOn(statements: { Action: string | string[]; Resource: unknown }[], logicalId: string): string[] {
  return statements
    .filter((statement) => JSON.stringify(statement.Resource).includes(`"${logicalId}"`))
    .flatMap((statement) => [statement.Action].flat())
    .sort();
}

describe('the GraphQL API', () => {
  it('given schema.graphql, when the API is deployed, then AppSync serves that file byte for byte', () => {
    const [schema] = resourcesOfType(synthesized.template, 'AWS::AppSync::GraphQLSchema');

    expect(schema?.[1].Properties.Definition).toBe(readFileSync(schemaFile, 'utf8'));
  });

  it.each(deployedFunctions.resolvers)(
    'given $id, when it is queried, then AppSync calls its own function directly (no mapping templates)',
    ({ id, typeName, fieldName }) => {
      const [resolverId, resolver] =
        resourcesOfType(synthesized.template, 'AWS::AppSync::Resolver').find(
          ([, candidate]) => candidate.Properties.TypeName === typeName && candidate.Properties.FieldName === fieldName,
        ) ?? [];
      if (!resolverId || !resolver) throw new Error(`No resolver on ${typeName}.${fieldName}`);

      expect(resolver.Properties).toMatchObject({ Kind: 'UNIT' });
      for (const template of ['RequestMappingTemplate', 'ResponseMappingTemplate', 'RequestMappingTemplateS3Location', 'ResponseMappingTemplateS3Location', 'Code', 'Runtime']) {
        expect(resolver.Properties).not.toHaveProperty(template);
      }
      const [, dataSource] =
        resourcesOfType(synthesized.template, 'AWS::AppSync::DataSource').find(
          ([, candidate]) => candidate.Properties.Name === resolver.Properties.DataSourceName,
        ) ?? [];
      expect(dataSource?.Properties.Type).toBe('AWS_LAMBDA');
      const lambdaConfig = dataSource?.Properties.LambdaConfig as { LambdaFunctionArn: unknown };
      expect(referencedLogicalId(lambdaConfig.LambdaFunctionArn)).toBe(functionLogicalId(id));
    },
  );

  it('given the auth modes, when a client calls, then an API key (that expires), a Cognito user or IAM credentials are accepted', () => {
    const [, api] = resourcesOfType(synthesized.template, 'AWS::AppSync::GraphQLApi')[0] ?? [];
    const [, apiKey] = resourcesOfType(synthesized.template, 'AWS::AppSync::ApiKey')[0] ?? [];

    expect(api?.Properties.AuthenticationType).toBe('API_KEY');
    expect((api?.Properties.AdditionalAuthenticationProviders as { AuthenticationType: string }[]).map((mode) => mode.AuthenticationType)).toEqual([
      'AMAZON_COGNITO_USER_POOLS',
      'AWS_IAM',
    ]);
    const expires = apiKey?.Properties.Expires as number;
    expect(expires * 1000).toBeGreaterThan(Date.now());
    expect(expires * 1000).toBeLessThanOrEqual(Date.now() + 365 * 24 * 3600 * 1000);
  });

  it('given a resolver error, when it happens, then it is logged at ERROR and traced in X-Ray', () => {
    const [, api] = resourcesOfType(synthesized.template, 'AWS::AppSync::GraphQLApi')[0] ?? [];

    expect(api?.Properties).toMatchObject({ XrayEnabled: true, LogConfig: { FieldLogLevel: 'ERROR' } });
  });

  it('given the stack outputs, when a developer deploys, then the GraphQL URL, the API key id and the region are printed', () => {
    const outputs = synthesized.template.toJSON() as { Outputs: Record<string, { Value: unknown }> };

    expect(outputs.Outputs.GraphQLUrl?.Value).toEqual({ 'Fn::GetAtt': [expect.any(String), 'GraphQLUrl'] });
    expect(outputs.Outputs.ApiKeyId?.Value).toEqual({ 'Fn::GetAtt': [expect.any(String), 'ApiKeyId'] });
    expect(outputs.Outputs.Region?.Value).toEqual({ Ref: 'AWS::Region' });
  });
});

describe('what each resolver function may do', () => {
  const tableId = () => resourcesOfType(synthesized.template, 'AWS::DynamoDB::Table')[0]?.[0] ?? 'no table';
  const topicId = () => resourcesOfType(synthesized.template, 'AWS::SNS::Topic')[0]?.[0] ?? 'no topic';

  it('given Query.appointments, when it runs, then it can only read the appointments table', () => {
    const statements = statementsOf('Query.appointments');

    expect(actionsOn(statements, tableId())).toEqual(['dynamodb:Query']);
    expect(actionsOn(statements, topicId())).toEqual([]);
    expect(environmentOf(resource(synthesized.template, functionLogicalId('Query.appointments')))).toHaveProperty(
      environment.appointmentsTableName,
      { Ref: tableId() },
    );
  });

  it('given Mutation.createAppointment, when it runs, then it can put and delete appointments and publish requests, nothing else', () => {
    const statements = statementsOf('Mutation.createAppointment');

    expect(actionsOn(statements, tableId())).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem']);
    expect(actionsOn(statements, topicId())).toEqual(['sns:Publish']);
    expect(environmentOf(resource(synthesized.template, functionLogicalId('Mutation.createAppointment')))).toMatchObject({
      [environment.appointmentsTableName]: { Ref: tableId() },
      [environment.appointmentRequestsTopicArn]: { Ref: topicId() },
    });
  });
});
