import { buildSchema, execute, parse, subscribe, type ExecutionResult } from 'graphql';
import { applyRequestLimits, type FieldLimitError } from '../../local/appsync/request-limits';

/**
 * The limits as the AppSync Developer Guide's own examples show them ("Configuring GraphQL run
 * complexity, query depth, and introspection"), on a schema small enough to nest past any limit.
 */
describe("the local stack applies AppSync's per-request limits while the request runs", () => {
  const layer: Record<string, unknown> = { value: 'v' };
  Object.assign(layer, { nextLayer: () => layer, required: () => layer });
  const run = (query: string, limits: { resolverCountLimit: number; queryDepthLimit: number }, resolved: string[] = ['Query.layer']) => {
    const schema = buildSchema('type Query { layer: Layer }\ntype Layer { nextLayer: Layer, required: Layer!, value: String }');
    applyRequestLimits(schema, new Set(resolved), limits);
    return execute({ schema, document: parse(query), rootValue: { layer: () => layer }, contextValue: {} }) as ExecutionResult;
  };
  const limitErrors = (result: ExecutionResult) =>
    (result.errors ?? []).map((error) => ({
      path: error.path,
      errorType: (error.originalError as FieldLimitError | undefined)?.errorType,
    }));

  it('given a depth limit of 2, when a query goes to the fourth level, then the third level ends with QueryDepthLimitReached and the levels above are answered', () => {
    const result = run('{ L1: layer { L2: nextLayer { L3: nextLayer { L4: value } } } }', { resolverCountLimit: 10, queryDepthLimit: 2 });

    expect(result.data).toEqual({ L1: { L2: { L3: null } } });
    expect(limitErrors(result)).toEqual([{ path: ['L1', 'L2', 'L3'], errorType: 'QueryDepthLimitReached' }]);
  });

  it('given a depth limit of 2, when the field past it is non-nullable, then its error nulls the first nullable parent', () => {
    const result = run('{ L1: layer { L2: nextLayer { L3: required { L4: value } } } }', { resolverCountLimit: 10, queryDepthLimit: 2 });

    expect(result.data).toEqual({ L1: { L2: null } });
    expect(limitErrors(result)).toEqual([{ path: ['L1', 'L2', 'L3'], errorType: 'QueryDepthLimitReached' }]);
  });

  it('given a depth limit, when a leaf sits exactly at it, then the query is answered whole: leaves count as a level', () => {
    const result = run('{ L1: layer { L2: nextLayer { L3: value } } }', { resolverCountLimit: 10, queryDepthLimit: 3 });

    expect(result).toEqual({ data: { L1: { L2: { L3: 'v' } } } });
  });

  it('given a resolver count limit of 2, when a query runs the resolver three times, then the first two answer and the third ends with ResolverExecutionLimitReached', () => {
    const result = run('{ r1: layer { value } r2: layer { value } r3: layer { value } }', { resolverCountLimit: 2, queryDepthLimit: 10 });

    expect(result.data).toEqual({ r1: { value: 'v' }, r2: { value: 'v' }, r3: null });
    expect(limitErrors(result)).toEqual([{ path: ['r3'], errorType: 'ResolverExecutionLimitReached' }]);
  });

  it('given a resolver count limit, when two requests run on the same schema, then each counts its own resolvers', () => {
    // Given one schema, as the local AppSync keeps one for every request it serves
    const schema = buildSchema('type Query { layer: Layer }\ntype Layer { nextLayer: Layer, required: Layer!, value: String }');
    applyRequestLimits(schema, new Set(['Query.layer']), { resolverCountLimit: 1, queryDepthLimit: 10 });
    const request = () =>
      execute({ schema, document: parse('{ layer { value } }'), rootValue: { layer: () => layer }, contextValue: {} }) as ExecutionResult;

    // When two requests each run the one resolver the limit allows
    const first = request();
    const second = request();

    // Then neither is cut short: a counter kept per schema, not per request, would refuse the second
    expect(first).toEqual({ data: { layer: { value: 'v' } } });
    expect(second).toEqual({ data: { layer: { value: 'v' } } });
  });

  it('given a subscription, when its events are pushed one after another on the same request, then none counts towards the resolver limit', async () => {
    const schema = buildSchema('type Query { layer: Layer }\ntype Subscription { changed: Layer }\ntype Layer { value: String }');
    applyRequestLimits(schema, new Set(['Subscription.changed']), { resolverCountLimit: 1, queryDepthLimit: 10 });
    const events = (async function* () {
      for (let event = 0; event < 3; event++) yield await Promise.resolve({ changed: { value: `event ${event}` } });
    })();
    const field = schema.getSubscriptionType()?.getFields().changed;
    if (field) field.subscribe = () => events;

    const subscription = (await subscribe({
      schema,
      document: parse('subscription { changed { value } }'),
      contextValue: {},
    })) as AsyncIterableIterator<ExecutionResult>;
    const heard: unknown[] = [];
    for await (const result of subscription) heard.push(result);

    expect(heard).toEqual(['event 0', 'event 1', 'event 2'].map((value) => ({ data: { changed: { value } } })));
  });

  it('given fields without a resolver of their own, when many are selected, then they do not count towards the resolver limit', () => {
    const result = run('{ layer { a: value b: value c: value d: nextLayer { value } } }', { resolverCountLimit: 1, queryDepthLimit: 10 });

    expect(result.errors).toBeUndefined();
  });
});
