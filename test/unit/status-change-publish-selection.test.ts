import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  getNamedType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  Kind,
  parse,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { PUBLISH_STATUS_CHANGE_MUTATION } from '../../core/adapters/appsync-status-changes';
import { topology } from '../../core/config/topology';
import { buildAppSyncSchema } from '../../local/appsync/appsync-schema';

/**
 * AppSync sends subscribers the publish mutation's selection set and nothing else, so every
 * field a subscriber may ask for must be selected by the completion worker's publish.
 */
describe("the completion worker's publish selects every field a subscriber can ask for", () => {
  it('given schema.graphql, when the publish mutation is read, then it selects every field of the pushed type, nested ones included', () => {
    // Given the type the subscription pushes, as schema.graphql declares it
    const schema = buildAppSyncSchema(readFileSync(resolve(__dirname, '../../schema.graphql'), 'utf8'));
    const publish = schema.getMutationType()?.getFields()[topology.statusChanges.fieldName];
    const pushedType = publish && getNamedType(publish.type);
    if (!(pushedType instanceof GraphQLObjectType)) throw new Error('the publish mutation must return an object type');

    // When the worker's mutation document is read
    const operation = parse(PUBLISH_STATUS_CHANGE_MUTATION).definitions[0] as OperationDefinitionNode;
    const field = operation.selectionSet.selections.find(
      (selection) => selection.kind === Kind.FIELD && selection.name.value === topology.statusChanges.fieldName,
    );

    // Then every field of the type (and of any object type under it) is selected
    expect(field?.kind === Kind.FIELD ? selectedPaths(field.selectionSet) : []).toEqual(fieldPaths(schema, pushedType));
  });
});

/**
 * Every path under `type`. An interface (a slot's Centre) counts `__typename`, which AppSync needs to pick the
 * type, and the fields of each type implementing it (a country's centre attributes), as a subscriber may ask for them.
 */
function fieldPaths(schema: GraphQLSchema, type: GraphQLObjectType | GraphQLInterfaceType, prefix = ''): string[] {
  const own = Object.values(type.getFields()).flatMap((field) => {
    const named = getNamedType(field.type);
    const path = `${prefix}${field.name}`;
    return named instanceof GraphQLObjectType || named instanceof GraphQLInterfaceType
      ? [path, ...fieldPaths(schema, named, `${path}/`)]
      : [path];
  });
  const implementations =
    type instanceof GraphQLInterfaceType
      ? [`${prefix}__typename`, ...schema.getPossibleTypes(type).flatMap((implementation) => fieldPaths(schema, implementation, prefix))]
      : [];
  return [...new Set([...own, ...implementations])].sort();
}

/** Every path the selection set names, fields inside inline fragments (`... on PeruCentre`) included. */
function selectedPaths(selectionSet: SelectionSetNode | undefined, prefix = ''): string[] {
  const paths = (selectionSet?.selections ?? []).flatMap((selection) => {
    if (selection.kind === Kind.INLINE_FRAGMENT) return selectedPaths(selection.selectionSet, prefix);
    if (selection.kind !== Kind.FIELD) return [];
    return [`${prefix}${selection.name.value}`, ...selectedPaths(selection.selectionSet, `${prefix}${selection.name.value}/`)];
  });
  return [...new Set(paths)].sort();
}
