import {
  getNamedType,
  getOperationAST,
  isEnumType,
  isInputObjectType,
  isInputType,
  isLeafType,
  isListType,
  isNonNullType,
  isTypeDefinitionNode,
  isTypeExtensionNode,
  Kind,
  specifiedRules,
  TypeInfo,
  typeFromAST,
  validate,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type ASTNode,
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLCompositeType,
  type GraphQLError,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLLeafType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  type VariableDefinitionNode,
  type VariableNode,
} from 'graphql';
import type { AppSyncErrorJson } from './appsync-error';

/**
 * A request that fails GraphQL validation, or whose variables do not coerce, answered in AWS AppSync's
 * words. AppSync validates with graphql-java 9.x and answers HTTP 200, `data: null`, and per error
 * `path: null`, `locations` (with `sourceName: null`) and `message`, without suggestions
 * (graphql/graphql-over-http issue 81, written by the AppSync team; aws-amplify/learn issue 417).
 * graphql-js decides what is invalid (its `validate` and its scalars); this file only words it.
 *
 * The wording is graphql-java's at tag v9.6 (github.com/graphql-java/graphql-java): a message is
 * `Validation error of type <ValidationErrorType>: <description> @ '<path>'` (validation/ValidationError.java),
 * the path being the names of the fields, and of the fragment definitions, the traversal is inside
 * (validation/TraversalContext.java), and each description is its rule's (validation/rules/*.java,
 * validation/ArgumentValidationUtil.java). Why 9.x: AppSync still answers `is not a valid 'AWSJSON'` with no
 * detail after it (awslabs/aws-mobile-appsync-sdk-js issue 554; graphql-java 14 added one), `Sub selection
 * required for type null` for a non-null field (9.x prints wrapped types' getName()), and `Variable 'x' has
 * coerced Null value for NonNull type 'String!'` for a missing nested field (aws/aws-appsync-community issue 406;
 * graphql-java 10 names the field). Variables are coerced as execution/ValuesResolver.java does (the first
 * failure only), with AppSync's own scalar messages and its unnamed extra input field (aws-appsync-community
 * issue 273). Rules graphql-java 9.x lacks (unique names, single-field subscriptions) keep graphql-java's later
 * names and wording; anything else keeps graphql-js's message, any "Did you mean" cut off.
 */

/** AppSync's answer to a document that fails validation, or undefined when it is valid. */
export function appSyncValidationRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
): { data: null; errors: AppSyncErrorJson[] } | undefined {
  const errors = appSyncValidationErrors(schema, document);
  return errors.length ? { data: null, errors } : undefined;
}

/** AppSync's answer to a request whose variables do not coerce (graphql-java stops at the first), or undefined. */
export function appSyncVariablesRefusal(
  schema: GraphQLSchema,
  request: { readonly document: DocumentNode; readonly variables?: Record<string, unknown>; readonly operationName?: string },
): { data: null; errors: AppSyncErrorJson[] } | undefined {
  const operation = getOperationAST(request.document, request.operationName);
  for (const definition of operation?.variableDefinitions ?? []) {
    const fault = variableFault(schema, definition, request.variables ?? {});
    if (fault)
      return {
        data: null,
        errors: [fault.located ? errorJson(fault.message, [definition]) : { path: null, locations: null, message: fault.message }],
      };
  }
  return undefined;
}

/** Each error graphql-js's validation finds, as graphql-java words, locates and orders it (none when valid). */
export function appSyncValidationErrors(schema: GraphQLSchema, document: DocumentNode): AppSyncErrorJson[] {
  const ruleOf = new WeakMap<GraphQLError, string>();
  const errors = validate(
    schema,
    document,
    specifiedRules.map((rule) => taggedRule(rule, ruleOf)),
  );
  if (!errors.length) return [];
  const context = documentContext(schema, document);
  const translated = errors.flatMap((error) => translate(error, ruleOf.get(error), context));
  // graphql-java reports in its traversal's order, and at one node in its rules' order; graphql-js differs
  // (it checks required arguments when it leaves a field): AppSync answers Missing… before Unknown… arguments.
  const ordered = translated.sort((a, b) => a.step - b.step || ruleRank(a.type) - ruleRank(b.type));
  return ordered.map(({ type, description, path, nodes }) =>
    errorJson(`Validation error of type ${type}: ${description}${pathSuffix(path)}`, nodes),
  );
}

/** graphql-java's ValidationError: its type, description, query path, the nodes it is located at, and when it is found. */
interface JavaValidationError {
  readonly type: string;
  readonly description: string;
  readonly path: readonly string[];
  readonly nodes: readonly ASTNode[];
  /** The traversal event (a node entered or left) at which graphql-java reports it. */
  readonly step: number;
}

/**
 * graphql-java 9.x's rules in Validator.createRules order, by the types they report; later rules after them.
 * RulesVisitor runs every rule at each node it enters, in this order.
 */
