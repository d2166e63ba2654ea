import { readFileSync } from 'node:fs';
import { Kind, parse, visit } from 'graphql';
import { apiLimits } from '../../core/config/api-limits';
import { INSURED_ID_CLAIM, INSURED_ID_LOOKUP_ATTRIBUTE, STAFF_GROUP } from '../../core/domain/caller';
import {
  CALLER_CREDENTIAL_HEADERS,
  RATE_WINDOW_SECONDS,
  REQUESTS_PER_CALLER_PER_5_MINUTES,
  REQUESTS_PER_SOURCE_IP_PER_5_MINUTES,
} from '../../infra/api-firewall';
import { schemaFile } from '../../infra/appointments-api';
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
    additional: ((api.Properties.AdditionalAuthenticationProviders as { AuthenticationType: string }[] | undefined) ?? []).map(
      (mode) => mode.AuthenticationType,
    ),
  };
};
const outputsOf = (synthesized: SynthesizedApp) =>
  (synthesized.template.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;

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
  ])(
    'given a deployment $deployment, when one request nests too deep or calls too many resolvers, then AppSync ends the fields past the limits of core/api-limits',
    ({ synthesized }) => {
      const [, api] = only(synthesized(), 'AWS::AppSync::GraphQLApi');

      expect(api.Properties).toMatchObject({
        QueryDepthLimit: apiLimits.queryDepthLimit,
        ResolverCountLimit: apiLimits.resolverCountLimit,
      });
    },
  );
});

describe('the schema AppSync serves', () => {
  const servedSchema = (synthesized: SynthesizedApp) => only(synthesized, 'AWS::AppSync::GraphQLSchema')[1].Properties.Definition as string;
  /** Each type's and field's directives, by its coordinate (`Type` or `Type.field`). */
  const directivesByCoordinate = (schema: string) => {
    const found: Record<string, string[]> = {};
    let typeName = '';
    visit(parse(schema), {
      enter(node) {
        if (node.kind === Kind.OBJECT_TYPE_DEFINITION) {
          typeName = node.name.value;
          found[typeName] = (node.directives ?? []).map((directive) => directive.name.value);
        } else if (node.kind === Kind.FIELD_DEFINITION)
          found[`${typeName}.${node.name.value}`] = (node.directives ?? []).map((directive) => directive.name.value);
      },
    });
    return found;
  };
  const withoutApiKey = (byCoordinate: Record<string, string[]>) =>
    Object.fromEntries(
      Object.entries(byCoordinate).map(([coordinate, names]) => [coordinate, names.filter((name) => name !== 'aws_api_key')]),
    );

  it('given a deployment without the development flag, when AppSync reads the schema, then it names no API key mode and every type and field keeps its other directives', () => {
    const served = servedSchema(production);
    const file = readFileSync(schemaFile, 'utf8');

    expect(file).toContain('@aws_api_key');
    expect(served).not.toContain('@aws_api_key');
    expect(directivesByCoordinate(served)).toEqual(withoutApiKey(directivesByCoordinate(file)));
  });

  it('given -c development=true, when AppSync reads the schema, then it is schema.graphql byte for byte, @aws_api_key included', () => {
    expect(servedSchema(development)).toBe(readFileSync(schemaFile, 'utf8'));
  });
});

