import {
  getNamedType,
  GraphQLObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { apiLimits } from '../../core/api-limits';

/**
 * AppSync's per-request limits (`queryDepthLimit`, `resolverCountLimit`), applied
 * before anything runs, so a request over them is refused whole and stores nothing.
 * The resolver count is static: every resolver of this schema sits on a root field,
 * so each occurrence (alias) runs exactly once.
 */
export class RequestLimitError extends Error {
  constructor(
    override readonly name: 'QueryDepthLimitExceeded' | 'ResolverCountLimitExceeded',
    message: string,
  ) {
    super(message);
  }
}

export interface RequestShape {
  readonly depth: number;
  readonly resolverCount: number;
}

/** Throws RequestLimitError when the operation is deeper or calls more resolvers than `apiLimits` allows. */
export function assertWithinRequestLimits(shape: RequestShape, limits: typeof apiLimits = apiLimits): void {
  if (shape.depth > limits.queryDepthLimit) {
    throw new RequestLimitError('QueryDepthLimitExceeded', `The query is ${shape.depth} levels deep; this API allows ${limits.queryDepthLimit}.`);
  }
  if (shape.resolverCount > limits.resolverCountLimit) {
    throw new RequestLimitError(
      'ResolverCountLimitExceeded',
      `The request would run ${shape.resolverCount} resolvers; this API allows ${limits.resolverCountLimit} per request. Nothing was run.`,
    );
  }
}

/** Depth and resolver count of the operation a request selects (by name, or its only one). */
export function requestShape(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, resolvedFields: ReadonlySet<string>): RequestShape {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((candidate) => candidate.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  const rootType = operation && rootTypeOf(schema, operation.operation);
  // Anything unresolvable here is left to GraphQL validation, which names the problem.
  if (!operation || !rootType) return { depth: 0, resolverCount: 0 };
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  return measure(schema, rootType, operation.selectionSet, fragments, resolvedFields, new Set());
}

function measure(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  resolvedFields: ReadonlySet<string>,
  spreading: ReadonlySet<string>,
): RequestShape {
  let depth = 0;
  let resolverCount = 0;
  const add = (shape: RequestShape, levels: number) => {
    depth = Math.max(depth, shape.depth + levels);
    resolverCount += shape.resolverCount;
  };
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (resolvedFields.has(`${type.name}.${selection.name.value}`)) resolverCount += 1;
      const fieldType = type.getFields()[selection.name.value]?.type;
      const inner = fieldType && getNamedType(fieldType);
      const nested = selection.selectionSet && inner instanceof GraphQLObjectType ? measure(schema, inner, selection.selectionSet, fragments, resolvedFields, spreading) : { depth: 0, resolverCount: 0 };
      add(nested, 1);
    } else {
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
      if (!fragment || (name && spreading.has(name))) continue;
      const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
      if (!(condition instanceof GraphQLObjectType)) continue;
      add(measure(schema, condition, fragment.selectionSet, fragments, resolvedFields, name ? new Set([...spreading, name]) : spreading), 0);
    }
  }
  return { depth, resolverCount };
}

// graphql 15 (the simulator's) has no schema.getRootType.
function rootTypeOf(schema: GraphQLSchema, operation: OperationDefinitionNode['operation']): GraphQLObjectType | null | undefined {
  if (operation === 'query') return schema.getQueryType();
  if (operation === 'mutation') return schema.getMutationType();
  return schema.getSubscriptionType();
}