const RULE_ORDER: readonly (readonly string[])[] = [
  ['NonExecutableDefinition'],
  ['WrongType'],
  ['FieldUndefined'],
  ['InlineFragmentTypeConditionInvalid', 'FragmentTypeConditionInvalid'],
  ['UnknownArgument'],
  ['UnknownDirective', 'MisplacedDirective'],
  ['UndefinedFragment'],
  ['UnknownType'],
  ['FragmentCycle'],
  ['UndefinedVariable'],
  ['UnusedFragment'],
  ['UnusedVariable'],
  ['FieldsConflict'],
  ['InvalidFragmentType'],
  ['MissingFieldArgument', 'MissingDirectiveArgument'],
  ['SubSelectionRequired', 'SubSelectionNotAllowed'],
  ['BadValueForDefaultArg'],
  ['NonInputTypeOnVariable'],
  ['VariableTypeMismatch'],
  ['LoneAnonymousOperationViolation'],
  ['DuplicateOperationName'],
];

function ruleRank(type: string): number {
  const rank = RULE_ORDER.findIndex((types) => types.includes(type));
  return rank < 0 ? RULE_ORDER.length : rank;
}

function pathSuffix(path: readonly string[]): string {
  return path.length ? ` @ '${path.join('/')}'` : '';
}

function errorJson(message: string, nodes: readonly ASTNode[]): AppSyncErrorJson {
  const locations = nodes.flatMap((node) =>
    node.loc ? [{ line: node.loc.startToken.line, column: node.loc.startToken.column, sourceName: null }] : [],
  );
  return { path: null, locations, message };
}

/** The rule, with each error it reports remembered as its own: one validation pass keeps graphql-js's order. */
function taggedRule(rule: ValidationRule, ruleOf: WeakMap<GraphQLError, string>): ValidationRule {
  return (context) => {
    const reporting = Object.create(context) as ValidationContext;
    reporting.reportError = (error) => {
      ruleOf.set(error, rule.name);
      context.reportError(error);
    };
    return rule(reporting);
  };
}

/* ---- Where each node stands, as graphql-java's TraversalContext sees it ---- */

interface Spot {
  /** graphql-java's query path there: the names of the enclosing fields and fragment definitions, the node's own included. */
  readonly path: readonly string[];
  /** The traversal event at which the node is entered. */
  readonly step: number;
  readonly parent?: ASTNode;
  readonly parentType?: GraphQLCompositeType | null;
  readonly type?: GraphQLOutputType | null;
  readonly inputType?: GraphQLInputType | null;
  readonly argument?: ArgumentNode;
  readonly variableDefinition?: VariableDefinitionNode;
  readonly definition?: OperationDefinitionNode | FragmentDefinitionNode;
}

interface DocumentContext {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  spot(node: ASTNode | undefined): Spot;
  /** The traversal event at which the node is left. */
  left(node: ASTNode | undefined): number;
  /** Keys already answered: errors graphql-java reports once where graphql-js reports several. */
  readonly answered: Set<unknown>;
}

function documentContext(schema: GraphQLSchema, document: DocumentNode): DocumentContext {
  const { spots, left } = spotsOf(schema, document);
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  return {
    schema,
    document,
    fragments,
    spot: (node) => (node && spots.get(node)) || { path: [], step: 0 },
    left: (node) => (node && left.get(node)) ?? 0,
    answered: new Set(),
  };
}

function spotsOf(schema: GraphQLSchema, document: DocumentNode): { spots: Map<ASTNode, Spot>; left: Map<ASTNode, number> } {
  const spots = new Map<ASTNode, Spot>();
  const left = new Map<ASTNode, number>();
  let step = 0;
  const typeInfo = new TypeInfo(schema);
  const names: string[] = [];
  const ancestors: ASTNode[] = [];
  let enclosing: Pick<Spot, 'argument' | 'variableDefinition' | 'definition'> = {};
  const named = (node: ASTNode): node is FieldNode | FragmentDefinitionNode =>
    node.kind === Kind.FIELD || node.kind === Kind.FRAGMENT_DEFINITION;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      enter(node) {
        if (named(node)) names.push(node.name.value);
        if (node.kind === Kind.ARGUMENT) enclosing = { ...enclosing, argument: node };
        if (node.kind === Kind.VARIABLE_DEFINITION) enclosing = { ...enclosing, variableDefinition: node };
        if (node.kind === Kind.OPERATION_DEFINITION || node.kind === Kind.FRAGMENT_DEFINITION) enclosing = { definition: node };
        const here = { parentType: typeInfo.getParentType(), type: typeInfo.getType(), inputType: typeInfo.getInputType() };
        spots.set(node, { path: [...names], step: step++, parent: ancestors[ancestors.length - 1], ...here, ...enclosing });
        ancestors.push(node);
      },
      leave(node) {
        left.set(node, step++);
        ancestors.pop();
        if (named(node)) names.pop();
        if (node.kind === Kind.ARGUMENT) enclosing = { ...enclosing, argument: undefined };
        if (node.kind === Kind.VARIABLE_DEFINITION) enclosing = { ...enclosing, variableDefinition: undefined };
      },
    }),
  );
  return { spots, left };
}

interface Where {
  readonly path?: readonly string[];
  readonly step?: number;
}

/** Reported outside any field: no path. */
const NO_PATH: Where = { path: [] };

