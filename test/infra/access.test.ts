import { apiLimits } from '../../core/api-limits';
import { INSURED_ID_CLAIM, STAFF_GROUP } from '../../core/caller';
import { RATE_WINDOW_SECONDS, REQUESTS_PER_CLIENT_IP_PER_5_MINUTES, SIGNED_REQUESTS_PER_SOURCE_IP_PER_5_MINUTES } from '../../infra/api-firewall';
import { deployedFunctions } from '../../infra/bundling';
import {
  functionLogicalId,
  referencedLogicalId,
  resourcesOfType,
  statementsOf,
  type CfnResource,
  type SynthesizedApp,
  synthesizeAppointmentsApp,
  SYNTHESIS_TIMEOUT_MS,
} from './synthesized-app';

/** Who may call what: the API's auth modes and limits, the firewall in front of it and the user pool behind it. */

let production: SynthesizedApp;
let development: SynthesizedApp;
beforeAll(() => {
  production = synthesizeAppointmentsApp({ validateAgainstCloudFormationRules: false });
  // As `cdk deploy -c development=true` gives it: a string.
  development = synthesizeAppointmentsApp({ context: { development: 'true' }, validateAgainstCloudFormationRules: false });
}, 2 * SYNTHESIS_TIMEOUT_MS);
afterAll(() => {
  production.cleanup();
  development.cleanup();
});

function only(synthesized: SynthesizedApp, type: string): [string, CfnResource] {
  const found = resourcesOfType(synthesized.template, type);
  if (found.length !== 1) throw new Error(`Expected one ${type}, found ${found.length}`);
  return found[0] as [string, CfnResource];
}

const authModes = (synthesized: SynthesizedApp) => {
  const [, api] = only(synthesized, 'AWS::AppSync::GraphQLApi');
  return {
    default: api.Properties.AuthenticationType,
    additional: ((api.Properties.AdditionalAuthenticationProviders as { AuthenticationType: string }[] | undefined) ?? []).map((mode) => mode.AuthenticationType),
  };
};
const outputsOf = (synthesized: SynthesizedApp) => (synthesized.template.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;

describe('auth modes', () => {
  it('given a deployment without the development flag, when a client calls, then it signs in with Cognito (default) or, for the pipeline, IAM; there is no API key at all', () => {
    const [userPoolId] = only(production, 'AWS::Cognito::UserPool');
    const [, api] = only(production, 'AWS::AppSync::GraphQLApi');

    expect(authModes(production)).toEqual({ default: 'AMAZON_COGNITO_USER_POOLS', additional: ['AWS_IAM'] });
    expect(referencedLogicalId((api.Properties.UserPoolConfig as { UserPoolId: unknown }).UserPoolId)).toBe(userPoolId);
    expect(resourcesOfType(production.template, 'AWS::AppSync::ApiKey')).toEqual([]);
    expect(outputsOf(production)).not.toHaveProperty('ApiKeyId');
  });

  it('given a deployment without the development flag, when a stranger sends the introspection query, then AppSync refuses it', () => {
    const [, api] = only(production, 'AWS::AppSync::GraphQLApi');

    expect(api.Properties.IntrospectionConfig).toBe('DISABLED');
  });

  it('given -c development=true, when it is deployed, then a developer may also call with an API key that expires, printed as ApiKeyId, and explorers may introspect', () => {
    const [apiId, api] = only(development, 'AWS::AppSync::GraphQLApi');
    const [apiKeyId, apiKey] = only(development, 'AWS::AppSync::ApiKey');

    expect(authModes(development)).toEqual({ default: 'AMAZON_COGNITO_USER_POOLS', additional: ['AWS_IAM', 'API_KEY'] });
    expect(referencedLogicalId(apiKey.Properties.ApiId)).toBe(apiId);
    // CloudFormation takes whole seconds and CDK rounds to the nearest one, so compare in seconds.
    const expiresInSeconds = apiKey.Properties.Expires as number;
    expect(expiresInSeconds).toBeGreaterThan(Math.floor(Date.now() / 1000));
    expect(expiresInSeconds).toBeLessThanOrEqual(Math.ceil((Date.now() + 365 * 24 * 3600 * 1000) / 1000));
    expect(outputsOf(development).ApiKeyId?.Value).toEqual({ 'Fn::GetAtt': [apiKeyId, 'ApiKeyId'] });
    expect(api.Properties.IntrospectionConfig).toBe('ENABLED');
  });

  it.each([
    { deployment: 'without the development flag', synthesized: () => production },
    { deployment: 'with the development flag', synthesized: () => development },
  ])('given a deployment $deployment, when one request nests too deep or calls too many resolvers, then AppSync refuses it at the limits of core/api-limits', ({ synthesized }) => {
    const [, api] = only(synthesized(), 'AWS::AppSync::GraphQLApi');

    expect(api.Properties).toMatchObject({
      QueryDepthLimit: apiLimits.queryDepthLimit,
      ResolverCountLimit: apiLimits.resolverCountLimit,
    });
  });
});

describe('the firewall', () => {
  type Rule = { Name: string; Action: unknown; Statement: { RateBasedStatement?: { ScopeDownStatement?: unknown } & Record<string, unknown> }; VisibilityConfig: unknown };
  const signedWithSigV4 = {
    ByteMatchStatement: {
      FieldToMatch: { SingleHeader: { Name: 'authorization' } },
      PositionalConstraint: 'STARTS_WITH',
      SearchString: 'AWS4-HMAC-SHA256',
      TextTransformations: [{ Priority: 0, Type: 'NONE' }],
    },
  };
  const rules = () => only(production, 'AWS::WAFv2::WebACL')[1].Properties.Rules as Rule[];

  it('given the API, when requests arrive, then a regional WAF web ACL associated with the API lets them through unless their address is over its rate, with metrics on', () => {
    const [webAclId, webAcl] = only(production, 'AWS::WAFv2::WebACL');
    const [, association] = only(production, 'AWS::WAFv2::WebACLAssociation');
    const [apiId] = only(production, 'AWS::AppSync::GraphQLApi');

    expect(webAcl.Properties).toMatchObject({
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true },
    });
    expect(association.Properties).toEqual({
      ResourceArn: { 'Fn::GetAtt': [apiId, 'Arn'] },
      WebACLArn: { 'Fn::GetAtt': [webAclId, 'Arn'] },
    });
    for (const rule of rules()) {
      expect(rule.Action).toEqual({ Block: {} });
      expect(rule.VisibilityConfig).toMatchObject({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true });
      expect(rule.Statement.RateBasedStatement).toMatchObject({ AggregateKeyType: 'IP', EvaluationWindowSec: RATE_WINDOW_SECONDS });
    }
  });

  it('given one client IP sending more than its rate without a SigV4 signature (Cognito or API key), when WAF counts it, then that IP is blocked', () => {
    const clientRules = rules().filter((rule) => JSON.stringify(rule.Statement.RateBasedStatement?.ScopeDownStatement) === JSON.stringify({ NotStatement: { Statement: signedWithSigV4 } }));

    expect(clientRules.map((rule) => rule.Statement.RateBasedStatement?.Limit)).toEqual([REQUESTS_PER_CLIENT_IP_PER_5_MINUTES]);
  });

  it('given a burst of SigV4-signed status changes from the completion worker, when WAF counts them, then they fall under their own, higher limit, not the client one', () => {
    const signedRules = rules().filter((rule) => JSON.stringify(rule.Statement.RateBasedStatement?.ScopeDownStatement) === JSON.stringify(signedWithSigV4));

    expect(signedRules.map((rule) => rule.Statement.RateBasedStatement?.Limit)).toEqual([SIGNED_REQUESTS_PER_SOURCE_IP_PER_5_MINUTES]);
    expect(SIGNED_REQUESTS_PER_SOURCE_IP_PER_5_MINUTES).toBeGreaterThan(REQUESTS_PER_CLIENT_IP_PER_5_MINUTES);
    // Every request falls under exactly one of the two rules.
    expect(rules()).toHaveLength(2);
  });
});

