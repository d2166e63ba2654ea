import type { AppSyncResolverEvent } from 'aws-lambda';
import { Kind, print, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { identityOf, type AppSyncRequestContext } from './request-context';

/**
 * The event AppSync sends a direct Lambda resolver (and the context an APPSYNC_JS
 * handler reads), built from the field being resolved: "Direct Lambda resolvers" in
 * https://docs.aws.amazon.com/appsync/latest/devguide/resolver-reference-lambda-js.html
 * and the context reference
 * https://docs.aws.amazon.com/appsync/latest/devguide/resolver-context-reference-js.html.
 * A unit resolver has no previous function (`prev` null) and starts with an empty stash.
 */
export function directResolverEvent(
  source: unknown,
  args: Record<string, unknown>,
  context: AppSyncRequestContext,
  info: GraphQLResolveInfo,
): AppSyncResolverEvent<Record<string, unknown>, Record<string, unknown> | null> {
  return {
    arguments: args,
    identity: identityOf(context),
    source: (source ?? null) as Record<string, unknown> | null,
    request: { headers: headersOf(context), domainName: null },
    info: {
      fieldName: info.fieldName,
      parentTypeName: info.parentType.name,
      variables: info.variableValues,
      selectionSetList: selectionSetList(info),
      selectionSetGraphQL: selectionSetGraphQL(info),
    },
    prev: null,
    stash: {},
  };
}

/** Header values as one string each, as AppSync lists them. */
function headersOf(context: AppSyncRequestContext): Record<string, string> {
  return Object.fromEntries(
    Object.entries(context.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, [value].flat().join(',')]])),
  );
}

/**
 * Every field under this one, as slash-separated paths in query order, by field name
 * (aliases are not used); fragments count as the fields they hold.
 */
export function selectionSetList(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): string[] {
  const paths = new Set<string>();
  const walk = (selectionSet: SelectionSetNode | undefined, prefix: string) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const path = `${prefix}${selection.name.value}`;
        paths.add(path);
        walk(selection.selectionSet, `${path}/`);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, prefix);
      else walk(info.fragments[selection.name.value]?.selectionSet, prefix);
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet, '');
  return [...paths];
}

/** The field's selection set as written in the query (fragment spreads are not expanded); empty for a leaf. */
export function selectionSetGraphQL(info: Pick<GraphQLResolveInfo, 'fieldNodes'>): string {
  return info.fieldNodes
    .map((node: FieldNode) => (node.selectionSet ? print(node.selectionSet) : ''))
    .filter(Boolean)
    .join('\n');
}
