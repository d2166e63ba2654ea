import { apiLimits } from '../../core/config/api-limits';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { given, type FreeSlots } from '../steps/given';
import { apiClient, newInsuredId, publishedDuring, storedItems } from '../e2e/client';

/**
 * AppSync's per-request limits as its Developer Guide documents them ("Configuring GraphQL run
 * complexity, query depth, and introspection"), over HTTP against a local stack that answers as a
 * production API does: introspection off. Country rows stay in memory: no MySQL is needed here.
 */
describe('per-request limits, as AppSync applies them', () => {
  let stack: LocalStack;
  /** A slot of Lima's catalog for each of the flood's 200 bookings: any of them would be stored, were the limit not applied. */
  let slots: FreeSlots;

  beforeAll(async () => {
    stack = await startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, inMemoryCountryStore: true, introspection: false });
    slots = await given.freeSlotsIn(stack, { PE: 200 });
  }, 90_000);
  afterAll(async () => stack?.stop());

  const appointmentsOf = async (insuredId: string) =>
    (await storedItems(stack, insuredId)).filter((item) => !String(item.appointmentId).startsWith('~'));

  it(`a request of 200 aliased bookings runs ${apiLimits.resolverCountLimit} of them and ends the next with ResolverExecutionLimitReached: the flood stores no more than the limit`, async () => {
    // Given one request that books 200 slots through aliases
    const insuredId = newInsuredId();
    const aliases = Array.from(
      { length: 200 },
      (_, index) =>
        `b${index}: createAppointment(input: { insuredId: "${insuredId}", scheduleId: ${slots.at(index, 'PE').scheduleId}, countryISO: PE }) { appointmentId }`,
    );

    // When it is sent with the API key
    let answer: Awaited<ReturnType<ReturnType<typeof apiClient>['request']>> | undefined;
    const published = await publishedDuring(stack, async () => {
      answer = await apiClient(stack).request(`mutation Flood { ${aliases.join('\n')} }`);
    });

    // Then the first bookings up to the limit ran, and the first one past it ended with AppSync's error
    // (createAppointment is non-null, so the error nulls the whole answer, as GraphQL requires)
    expect(answer?.status).toBe(200);
    expect(answer?.errors?.length).toBeGreaterThanOrEqual(1);
    expect(answer?.errors?.[0]).toEqual(
      expect.objectContaining({
        errorType: 'ResolverExecutionLimitReached',
        path: [`b${apiLimits.resolverCountLimit}`],
        message: 'Resolver invocation limit reached.',
      }),
    );
    expect(new Set(answer?.errors?.map((error) => error.errorType))).toEqual(new Set(['ResolverExecutionLimitReached']));
    const stored = await appointmentsOf(insuredId);
    expect(stored).toHaveLength(apiLimits.resolverCountLimit);
    const byNumber = (a: number, b: number) => a - b;
    expect(stored.map((item) => Number(item.scheduleId)).sort(byNumber)).toEqual(
      Array.from({ length: apiLimits.resolverCountLimit }, (_, index) => slots.at(index, 'PE').scheduleId).sort(byNumber),
    );
    expect(published).toHaveLength(apiLimits.resolverCountLimit);
  });

  it('a query of more lists than the limit answers the first ones and ends the rest with ResolverExecutionLimitReached', async () => {
    // Given a query that asks for one more list than the limit allows
    const lists = Array.from(
      { length: apiLimits.resolverCountLimit + 1 },
      (_, index) => `l${index}: appointments(insuredId: "${newInsuredId()}") { nextToken }`,
    );

    // When it is sent
    const answer = await apiClient(stack).request(`query Lists {\n${lists.join('\n')}\n}`);

    // Then the field past the limit fails, naming its path and where it stands in the query
    expect(answer.errors).toEqual([
      expect.objectContaining({
        errorType: 'ResolverExecutionLimitReached',
        path: [`l${apiLimits.resolverCountLimit}`],
        // one list per line: the field past the limit starts its own line
        locations: [{ line: apiLimits.resolverCountLimit + 2, column: 1, sourceName: null }],
      }),
    ]);
  });

  it('with introspection off, __schema and __type fail validation and run nothing, while __typename still answers', async () => {
    // When an explorer asks for the schema, and an app asks for a type name
    const schema = await apiClient(stack).request('query { __schema { types { name } } }');
    const type = await apiClient(stack).request('query { __type(name: "Appointment") { name } }');
    const typename = await apiClient(stack).request<{ __typename: string }>('query { __typename }');

    // Then the introspection fields are refused as AppSync refuses them, and the type name is answered
    expect(schema).toEqual(
      expect.objectContaining({
        status: 200,
        data: null,
        errors: [
          expect.objectContaining({
            message: expect.stringMatching(
              /^Validation error of type FieldUndefined: Field '__schema' in type 'Query' is undefined/,
            ) as unknown,
          }),
        ],
      }),
    );
    expect(type.errors).toEqual([
      expect.objectContaining({ message: expect.stringContaining("Field '__type' in type 'Query' is undefined") as unknown }),
    ]);
    expect(typename).toEqual(expect.objectContaining({ data: { __typename: 'Query' } }));
    expect(typename.errors).toBeUndefined();
  });
});