/**
 * Where graphql-java reports a node inside a fragment for the rules that follow fragment spreads
 * (NoUndefinedVariables, VariableTypesMatchRule): while at the operation's first spread of it, with
 * that spread's path, then the fragment's.
 */
function whereThroughSpreads(node: ASTNode, operation: ASTNode | undefined, context: DocumentContext): Where {
  const spot = context.spot(node);
  if (spot.definition?.kind !== Kind.FRAGMENT_DEFINITION || operation?.kind !== Kind.OPERATION_DEFINITION) return {};
  const trail = spreadTrail(operation.selectionSet.selections, spot.definition.name.value, context, new Set());
  if (!trail) return {};
  // Within that spread, in the fragment's own order.
  return { path: [...trail.names, ...spot.path], step: context.spot(trail.spread).step + spot.step / 1e9 };
}

/** The names on the way to a spread of the fragment, and the operation's outermost spread on that way. */
interface SpreadTrail {
  readonly names: readonly string[];
  readonly spread: FragmentSpreadNode;
}

function spreadTrail(
  selections: readonly SelectionNode[],
  fragmentName: string,
  context: DocumentContext,
  seen: Set<string>,
): SpreadTrail | undefined {
  for (const selection of selections) {
    const trail = selectionTrail(selection, fragmentName, context, seen);
    if (trail) return trail;
  }
  return undefined;
}

function selectionTrail(
  selection: SelectionNode,
  fragmentName: string,
  context: DocumentContext,
  seen: Set<string>,
): SpreadTrail | undefined {
  if (selection.kind === Kind.INLINE_FRAGMENT) return spreadTrail(selection.selectionSet.selections, fragmentName, context, seen);
  if (selection.kind === Kind.FIELD) {
    const trail = selection.selectionSet && spreadTrail(selection.selectionSet.selections, fragmentName, context, seen);
    return trail && { names: [selection.name.value, ...trail.names], spread: trail.spread };
  }
  const name = selection.name.value;
  if (name === fragmentName) return { names: [], spread: selection };
  const fragment = context.fragments.get(name);
  if (!fragment || seen.has(name)) return undefined;
  const trail = spreadTrail(fragment.selectionSet.selections, fragmentName, context, new Set([...seen, name]));
  return trail && { names: [name, ...trail.names], spread: selection };
}

/* ---- graphql-js's errors, rule by rule, in graphql-java 9.x's words ---- */

type Translation = (error: GraphQLError, context: DocumentContext) => JavaValidationError[];

function translate(error: GraphQLError, rule: string | undefined, context: DocumentContext): JavaValidationError[] {
  const translation = rule === undefined ? undefined : TRANSLATIONS[rule];
  return translation ? translation(error, context) : [fallback(error, rule, context)];
}

/** A rule graphql-java does not have: graphql-js's words, without suggestions (they would show the schema). */
function fallback(error: GraphQLError, rule: string | undefined, context: DocumentContext): JavaValidationError {
  const type = rule?.replace(/Rule$/, '') ?? 'ValidationError';
  return {
    type,
    description: error.message.replace(/ Did you mean .*$/s, ''),
    path: [],
    nodes: error.nodes ?? [],
    step: context.spot(nodeOf(error)).step,
  };
}

const nodeOf = (error: GraphQLError, index = 0): ASTNode | undefined => error.nodes?.[index];
const nameOf = (node: ASTNode | undefined): string => {
  if (node?.kind === Kind.NAME) return node.value;
  return node && 'name' in node && node.name ? node.name.value : '';
};
/** graphql-java 9.x prints a wrapped type's getName(), which is null. */
const javaName = (type: { toString(): string } | null | undefined): string =>
  type && !/[!\]]$/.test(String(type)) ? String(type) : 'null';

function reported(
  type: string,
  description: string,
  node: ASTNode | undefined,
  context: DocumentContext,
  where: Where = {},
): JavaValidationError[] {
  const spot = context.spot(node);
  return [{ type, description, path: where.path ?? spot.path, nodes: node ? [node] : [], step: where.step ?? spot.step }];
}

/** Once per key: for the rules graphql-java reports once where graphql-js reports several errors. */
function once(key: unknown, context: DocumentContext, errors: () => JavaValidationError[]): JavaValidationError[] {
  if (context.answered.has(key)) return [];
  context.answered.add(key);
  return errors();
}

