import type { GraphQLObjectType } from 'graphql';
import { buildAppSyncSchema } from '../../local/appsync/appsync-schema';
import { fieldAuthorization, isAuthorized, type AuthorizationMode } from '../../local/appsync/authorization';
import { apiKeyCaller, localExecutor, pipelineCaller, PUBLISH_STATUS_CHANGE, run, statusChange } from '../support/local-executor';
import { given } from '../steps/given';

/** AppSync's authorization rules ("Configuring authorization and authentication"), per type and field. */
describe('the local AppSync applies the auth directives per type and field', () => {
  const schema = buildAppSyncSchema(`
    type Query @aws_api_key {
      typeLevel: String
      fieldLevel: String @aws_iam
      staffOnly: String @aws_cognito_user_pools(cognito_groups: ["agents"])
    }
    type Mutation {
      noDirectives: String
    }
  `);
  const ruleOf = (typeName: string, fieldName: string, defaultMode: AuthorizationMode = 'AMAZON_COGNITO_USER_POOLS') => {
    const type = schema.getType(typeName) as GraphQLObjectType;
    const field = type.getFields()[fieldName];
    if (!field) throw new Error(`no field ${typeName}.${fieldName}`);
    return fieldAuthorization(type, field, defaultMode);
  };

  it("given a field without directives on a type with some, then the type's modes decide", () => {
    expect([...ruleOf('Query', 'typeLevel').modes]).toEqual(['API_KEY']);
  });

  it("given a field with its own directive, then only its modes decide, not its type's", () => {
    const rule = ruleOf('Query', 'fieldLevel');
    expect(isAuthorized(rule, pipelineCaller)).toBe(true);
    expect(isAuthorized(rule, apiKeyCaller)).toBe(false);
  });

  it('given a field and type without directives, then only the default mode is accepted', () => {
    const rule = ruleOf('Mutation', 'noDirectives', 'AMAZON_COGNITO_USER_POOLS');
    expect(isAuthorized(rule, given.anInsuredAppSyncCaller('00012'))).toBe(true);
    expect(isAuthorized(rule, apiKeyCaller)).toBe(false);
    expect(isAuthorized(rule, pipelineCaller)).toBe(false);
  });

  it('given cognito_groups on a field, then only user-pool members of those groups are admitted', () => {
    const rule = ruleOf('Query', 'staffOnly');
    expect(isAuthorized(rule, given.anInsuredAppSyncCaller('00012', ['agents']))).toBe(true);
    expect(isAuthorized(rule, given.anInsuredAppSyncCaller('00012', ['others']))).toBe(false);
    expect(isAuthorized(rule, given.anInsuredAppSyncCaller('00012'))).toBe(false);
  });

  it("given schema.graphql, when an API key calls the IAM-only publish mutation, then it answers null with AppSync's Unauthorized error and nothing is published", async () => {
    // Given the executor on schema.graphql
    const executor = await localExecutor({});

    // When the API key calls the IAM-only mutation
    const answer = await run(executor, PUBLISH_STATUS_CHANGE, apiKeyCaller, { change: statusChange('00012') });

    // Then the field is refused with AppSync's message and errorType, at its path
    expect(answer).toEqual({
      data: { publishAppointmentStatusChange: null },
      errors: [
        {
          path: ['publishAppointmentStatusChange'],
          data: null,
          errorType: 'Unauthorized',
          errorInfo: null,
          locations: [{ line: 2, column: 3, sourceName: null }],
          message: 'Not Authorized to access publishAppointmentStatusChange on type Mutation',
        },
      ],
    });
  });

  it('given schema.graphql, when IAM asks for the appointments list, then it is refused: Query admits the API key and user pools only', async () => {
    const executor = await localExecutor({ 'Query.appointments': () => Promise.resolve({ data: { items: [], nextToken: null } }) });

    const answer = await run(executor, '{ appointments(insuredId: "00012") { nextToken } }', pipelineCaller);

    expect(answer.data).toBeNull();
    expect(answer.errors).toEqual([
      expect.objectContaining({ errorType: 'Unauthorized', message: 'Not Authorized to access appointments on type Query' }),
    ]);
  });
});
