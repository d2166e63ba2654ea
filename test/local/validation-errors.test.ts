import { connectRealtime } from '../../local/realtime-client';
import { startLocalStack, type LocalStack } from '../../local/stack';

/**
 * Over HTTP, as a client meets them: a request that fails validation, or whose variables do not coerce,
 * is answered as AppSync answers it (HTTP 200, `data: null`, each error with `path: null`, `locations`
 * and graphql-java's message, no suggestions; local/appsync/validation-errors.ts cites the sources).
 * The stack answers as a production API does (introspection off). Nothing here needs MySQL.
 */
describe("invalid requests over HTTP and the realtime socket, answered in AppSync's words", () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, inMemoryCountryStore: true, introspection: false });
  }, 60_000);
  afterAll(async () => stack?.stop());

  /** A plain POST, as any HTTP client sends it: the status and the body exactly as they arrive. */
  const post = async (query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: await response.json() };
  };
  const refused = (line: number, column: number, message: string) => ({
    status: 200,
    body: { data: null, errors: [{ path: null, locations: [{ line, column, sourceName: null }], message }] },
  });
  const BOOK = 'mutation Book($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointmentId } }';

  it.each([
    [
      'an unknown root field',
      'query { apointments(insuredId: "00012") { nextToken } }',
      refused(1, 9, "Validation error of type FieldUndefined: Field 'apointments' in type 'Query' is undefined @ 'apointments'"),
    ],
    [
      'an unknown nested field',
      'query { appointments(insuredId: "00012") { items { appointmentId foo } } }',
      refused(1, 66, "Validation error of type FieldUndefined: Field 'foo' in type 'Appointment' is undefined @ 'appointments/items/foo'"),
    ],
    [
      'an unknown argument',
      'query { appointments(insuredId: "00012", size: 5) { nextToken } }',
      refused(1, 42, "Validation error of type UnknownArgument: Unknown field argument size @ 'appointments'"),
    ],
    [
      'a literal of the wrong type',
      'query { appointments(insuredId: 12) { nextToken } }',
      refused(
        1,
        22,
        "Validation error of type WrongType: argument 'insuredId' with value 'IntValue{value=12}' is not a valid 'String' @ 'appointments'",
      ),
    ],
    [
      'a missing required argument',
      'query { appointments { nextToken } }',
      refused(1, 9, "Validation error of type MissingFieldArgument: Missing field argument insuredId @ 'appointments'"),
    ],
    [
      'an unknown type',
      'query Mine($id: Strng!) { appointments(insuredId: $id) { nextToken } }',
      refused(1, 17, 'Validation error of type UnknownType: Unknown type Strng'),
    ],
    [
      'a variable of a type that does not fit',
      'query Mine($id: ID!) { appointments(insuredId: $id) { nextToken } }',
      refused(
        1,
        48,
        "Validation error of type VariableTypeMismatch: Variable type 'ID!' doesn't match expected type 'String!' @ 'appointments'",
      ),
    ],
  ])("%s: refused with graphql-java's message at its place, without a suggestion", async (_case, query, answer) => {
    // When the request is POSTed
    const answered = await post(query);

    // Then AppSync's answer, word for word
    expect(answered).toEqual(answer);
  });

  it.each([
    [
      'a required variable left out',
      BOOK,
      {},
      refused(1, 15, "Variable 'input' has coerced Null value for NonNull type 'CreateAppointmentInput!'"),
    ],
    [
      'an input field left out',
      BOOK,
      { input: { scheduleId: 7, countryISO: 'PE' } },
      refused(1, 15, "Variable 'input' has coerced Null value for NonNull type 'String!'"),
    ],
    [
      'a string for an Int',
      BOOK,
      { input: { insuredId: '00012', scheduleId: '7', countryISO: 'PE' } },
      refused(1, 15, "Variable 'scheduleId' has an invalid value. Expected type 'Int' but was 'String'."),
    ],
    [
      'an unknown enum value',
      BOOK,
      { input: { insuredId: '00012', scheduleId: 7, countryISO: 'pe' } },
      refused(1, 15, "Variable 'countryISO' has an invalid value. Invalid input for Enum 'CountryISO'. No value found for name 'pe'"),
    ],
    [
      'an input field its type does not have',
      BOOK,
      { input: { insuredId: '00012', scheduleId: 7, countryISO: 'PE', status: 'COMPLETED' } },
      {
        status: 200,
        body: {
          data: null,
          errors: [
            {
              path: null,
              locations: null,
              message: "The variables input contains a field that is not defined for input object type 'CreateAppointmentInput' ",
            },
          ],
        },
      },
    ],
  ])(
    "a variable value that does not coerce (%s): refused in graphql-java's words before any resolver runs",
    async (_case, query, variables, answer) => {
      // When the booking is POSTed with those variables
      const answered = await post(query, variables);

      // Then AppSync's answer, word for word
      expect(answered).toEqual(answer);
    },
  );

  it('with introspection off, __schema is still refused as AppSync refuses it', async () => {
    expect(await post('query { __schema { queryType { name } } }')).toEqual(
      refused(1, 9, "Validation error of type FieldUndefined: Field '__schema' in type 'Query' is undefined @ '__schema'"),
    );
  });

  it('over the realtime socket, a subscription selecting an unknown field is refused with the same message', async () => {
    // Given a realtime connection with the API key
    const connection = await connectRealtime(stack, { 'x-api-key': stack.apiKey });
    try {
      // When it subscribes selecting a field the type does not have
      const subscribing = connection.subscribe(
        { query: 'subscription { onAppointmentStatusChanged(insuredId: "00012") { status colour } }' },
        () => undefined,
      );

      // Then the start is refused with graphql-java's message for it
      const refusal = await subscribing.then(
        () => undefined,
        (error: Error) => error.message,
      );
      const payload = JSON.parse(refusal?.slice(refusal.indexOf('{')) ?? '{}') as { errors?: { message: string }[] };
      expect(payload.errors?.map((error) => error.message)).toEqual([
        "Validation error of type FieldUndefined: Field 'colour' in type 'AppointmentStatusChange' is undefined @ 'onAppointmentStatusChanged/colour'",
      ]);
    } finally {
      await connection.close();
    }
  });
});