describe('the firewall', () => {
  type RateBasedStatement = {
    Limit: number;
    EvaluationWindowSec: number;
    AggregateKeyType: string;
    CustomKeys?: unknown;
    ScopeDownStatement?: unknown;
  };
  type Rule = { Name: string; Action: unknown; Statement: { RateBasedStatement?: RateBasedStatement }; VisibilityConfig: unknown };
  const rules = () => only(production, 'AWS::WAFv2::WebACL')[1].Properties.Rules as Rule[];
  const rateOf = (rule: Rule) => {
    if (!rule.Statement.RateBasedStatement) throw new Error(`${rule.Name} is not a rate-based rule`);
    return rule.Statement.RateBasedStatement;
  };

  it('given the API, when requests arrive, then a regional WAF web ACL associated with the API lets them through unless a caller or an address is over its rate, with metrics on', () => {
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
      expect(rateOf(rule).EvaluationWindowSec).toBe(RATE_WINDOW_SECONDS);
    }
  });

  it('given insured people behind one carrier NAT address, when one scripted account floods, then WAF blocks that account by its credential, not the whole address', () => {
    const perCaller = rules().filter((rule) => rateOf(rule).AggregateKeyType === 'CUSTOM_KEYS');

    expect(perCaller.map((rule) => rateOf(rule).CustomKeys)).toEqual(
      CALLER_CREDENTIAL_HEADERS.map((header) => [{ Header: { Name: header, TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }]),
    );
    expect(perCaller.map((rule) => rateOf(rule).Limit)).toEqual(CALLER_CREDENTIAL_HEADERS.map(() => REQUESTS_PER_CALLER_PER_5_MINUTES));
  });

  it('given any request, whatever its headers claim, when WAF counts it, then one ceiling per source address applies to all alike, above the per-caller limit', () => {
    const perAddress = rules().filter((rule) => rateOf(rule).AggregateKeyType === 'IP');

    expect(perAddress.map((rule) => rateOf(rule).Limit)).toEqual([REQUESTS_PER_SOURCE_IP_PER_5_MINUTES]);
    expect(REQUESTS_PER_SOURCE_IP_PER_5_MINUTES).toBeGreaterThan(REQUESTS_PER_CALLER_PER_5_MINUTES);
  });

  it('given a request whose Authorization header merely starts with AWS4-HMAC-SHA256, when WAF evaluates it, then no rule treats it differently: nothing a caller can claim raises its limit', () => {
    for (const rule of rules()) {
      expect(rateOf(rule).ScopeDownStatement).toBeUndefined();
      expect(JSON.stringify(rule)).not.toContain('AWS4-HMAC-SHA256');
    }
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

  /** The user pool's app client whose construct id is `id`: the public ApiClient, or the SmokeCheckClient of deployment checks. */
  const appClient = (id: 'ApiClient' | 'SmokeCheckClient'): [string, CfnResource] => {
    const found = resourcesOfType(production.template, 'AWS::Cognito::UserPoolClient').filter(([logicalId]) => logicalId.includes(id));
    if (found.length !== 1) throw new Error(`Expected one app client ${id}, found ${found.length}`);
    return found[0] as [string, CfnResource];
  };

  it('given a signed-in user, when they update their own attributes through the app client, then they may read their insuredId but not write it, nor the attribute their emails are addressed by', () => {
    const [, client] = appClient('ApiClient');

    expect(client.Properties.ReadAttributes).toContain(INSURED_ID_CLAIM);
    expect(client.Properties.WriteAttributes).toBeDefined();
    expect(client.Properties.WriteAttributes).not.toContain(INSURED_ID_CLAIM);
    // Otherwise a user could set another person's insuredId there and receive that person's emails.
    expect(client.Properties.WriteAttributes).not.toContain(INSURED_ID_LOOKUP_ATTRIBUTE);
  });

  it('given the public app client, when a user signs in, then it is with SRP (the password never leaves the device), never an admin flow', () => {
    const [, client] = appClient('ApiClient');

    expect(client.Properties.ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
  });

  it('given npm run smoke, when it signs its throwaway users in, then it uses an app client of its own: admin password sign-in only (IAM-authorised), no hosted UI, 5-minute tokens, no attribute writes', () => {
    const [userPoolId] = only(production, 'AWS::Cognito::UserPool');
    const [, client] = appClient('SmokeCheckClient');

    expect(client.Properties).toMatchObject({
      UserPoolId: { Ref: userPoolId },
      ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlowsUserPoolClient: false,
      AccessTokenValidity: 5,
      IdTokenValidity: 5,
      TokenValidityUnits: expect.objectContaining({ AccessToken: 'minutes', IdToken: 'minutes' }) as unknown,
      WriteAttributes: [],
    });
    expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
    expect(client.Properties.CallbackURLs).toBeUndefined();
    // No client secret: the check sends no SECRET_HASH; IAM on the admin calls is what guards it.
    expect(client.Properties.GenerateSecret ?? false).toBe(false);
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
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [userPoolId, 'Arn'] },
      }),
    ]);
  });

  it('given the pre-token-generation trigger, when it runs, then it may write its own logs and traces and nothing else', () => {
    const actions = statementsOf(production, deployedFunctions.preTokenGeneration.id).flatMap((statement) => [statement.Action].flat());

    expect(actions.filter((action) => !/^(logs|xray):/.test(action))).toEqual([]);
  });
});