describe('the user pool', () => {
  const insuredIdAttribute = INSURED_ID_CLAIM.replace(/^custom:/, '');

  it('given an insured person, when staff create their account, then their insuredId is a 5-character custom attribute that can never change', () => {
    const [, userPool] = only(production, 'AWS::Cognito::UserPool');

    expect(INSURED_ID_CLAIM).toBe(`custom:${insuredIdAttribute}`);
    expect(userPool.Properties.Schema).toEqual(
      expect.arrayContaining([
        {
          Name: insuredIdAttribute,
          AttributeDataType: 'String',
          Mutable: false,
          StringAttributeConstraints: { MinLength: '5', MaxLength: '5' },
        },
      ]),
    );
    // Accounts are created by staff: nobody signs up and picks an insuredId.
    expect(userPool.Properties.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
  });

  it('given a signed-in user, when they update their own attributes through the app client, then they may read their insuredId but not write it', () => {
    const [, client] = only(production, 'AWS::Cognito::UserPoolClient');

    expect(client.Properties.ReadAttributes).toContain(INSURED_ID_CLAIM);
    expect(client.Properties.WriteAttributes).toBeDefined();
    expect(client.Properties.WriteAttributes).not.toContain(INSURED_ID_CLAIM);
  });

  it(`given call-centre staff, when they are added to the group ${STAFF_GROUP}, then that group exists in the API's user pool`, () => {
    const [userPoolId] = only(production, 'AWS::Cognito::UserPool');
    const groups = resourcesOfType(production.template, 'AWS::Cognito::UserPoolGroup').map(([, group]) => group.Properties);

    expect(groups).toEqual([expect.objectContaining({ GroupName: STAFF_GROUP, UserPoolId: { Ref: userPoolId } })]);
  });

  it('given a sign-in or a refresh, when Cognito issues the tokens, then the pre-token-generation trigger runs at event version V2_0 on the Essentials plan, so it may change the access token', () => {
    const [userPoolId, userPool] = only(production, 'AWS::Cognito::UserPool');
    const triggerId = functionLogicalId(production, deployedFunctions.preTokenGeneration.id);

    expect(userPool.Properties.UserPoolTier).toBe('ESSENTIALS');
    expect(userPool.Properties.LambdaConfig).toEqual({
      PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [triggerId, 'Arn'] }, LambdaVersion: 'V2_0' },
    });
    const invokers = resourcesOfType(production.template, 'AWS::Lambda::Permission')
      .map(([, permission]) => permission.Properties)
      .filter((permission) => referencedLogicalId(permission.FunctionName) === triggerId);
    expect(invokers).toEqual([
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Principal: 'cognito-idp.amazonaws.com', SourceArn: { 'Fn::GetAtt': [userPoolId, 'Arn'] } }),
    ]);
  });

  it('given the pre-token-generation trigger, when it runs, then it may write its own logs and traces and nothing else', () => {
    const actions = statementsOf(production, deployedFunctions.preTokenGeneration.id).flatMap((statement) => [statement.Action].flat());

    expect(actions.filter((action) => !/^(logs|xray):/.test(action))).toEqual([]);
  });
});