const TRANSLATIONS: Readonly<Record<string, Translation>> = {
  ExecutableDefinitionsRule: (error, context) => {
    const description = `The ${definitionName(nodeOf(error) as DefinitionNode)} definition is not executable.`;
    return reported('NonExecutableDefinition', description, nodeOf(error), context, {
      path: [],
      step: context.spot(context.document).step,
    });
  },
  UniqueOperationNamesRule: (error, context) => {
    const operation = context.spot(nodeOf(error, 1)).parent;
    return reported('DuplicateOperationName', `There can be only one operation named '${nameOf(operation)}'`, operation, context, NO_PATH);
  },
  LoneAnonymousOperationRule: (_error, context) => once('LoneAnonymousOperation', context, () => loneAnonymousOperations(context)),
  SingleFieldSubscriptionsRule: singleFieldSubscription,
  KnownTypeNamesRule: (error, context) => reported('UnknownType', `Unknown type ${nameOf(nodeOf(error))}`, nodeOf(error), context),
  FragmentsOnCompositeTypesRule: (error, context) => {
    const fragment = context.spot(nodeOf(error)).parent;
    return fragment?.kind === Kind.INLINE_FRAGMENT
      ? reported(
          'InlineFragmentTypeConditionInvalid',
          'Inline fragment type condition is invalid, must be on Object/Interface/Union',
          fragment,
          context,
        )
      : reported(
          'FragmentTypeConditionInvalid',
          'Fragment type condition is invalid, must be on Object/Interface/Union',
          fragment,
          context,
        );
  },
  VariablesAreInputTypesRule: (error, context) =>
    reported('NonInputTypeOnVariable', 'Wrong type for a variable', context.spot(nodeOf(error)).parent, context, NO_PATH),
  ScalarLeafsRule: scalarLeaf,
  FieldsOnCorrectTypeRule: (error, context) => {
    const field = nodeOf(error);
    return reported(
      'FieldUndefined',
      `Field '${nameOf(field)}' in type '${context.spot(field).parentType?.name}' is undefined`,
      field,
      context,
    );
  },
  UniqueFragmentNamesRule: (error, context) => {
    const fragment = context.spot(nodeOf(error, 1)).parent;
    return reported('DuplicateFragmentName', `There can be only one fragment named '${nameOf(fragment)}'`, fragment, context);
  },
  KnownFragmentNamesRule: (error, context) => {
    const spread = context.spot(nodeOf(error)).parent;
    return reported('UndefinedFragment', `Undefined fragment ${nameOf(spread)}`, spread, context);
  },
  NoUnusedFragmentsRule: (error, context) =>
    reported('UnusedFragment', `Unused fragment ${nameOf(nodeOf(error))}`, nodeOf(error), context, {
      path: [],
      step: context.left(context.document),
    }),
  PossibleFragmentSpreadsRule: possibleFragmentSpread,
  NoFragmentCyclesRule: (_error, context) => once('NoFragmentCycles', context, () => fragmentCycles(context)),
  UniqueVariableNamesRule: (error, context) =>
    (error.nodes ?? []).slice(1).flatMap((name) => {
      const definition = context.spot(context.spot(name).parent).parent;
      return reported('DuplicateVariableName', `There can be only one variable named '${nameOf(name)}'`, definition, context, NO_PATH);
    }),
  NoUndefinedVariablesRule: (error, context) => {
    const variable = nodeOf(error);
    return reported(
      'UndefinedVariable',
      `Undefined variable ${nameOf(variable)}`,
      variable,
      context,
      variable ? whereThroughSpreads(variable, nodeOf(error, 1), context) : NO_PATH,
    );
  },
  NoUnusedVariablesRule: (error, context) => {
    const definition = nodeOf(error);
    // graphql-java finds it when it leaves the operation
    const where = { path: [], step: context.left(context.spot(definition).definition) };
    return reported(
      'UnusedVariable',
      `Unused variable ${nameOf((definition as VariableDefinitionNode | undefined)?.variable)}`,
      definition,
      context,
      where,
    );
  },
  KnownDirectivesRule: (error, context) => {
    const directive = nodeOf(error);
    const name = nameOf(directive);
    return context.schema.getDirective(name)
      ? reported('MisplacedDirective', `Directive ${name} not allowed here`, directive, context)
      : reported('UnknownDirective', `Unknown directive ${name}`, directive, context);
  },
  UniqueDirectivesPerLocationRule: (error, context) => {
    const directive = nodeOf(error, 1);
    const description = `Directives must be uniquely named within a location. The directive '${nameOf(directive)}' used on a '${context.spot(directive).parent?.kind}' is not unique.`;
    return reported('DuplicateDirectiveName', description, directive, context);
  },
  KnownArgumentNamesRule: (error, context) => {
    const argument = nodeOf(error);
    return context.spot(argument).parent?.kind === Kind.DIRECTIVE
      ? reported('UnknownDirective', `Unknown directive argument ${nameOf(argument)}`, argument, context)
      : reported('UnknownArgument', `Unknown field argument ${nameOf(argument)}`, argument, context);
  },
  UniqueArgumentNamesRule: (error, context) =>
    (error.nodes ?? []).slice(1).flatMap((name) => {
      const owner = context.spot(context.spot(name).parent).parent;
      return reported('DuplicateArgumentNames', `There can be only one argument named '${nameOf(name)}'`, owner, context);
    }),
  ValuesOfCorrectTypeRule: valueOfWrongType,
  ProvidedRequiredArgumentsRule: (error, context) => {
    const node = nodeOf(error);
    const argument = /argument "(\w+)"/.exec(error.message)?.[1] ?? '';
    return node?.kind === Kind.DIRECTIVE
      ? reported('MissingDirectiveArgument', `Missing directive argument ${argument}`, node, context)
      : reported('MissingFieldArgument', `Missing field argument ${argument}`, node, context);
  },
  VariablesInAllowedPositionRule: variableTypeMismatch,
  OverlappingFieldsCanBeMergedRule: fieldsConflict,
  UniqueInputFieldNamesRule: (error, context) => {
    const field = context.spot(nodeOf(error, 1)).parent;
    return reported('UniqueObjectFieldName', `There can be only one field named '${nameOf(field)}'`, field, context);
  },
};

