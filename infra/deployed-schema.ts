import * as appsync from 'aws-cdk-lib/aws-appsync';
import { Kind, parse, visit, type DirectiveNode } from 'graphql';

/**
 * The schema AppSync serves, from the one schema.graphql: the auth directives of the modes the
 * API has, and none of a mode it lacks. AppSync's authorization page documents each directive
 * with its mode and documents nothing for a directive naming a mode the API was not given, so a
 * production API (no API key mode) must not carry `@aws_api_key`.
 */

/** AppSync's auth directive for each authorization type (Developer Guide, "Configuring authorization and authentication"). */
const AUTH_DIRECTIVE: { readonly [T in appsync.AuthorizationType]: string } = {
  [appsync.AuthorizationType.API_KEY]: 'aws_api_key',
  [appsync.AuthorizationType.IAM]: 'aws_iam',
  [appsync.AuthorizationType.USER_POOL]: 'aws_cognito_user_pools',
  [appsync.AuthorizationType.OIDC]: 'aws_oidc',
  [appsync.AuthorizationType.LAMBDA]: 'aws_lambda',
};
const ALL_AUTH_DIRECTIVES = new Set(Object.values(AUTH_DIRECTIVE));

/** schema.graphql as AppSync serves it on an API with these modes (CDK's SchemaFile, its text filtered). */
export function deployedSchema(file: string, modes: readonly appsync.AuthorizationType[]): appsync.SchemaFile {
  const schema = appsync.SchemaFile.fromAsset(file);
  schema.definition = schemaForAuthorizationModes(schema.definition, modes);
  return schema;
}

/**
 * `schema` with the directives of modes not in `modes` cut out, every other byte kept. Throws when
 * a type or field would be left with no auth directive: it would silently fall to the default mode.
 */
export function schemaForAuthorizationModes(schema: string, modes: readonly appsync.AuthorizationType[]): string {
  const kept = new Set(modes.map((mode) => AUTH_DIRECTIVE[mode]));
  const cuts: { start: number; end: number }[] = [];
  const stranded: string[] = [];
  const check = (name: string, directives: readonly DirectiveNode[] | undefined) => {
    const auth = (directives ?? []).filter((directive) => ALL_AUTH_DIRECTIVES.has(directive.name.value));
    const dropped = auth.filter((directive) => !kept.has(directive.name.value));
    if (dropped.length && dropped.length === auth.length) stranded.push(name);
    for (const directive of dropped) if (directive.loc) cuts.push(lineAwareCut(schema, directive.loc.start, directive.loc.end));
  };
  let typeName = '';
  visit(parse(schema), {
    enter(node) {
      if (node.kind === Kind.OBJECT_TYPE_DEFINITION || node.kind === Kind.OBJECT_TYPE_EXTENSION) {
        typeName = node.name.value;
        check(typeName, node.directives);
      } else if (node.kind === Kind.FIELD_DEFINITION) check(`${typeName}.${node.name.value}`, node.directives);
    },
  });
  if (stranded.length) {
    throw new Error(
      `${stranded.join(', ')} would be reachable by no configured mode (${modes.join(', ')}): give each a directive of a mode the API has`,
    );
  }
  return cuts.sort((a, b) => b.start - a.start).reduce((text, { start, end }) => text.slice(0, start) + text.slice(end), schema);
}

/** The directive with the blanks before it on its line; the whole line when nothing else is on it. */
function lineAwareCut(text: string, start: number, end: number): { start: number; end: number } {
  let from = start;
  while (from > 0 && (text[from - 1] === ' ' || text[from - 1] === '\t')) from--;
  const lineEnd = text.indexOf('\n', end);
  const restOfLine = text.slice(end, lineEnd === -1 ? text.length : lineEnd);
  if ((from === 0 || text[from - 1] === '\n') && restOfLine.trim() === '')
    return { start: from, end: lineEnd === -1 ? text.length : lineEnd + 1 };
  return { start: from, end };
}
