import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * What AppSync hands a mutation's subscribers: the mutation's result as far as the mutation's
 * own selection set selected it, by field name. A field it did not select is not sent, so the
 * subscriber reads null there, and a subscription argument naming it matches nothing
 * ("Real-time data": the mutation selection set is sent to subscribers,
 * https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-data.html).
 */
export function selectedByMutation(result: unknown, info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): unknown {
  return project(
    result,
    info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : [])),
    info.fragments,
  );
}

function project(value: unknown, selectionSets: readonly SelectionSetNode[], fragments: Record<string, FragmentDefinitionNode>): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => project(item, selectionSets, fragments));
  // A leaf (or a JSON scalar) goes as it is.
  if (typeof value !== 'object' || selectionSets.length === 0) return value;
  const fields = new Map<string, SelectionSetNode[]>();
  for (const selectionSet of selectionSets) collectFields(selectionSet, fragments, fields);
  const record = value as Record<string, unknown>;
  // `__typename` goes when selected and the result names it: it is what tells a subscriber's interface (Centre) which type it is.
  const sent = [...fields].filter(([name]) => name !== '__typename' || typeof record.__typename === 'string');
  return Object.fromEntries(sent.map(([name, nested]) => [name, project(record[name], nested, fragments)]));
}

/** Each field the selection set names (fragments included), with the selection sets under it. */
function collectFields(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  fields: Map<string, SelectionSetNode[]>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const nested = fields.get(selection.name.value) ?? [];
      if (selection.selectionSet) nested.push(selection.selectionSet);
      fields.set(selection.name.value, nested);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) collectFields(selection.selectionSet, fragments, fields);
    else {
      const fragment = fragments[selection.name.value];
      if (fragment) collectFields(fragment.selectionSet, fragments, fields);
    }
  }
}
