import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildASTSchema, concatAST, GraphQLScalarType, Kind, parse, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { appSyncScalars } from './scalars';

/**
 * schema.graphql as AppSync reads it: its scalars and directives are AppSync's own,
 * never declared in the file. The directives come from the definitions file that
 * codegen reads too; each AppSync scalar the schema uses must be one the local
 * executor implements (scalars.ts), or the stack refuses to start, naming it.
 */
const APPSYNC_DEFINITIONS = resolve(__dirname, '..', '..', 'core', 'graphql', 'appsync-definitions.graphql');
const GRAPHQL_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

export class UnsupportedSchemaError extends Error {
  override readonly name = 'UnsupportedSchemaError';
}

export function buildAppSyncSchema(schemaSource: string): GraphQLSchema {
  const schemaDocument = parse(schemaSource);
  const scalarDeclarations = appSyncScalarsUsedBy(schemaDocument).map((name) => `scalar ${name}`);
  const document = concatAST([
    appSyncDirectives(),
    schemaDocument,
    ...(scalarDeclarations.length ? [parse(scalarDeclarations.join('\n'))] : []),
  ]);
  const schema = buildASTSchema(document);
  for (const [name, implementation] of appSyncScalars) {
    const declared = schema.getType(name);
    // buildASTSchema makes scalars that accept anything; AppSync's rules replace their behaviour.
    if (declared instanceof GraphQLScalarType) {
      Object.assign(declared, {
        description: implementation.description,
        serialize: implementation.serialize,
        parseValue: implementation.parseValue,
        parseLiteral: implementation.parseLiteral,
      });
    }
  }
  return schema;
}

/** The names of types the schema uses but does not define: AppSync's scalars, each of which must be implemented here. */
function appSyncScalarsUsedBy(document: DocumentNode): string[] {
  const defined = new Set(
    document.definitions.flatMap((definition) => ('name' in definition && definition.name ? [definition.name.value] : [])),
  );
  const used = new Set<string>();
  visit(document, {
    NamedType(node) {
      used.add(node.name.value);
    },
  });
  const external = [...used].filter((name) => !defined.has(name) && !GRAPHQL_SCALARS.has(name));
  const unsupported = external.filter((name) => !appSyncScalars.has(name));
  if (unsupported.length) {
    throw new UnsupportedSchemaError(
      `schema.graphql uses ${unsupported.join(', ')}, which the local AppSync does not implement (it implements ${[...appSyncScalars.keys()].join(', ')}).`,
    );
  }
  return external;
}

let directives: DocumentNode | undefined;

/** AppSync's directives (@aws_api_key, @aws_cognito_user_pools, @aws_subscribe, …), read once. */
function appSyncDirectives(): DocumentNode {
  if (!directives) {
    const definitions = parse(readFileSync(APPSYNC_DEFINITIONS, 'utf8'));
    directives = {
      ...definitions,
      definitions: definitions.definitions.filter((definition) => definition.kind === Kind.DIRECTIVE_DEFINITION),
    };
  }
  return directives;
}