function definitionName(definition: DefinitionNode | undefined): string {
  if (definition && (isTypeDefinitionNode(definition) || isTypeExtensionNode(definition))) return definition.name.value;
  return definition?.kind === Kind.SCHEMA_DEFINITION ? 'schema' : 'provided';
}

/** graphql-java's LoneAnonymousOperation: an anonymous operation after another, or any operation after an anonymous one. */
function loneAnonymousOperations(context: DocumentContext): JavaValidationError[] {
  const operations = context.document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const anonymousAt = operations.findIndex((operation) => !operation.name);
  return operations.flatMap((operation, index) => {
    if (!operation.name && index > 0)
      return reported('LoneAnonymousOperationViolation', 'Anonymous operation with other operations.', operation, context, NO_PATH);
    if (operation.name && anonymousAt >= 0 && index > anonymousAt)
      return reported(
        'LoneAnonymousOperationViolation',
        `Operation ${operation.name.value} is following anonymous operation.`,
        operation,
        context,
        NO_PATH,
      );
    return [];
  });
}

/** graphql-java 17+ (9.x has no such rule): SubscriptionUniqueRootField and SubscriptionIntrospectionRootField. */
function singleFieldSubscription(error: GraphQLError, context: DocumentContext): JavaValidationError[] {
  const field = nodeOf(error);
  const operation = context.spot(field).definition;
  const name = operation?.name?.value ?? 'null';
  return error.message.includes('introspection')
    ? reported(
        'SubscriptionIntrospectionRootField',
        `Subscription operation '${name}' root field '${nameOf(field)}' cannot be an introspection field`,
        field,
        context,
        NO_PATH,
      )
    : reported(
        'SubscriptionMultipleRootFields',
        `Subscription operation '${name}' must have exactly one root field`,
        field,
        context,
        NO_PATH,
      );
}

function scalarLeaf(error: GraphQLError, context: DocumentContext): JavaValidationError[] {
  const node = nodeOf(error);
  const field = node?.kind === Kind.SELECTION_SET ? context.spot(node).parent : node;
  const type = context.spot(field).type;
  return type && isLeafType(getNamedType(type))
    ? reported(
        'SubSelectionNotAllowed',
        `Sub selection not allowed on leaf type ${javaName(type)} of field ${nameOf(field)}`,
        field,
        context,
      )
    : reported('SubSelectionRequired', `Sub selection required for type ${javaName(type)} of field ${nameOf(field)}`, field, context);
}

function possibleFragmentSpread(error: GraphQLError, context: DocumentContext): JavaValidationError[] {
  const node = nodeOf(error);
  const spot = context.spot(node);
  const parentType = spot.parentType?.name ?? 'null';
  if (node?.kind !== Kind.FRAGMENT_SPREAD) {
    return reported(
      'InvalidFragmentType',
      `Fragment cannot be spread here as objects of type ${parentType} can never be of type ${javaName(spot.type)}`,
      node,
      context,
    );
  }
  const condition = context.fragments.get(node.name.value)?.typeCondition.name.value ?? 'null';
  return reported(
    'InvalidFragmentType',
    `Fragment ${node.name.value} cannot be spread here as objects of type ${parentType} can never be of type ${condition}`,
    node,
    context,
  );
}

/** graphql-java's NoFragmentCycles: from each fragment, each way back to it, located at the spreads on the way. */
function fragmentCycles(context: DocumentContext): JavaValidationError[] {
  const spreadsOf = new Map([...context.fragments].map(([name, fragment]) => [name, spreadsIn(fragment)]));
  const errors: JavaValidationError[] = [];
  const follow = (name: string, initial: FragmentDefinitionNode, trail: FragmentSpreadNode[]) => {
    for (const spread of spreadsOf.get(name) ?? []) {
      if (spread.name.value === initial.name.value)
        errors.push({
          type: 'FragmentCycle',
          description: 'Fragment cycles not allowed',
          path: [initial.name.value],
          nodes: [...trail],
          step: context.spot(initial).step,
        });
      else if (!trail.includes(spread)) follow(spread.name.value, initial, [...trail, spread]);
    }
  };
  for (const fragment of context.fragments.values()) follow(fragment.name.value, fragment, []);
  return errors;
}

function spreadsIn(fragment: FragmentDefinitionNode): FragmentSpreadNode[] {
  const spreads: FragmentSpreadNode[] = [];
  visit(fragment, { FragmentSpread: (spread) => void spreads.push(spread) });
  return spreads;
}

/** graphql-java checks an argument's literal as a whole and reports its first fault; graphql-js reports each. */
function valueOfWrongType(error: GraphQLError, context: DocumentContext): JavaValidationError[] {
  const spot = context.spot(nodeOf(error));
  const { argument, variableDefinition } = spot;
  if (argument) return once(argument, context, () => wrongType(argument, context));
  if (!variableDefinition?.defaultValue) return [fallback(error, 'ValuesOfCorrectType', context)];
  const type = typeFromAST(context.schema, variableDefinition.type);
  const description = `Bad default value ${javaAst(variableDefinition.defaultValue)} for type ${javaName(type)}`;
  return once(variableDefinition, context, () => reported('BadValueForDefaultArg', description, variableDefinition, context, NO_PATH));
}

