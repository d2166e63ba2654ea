import { AuthorizationType } from 'aws-cdk-lib/aws-appsync';
import { schemaForAuthorizationModes } from '../../infra/deployed-schema';

const { API_KEY, IAM, USER_POOL } = AuthorizationType;

describe('the schema an API serves, from its authorization modes', () => {
  const schema = `type Query @aws_api_key @aws_cognito_user_pools {
  # why: kept
  list: [String]
}

type Subscription {
  changed: String
    @aws_subscribe(mutations: ["publish"])
    @aws_api_key
    @aws_cognito_user_pools
}
`;

  it('given an API without an API key, when the schema is served, then each @aws_api_key is gone and every other byte stays, comments and line breaks included', () => {
    expect(schemaForAuthorizationModes(schema, [USER_POOL, IAM])).toBe(`type Query @aws_cognito_user_pools {
  # why: kept
  list: [String]
}

type Subscription {
  changed: String
    @aws_subscribe(mutations: ["publish"])
    @aws_cognito_user_pools
}
`);
  });

  it('given an API with every mode the schema names, when the schema is served, then it is unchanged', () => {
    expect(schemaForAuthorizationModes(schema, [USER_POOL, API_KEY])).toBe(schema);
  });

  it('given a field reachable only through a mode the API lacks, when the schema is served, then synthesis stops and names the field', () => {
    const apiKeyOnly = 'type Query @aws_cognito_user_pools {\n  debug: String @aws_api_key\n}\n';

    expect(() => schemaForAuthorizationModes(apiKeyOnly, [USER_POOL, IAM])).toThrow(
      /Query\.debug would be reachable by no configured mode/,
    );
  });
});
