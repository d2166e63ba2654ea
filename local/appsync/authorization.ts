import {
  defaultFieldResolver,
  GraphQLObjectType,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { FieldNotAuthorizedError } from './appsync-error';
import type { AuthenticatedCaller } from './authentication';
import type { AppSyncRequestContext } from './request-context';

/**
 * AppSync's authorization directives, applied per type and field as "Configuring
 * authorization and authentication" says
 * (https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html):
 * - a field's own directives decide for it; a field without any takes its type's;
 *   a field and type without any accept the API's default mode only;
 * - `@aws_cognito_user_pools(cognito_groups: [...])` admits members of those groups only;
 * - a field the caller's mode may not use answers "Not Authorized to access X on type Y"
 *   (errorType Unauthorized), and null, while the rest of the request runs.
 */
export type AuthorizationMode = 'API_KEY' | 'AMAZON_COGNITO_USER_POOLS' | 'AWS_IAM' | 'OPENID_CONNECT' | 'AWS_LAMBDA';

const MODE_OF_DIRECTIVE: Readonly<Record<string, AuthorizationMode>> = {
  aws_api_key: 'API_KEY',
  aws_cognito_user_pools: 'AMAZON_COGNITO_USER_POOLS',
  aws_iam: 'AWS_IAM',
  aws_oidc: 'OPENID_CONNECT',
  aws_lambda: 'AWS_LAMBDA',
};

/** Who may use one field. `cognitoGroups` undefined: any user-pool user the mode admits. */
export interface FieldAuthorization {
  readonly modes: ReadonlySet<AuthorizationMode>;
  readonly cognitoGroups?: readonly string[];
}

export function fieldAuthorization(
  type: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
  defaultMode: AuthorizationMode,
): FieldAuthorization {
  const own = authDirectives(field.astNode?.directives);
  const chosen = own.length ? own : authDirectives(type.astNode?.directives);
  if (!chosen.length) return { modes: new Set([defaultMode]) };
  const groups = chosen
    .filter((directive) => directive.name.value === 'aws_cognito_user_pools')
    .flatMap((directive) => directive.arguments?.filter((argument) => argument.name.value === 'cognito_groups') ?? [])
    .flatMap((argument) => [valueFromASTUntyped(argument.value)].flat().map(String));
  return {
    modes: new Set(chosen.map((directive) => MODE_OF_DIRECTIVE[directive.name.value] as AuthorizationMode)),
    cognitoGroups: groups.length ? groups : undefined,
  };
}

export function isAuthorized(rule: FieldAuthorization, caller: AuthenticatedCaller): boolean {
  if (!rule.modes.has(caller.mode)) return false;
  if (caller.mode !== 'AMAZON_COGNITO_USER_POOLS' || !rule.cognitoGroups) return true;
  const groups = caller.claims['cognito:groups'];
  return Array.isArray(groups) && groups.some((group) => rule.cognitoGroups?.includes(String(group)));
}

/**
 * Wraps every field of the schema's own types with its rule. A subscription field is
 * checked when the client subscribes (its `subscribe`), as AppSync does; the events
 * pushed afterwards are checked field by field like any answer.
 */
export function applyAuthorization(schema: GraphQLSchema, defaultMode: AuthorizationMode): void {
  const subscriptionType = schema.getSubscriptionType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const rule = fieldAuthorization(type, field, defaultMode);
      const guard =
        <Result>(
          resolve: GraphQLFieldResolver<unknown, AppSyncRequestContext>,
        ): GraphQLFieldResolver<unknown, AppSyncRequestContext, Record<string, unknown>, Result> =>
        (source, args, context, info) => {
          if (!isAuthorized(rule, context.caller)) throw new FieldNotAuthorizedError(field.name, type.name);
          return resolve(source, args, context, info) as Result;
        };
      if (type === subscriptionType && field.subscribe) field.subscribe = guard(field.subscribe);
      else field.resolve = guard(field.resolve ?? defaultFieldResolver);
    }
  }
}

function authDirectives(directives: readonly ConstDirectiveNode[] | undefined): ConstDirectiveNode[] {
  return (directives ?? []).filter((directive) => directive.name.value in MODE_OF_DIRECTIVE);
}