function wrongType(argument: ArgumentNode, context: DocumentContext): JavaValidationError[] {
  const type = context.spot(argument).inputType;
  const fault = type ? literalFault(argument.value, type) : undefined;
  const trail = (fault?.trail ?? []).map((step) => (step.startsWith('[') ? step : `.${step}`)).join('');
  const shown = fault && 'shown' in fault ? fault.shown : argument.value;
  const reason = fault?.reason ?? `is not a valid '${javaName(type)}'`;
  return reported('WrongType', `argument '${argument.name.value}${trail}' with value '${javaAst(shown)}' ${reason}`, argument, context);
}

interface LiteralFault {
  readonly reason: string;
  /** The value graphql-java shows: the faulty leaf; absent for an object's fault, where it shows the whole argument. */
  readonly shown?: ValueNode;
  /** The input fields and list indices from the argument to the fault. */
  readonly trail: readonly string[];
}

/** graphql-java 9.x's ValidationUtil.isValidLiteralValue, deciding leaves as graphql-js does. */
function literalFault(value: ValueNode, type: GraphQLInputType): LiteralFault | undefined {
  if (value.kind === Kind.NULL) return isNonNullType(type) ? { reason: 'must not be null', shown: value, trail: [] } : undefined;
  if (value.kind === Kind.VARIABLE) return undefined;
  if (isNonNullType(type)) return literalFault(value, type.ofType);
  if (isListType(type)) return listFault(value, type.ofType);
  if (isInputObjectType(type)) return objectFault(value, type);
  return parsesLiteral(type, value) ? undefined : { reason: `is not a valid '${type.name}'`, shown: value, trail: [] };
}

function listFault(value: ValueNode, itemType: GraphQLInputType): LiteralFault | undefined {
  if (value.kind !== Kind.LIST) return literalFault(value, itemType);
  for (const [index, item] of value.values.entries()) {
    const fault = literalFault(item, itemType);
    if (fault) return { ...fault, trail: [`[${index}]`, ...fault.trail] };
  }
  return undefined;
}

function objectFault(value: ValueNode, type: GraphQLInputObjectType): LiteralFault | undefined {
  if (value.kind !== Kind.OBJECT) return { reason: 'must be an object type', trail: [] };
  const fields = type.getFields();
  const given = new Set(value.fields.map((field) => field.name.value));
  const missing = Object.values(fields).filter(
    (field) => isNonNullType(field.type) && field.defaultValue === undefined && !given.has(field.name),
  );
  if (missing.length)
    return { reason: `is missing required fields '[${javaHashSetOrder(missing.map((field) => field.name)).join(', ')}]'`, trail: [] };
  for (const field of value.fields) {
    const definition = fields[field.name.value];
    if (!definition) return { reason: `contains a field not in '${type.name}': '${field.name.value}'`, trail: [] };
    const fault = literalFault(field.value, definition.type);
    if (fault) return { ...fault, trail: [field.name.value, ...fault.trail] };
  }
  return undefined;
}

function parsesLiteral(type: GraphQLLeafType, value: ValueNode): boolean {
  try {
    return type.parseLiteral(value, undefined) !== undefined;
  } catch {
    return false;
  }
}

function variableTypeMismatch(error: GraphQLError, context: DocumentContext): JavaValidationError[] {
  const [definition, variable] = [nodeOf(error, 0) as VariableDefinitionNode | undefined, nodeOf(error, 1) as VariableNode | undefined];
  if (!definition || !variable) return [fallback(error, 'VariablesInAllowedPosition', context)];
  const declared = String(typeFromAST(context.schema, definition.type));
  // graphql-java compares the variable's type made non-null by a default value (VariablesTypesMatcher.effectiveType).
  const effective = definition.defaultValue && !declared.endsWith('!') ? `${declared}!` : declared;
  const description = `Variable type '${effective}' doesn't match expected type '${String(context.spot(variable).inputType)}'`;
  return reported(
    'VariableTypeMismatch',
    description,
    variable,
    context,
    whereThroughSpreads(variable, context.spot(definition).definition, context),
  );
}

function fieldsConflict(error: GraphQLError, context: DocumentContext): JavaValidationError[] {
  const [, responseName = '', reason = ''] = /^Fields "(.*?)" conflict because (.*)\. Use different aliases/s.exec(error.message) ?? [];
  const nodes = error.nodes ?? [];
  // graphql-java compares a selection set's fields when it leaves it, at its path
  const selectionSet = context.spot(nodes[0]).parent;
  const where = { path: context.spot(selectionSet).path, step: context.left(selectionSet) };
  return [{ type: 'FieldsConflict', description: `${responseName}: ${conflictReason(reason, nodes, context)}`, nodes, ...where }];
}

/** graphql-java's reason; it compares the types before the names, so two fields of different types conflict by type. */
function conflictReason(reason: string, nodes: readonly ASTNode[], context: DocumentContext): string {
  const [first, second] = nodes;
  if (nodes.length === 2 && reason.endsWith('are different fields')) {
    const byType = typesReason(String(context.spot(first).type), String(context.spot(second).type), context);
    if (byType) return byType;
  }
  const parsed = parseReason(reason, 0, context);
  return parsed && parsed[1] === reason.length ? parsed[0] : reason;
}

type Parsed = readonly [reason: string, end: number];

function parseReason(text: string, at: number, context: DocumentContext): Parsed | undefined {
  if (text.startsWith('subfields "', at)) return parseSubfields(text, at, context);
  const leaves: readonly [RegExp, (match: RegExpExecArray) => string][] = [
    [/"(\w+)" and "(\w+)" are different fields/y, (match) => `${match[1]} and ${match[2]} are different fields`],
    [/they have differing arguments/y, () => 'they have differing arguments'],
    [/they return conflicting types "([^"]+)" and "([^"]+)"/y, (match) => typesReason(match[1] ?? '', match[2] ?? '', context) ?? match[0]],
  ];
  for (const [pattern, reason] of leaves) {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (match) return [reason(match), at + match[0].length];
  }
  return undefined;
}

function parseSubfields(text: string, start: number, context: DocumentContext): Parsed | undefined {
  const reasons: string[] = [];
  const subfield = /subfields "(\w+)" conflict because /y;
  for (let at = start; ; at += ' and '.length) {
    subfield.lastIndex = at;
    const match = subfield.exec(text);
    const inner = match && parseReason(text, at + match[0].length, context);
    if (!match || !inner) return undefined;
    reasons.push(`${match[1]}: ${inner[0]}`);
    at = inner[1];
    if (!text.startsWith(' and subfields "', at)) return [`(${reasons.join(', ')})`, at];
  }
}

/** graphql-java's checkListAndNonNullConflict, then its scalar and enum check. */
function typesReason(first: string, second: string, context: DocumentContext): string | undefined {
  let [a, b] = [first, second];
  for (;;) {
    if (a.endsWith('!') !== b.endsWith('!')) return 'fields have different nullability shapes';
    if (a.endsWith('!')) [a, b] = [a.slice(0, -1), b.slice(0, -1)];
    else if (a.startsWith('[') !== b.startsWith('[')) return 'fields have different list shapes';
    else if (a.startsWith('[')) [a, b] = [a.slice(1, -1), b.slice(1, -1)];
    else break;
  }
  const leaf = (name: string) => isLeafType(context.schema.getType(name));
  return a !== b && (leaf(a) || leaf(b)) ? `they return differing types ${a} and ${b}` : undefined;
}

/* ---- Variables, as graphql-java 9.x's ValuesResolver coerces them and AppSync words the faults ---- */

interface VariableFault {
  readonly message: string;
  /** graphql-java locates it at the variable's definition; otherwise AppSync answers `locations: null`. */
  readonly located: boolean;
}

function variableFault(
  schema: GraphQLSchema,
  definition: VariableDefinitionNode,
  variables: Record<string, unknown>,
): VariableFault | undefined {
  const name = definition.variable.name.value;
  const type = typeFromAST(schema, definition.type);
  if (!type || !isInputType(type)) return undefined; // validation refused it already
  if (!Object.hasOwn(variables, name)) return definition.defaultValue || !isNonNullType(type) ? undefined : nullFault(name, type);
  return valueFault(name, name, type, variables[name]);
}

/** `input` is what graphql-java names in "has an invalid value": the innermost input field, or the variable. */
function valueFault(variable: string, input: string, type: GraphQLInputType, value: unknown): VariableFault | undefined {
  if (isNonNullType(type))
    return value === null || value === undefined ? nullFault(variable, type) : valueFault(variable, input, type.ofType, value);
  if (value === null || value === undefined) return undefined;
  if (isListType(type)) {
    const items = Array.isArray(value) ? (value as unknown[]) : [value];
    for (const item of items) {
      const fault = valueFault(variable, input, type.ofType, item);
      if (fault) return fault;
    }
    return undefined;
  }
  if (isInputObjectType(type)) return inputObjectFault(variable, input, type, value);
  return accepts(type, value) ? undefined : invalidValue(input, leafFault(type, value));
}

function inputObjectFault(variable: string, input: string, type: GraphQLInputObjectType, value: unknown): VariableFault | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalidValue(
      input,
      `Expected type 'Map' but was '${javaType(value)}'. Variables for input objects must be an instance of type 'Map'.`,
    );
  }
  const fields = type.getFields();
  const given = value as Record<string, unknown>;
  // graphql-java names the field; AppSync's answer does not (aws-appsync-community issue 273), trailing space included.
  if (Object.keys(given).some((name) => !fields[name]))
    return { message: `The variables input contains a field that is not defined for input object type '${type.name}' `, located: false };
  for (const field of Object.values(fields)) {
    if (!Object.hasOwn(given, field.name) && !(isNonNullType(field.type) && field.defaultValue === undefined)) continue;
    const fault = valueFault(variable, field.name, field.type, given[field.name]);
    if (fault) return fault;
  }
  return undefined;
}

function nullFault(variable: string, type: GraphQLInputType): VariableFault {
  return { message: `Variable '${variable}' has coerced Null value for NonNull type '${String(type)}'`, located: true };
}

function invalidValue(input: string, detail: string): VariableFault {
  return { message: `Variable '${input}' has an invalid value. ${detail}`, located: true };
}

/** graphql-js's scalars and enums decide, as the execution that follows would. */
function accepts(type: GraphQLLeafType, value: unknown): boolean {
  try {
    return type.parseValue(value) !== undefined;
  } catch {
    return false;
  }
}

/** AppSync's own scalars' messages, as clients quote them (amplify-cli 2033, amplify-swift 278, amplify-flutter 822, AWSJSON in app code). */
const APPSYNC_SCALAR_FAULTS: Readonly<Record<string, (shown: string) => string>> = {
  AWSDateTime: (shown) => `Unable to parse \`${shown}\` as a valid DateTime Object.`,
  AWSDate: (shown) => `Unable to parse \`${shown}\` as a valid date.`,
  AWSJSON: (shown) => `Unable to parse ${shown} as valid JSON.`,
  AWSPhone: (shown) => `Unable to parse \`${shown}\` as a valid phone number.`,
};

function leafFault(type: GraphQLLeafType, value: unknown): string {
  if (isEnumType(type)) return `Invalid input for Enum '${type.name}'. No value found for name '${javaString(value)}'`;
  const appSync = APPSYNC_SCALAR_FAULTS[type.name];
  return appSync ? appSync(javaString(value)) : `Expected type '${type.name}' but was '${javaType(value)}'.`;
}

/* ---- Java's renderings: graphql-java's AST toString, Jackson's parsed JSON, HashSet order ---- */

/** graphql-java 9.x's Value.toString(), which WrongType messages print. */
function javaAst(value: ValueNode | undefined): string {
  switch (value?.kind) {
    case Kind.STRING:
      return `StringValue{value='${value.value}'}`;
    case Kind.INT:
      return `IntValue{value=${BigInt(value.value)}}`;
    case Kind.FLOAT:
      return `FloatValue{value=${javaBigDecimal(value.value)}}`;
    case Kind.BOOLEAN:
      return `BooleanValue{value=${value.value}}`;
    case Kind.ENUM:
      return `EnumValue{name='${value.value}'}`;
    case Kind.NULL:
      return 'NullValue{}';
    case Kind.LIST:
      return `ArrayValue{values=[${value.values.map(javaAst).join(', ')}]}`;
    case Kind.OBJECT:
      return `ObjectValue{objectFields=[${value.fields.map((field) => `ObjectField{name='${field.name.value}', value=${javaAst(field.value)}}`).join(', ')}]}`;
    case Kind.VARIABLE:
      return `VariableReference{name='${value.name.value}'}`;
    default:
      return 'null';
  }
}

/** java.math.BigDecimal's toString() of a float literal (FloatValue holds one). */
function javaBigDecimal(literal: string): string {
  const [, sign = '', whole = '0', fraction = '', exponent = '0'] = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal) ?? [];
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '');
  const scale = fraction.length - Number(exponent);
  const adjusted = digits.length - 1 - scale;
  const signed = sign && /[1-9]/.test(digits) ? '-' : '';
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) return signed + digits;
    const padded = digits.padStart(scale + 1, '0');
    return `${signed}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${signed}${mantissa}E${adjusted > 0 ? '+' : ''}${adjusted}`;
}

/** The Java class Jackson parses a JSON value into, as graphql-java's messages name it. */
function javaType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'ArrayList';
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Math.abs(value) >= 1e21) return 'Double'; // JSON.stringify writes an exponent from 1e21
    if (value >= -(2 ** 31) && value < 2 ** 31) return 'Integer';
    return value >= -(2 ** 63) && value < 2 ** 63 ? 'Long' : 'BigInteger';
  }
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  return 'LinkedHashMap';
}

/** Java's toString() of that value (a List as `[a, b]`, a Map as `{k=v}`). */
function javaString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(javaString).join(', ')}]`;
  if (typeof value === 'number') return javaType(value) === 'Double' ? javaDouble(value) : BigInt(value).toString();
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([key, item]) => `${key}=${javaString(item)}`)
      .join(', ')}}`;
  return typeof value === 'string' ? value : String(JSON.stringify(value)); // a boolean: JSON parses nothing else
}

function javaDouble(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) return Number.isInteger(value) ? `${value}.0` : String(value);
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** The order a java.util.HashSet iterates these strings in (graphql-java prints missing fields as a HashSet). */
function javaHashSetOrder(names: readonly string[]): string[] {
  let capacity = 16;
  while (names.length > capacity * 0.75) capacity *= 2;
  const bucket = (name: string) => {
    let hash = 0;
    for (let index = 0; index < name.length; index++) hash = (Math.imul(31, hash) + name.charCodeAt(index)) | 0;
    return (hash ^ (hash >>> 16)) & (capacity - 1);
  };
  return names
    .map((name, index) => ({ name, index, bucket: bucket(name) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map(({ name }) => name);
}
