import { parse } from 'graphql';
import type { LocalExecutor } from '../../local/appsync/executor';
import { appSyncValidationErrors } from '../../local/appsync/validation-errors';
import {
  apiKeyCaller,
  localExecutor,
  pipelineCaller,
  PUBLISH_STATUS_CHANGE,
  requestContext,
  run,
  statusChange,
} from '../support/local-executor';

/**
 * AppSync validates with graphql-java 9.x and answers `Validation error of type <Type>: <description> @ '<path>'`,
 * without suggestions; a variable that does not coerce is answered in graphql-java's ValuesResolver's words
 * (local/appsync/validation-errors.ts cites the sources). Each answer is checked word for word.
 */
describe("the local AppSync refuses invalid requests in AppSync's words", () => {
  let executor: LocalExecutor;
  beforeAll(async () => {
    executor = await localExecutor({});
  });

  /** AppSync's whole answer to a request refused before anything ran: one error, no field path. */
  const refused = (line: number, column: number, message: string) => ({
    data: null,
    errors: [{ path: null, locations: [{ line, column, sourceName: null }], message }],
  });
  const BOOK = 'mutation Book($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointmentId } }';

  describe('validation', () => {
    it.each([
      [
        'a root field the schema does not have',
        'query { apointments(insuredId: "00012") { nextToken } }',
        refused(1, 9, "Validation error of type FieldUndefined: Field 'apointments' in type 'Query' is undefined @ 'apointments'"),
      ],
      [
        'a nested field the schema does not have',
        'query {\n  appointments(insuredId: "00012") {\n    items { appointmentId foo }\n  }\n}',
        refused(
          3,
          27,
          "Validation error of type FieldUndefined: Field 'foo' in type 'Appointment' is undefined @ 'appointments/items/foo'",
        ),
      ],
      [
        'an unknown field under aliases (the path names fields, not aliases)',
        'query { mine: appointments(insuredId: "00012") { list: items { when: bookedAt } } }',
        refused(
          1,
          64,
          "Validation error of type FieldUndefined: Field 'bookedAt' in type 'Appointment' is undefined @ 'appointments/items/bookedAt'",
        ),
      ],
      [
        'an unknown field in a fragment (the path starts at the fragment)',
        'query { appointments(insuredId: "00012") { ...Page } }\nfragment Page on AppointmentConnection { items { nope } }',
        refused(2, 50, "Validation error of type FieldUndefined: Field 'nope' in type 'Appointment' is undefined @ 'Page/items/nope'"),
      ],
      [
        'an argument the field does not have',
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
        'null for a non-null argument',
        'query { appointments(insuredId: null) { nextToken } }',
        refused(
          1,
          22,
          "Validation error of type WrongType: argument 'insuredId' with value 'NullValue{}' must not be null @ 'appointments'",
        ),
      ],
      [
        'an unknown enum value inside an input object',
        'mutation { createAppointment(input: { insuredId: "00012", scheduleId: 7, countryISO: AR }) { appointmentId } }',
        refused(
          1,
          30,
          "Validation error of type WrongType: argument 'input.countryISO' with value 'EnumValue{name='AR'}' is not a valid 'CountryISO' @ 'createAppointment'",
        ),
      ],
      [
        'an input object missing required fields (listed in java.util.HashSet order)',
        'mutation { createAppointment(input: { countryISO: PE }) { appointmentId } }',
        refused(
          1,
          30,
          "Validation error of type WrongType: argument 'input' with value 'ObjectValue{objectFields=[ObjectField{name='countryISO', value=EnumValue{name='PE'}}]}' is missing required fields '[insuredId, scheduleId]' @ 'createAppointment'",
        ),
      ],
      [
        'an input object with a field its type does not have',
        'mutation { createAppointment(input: { insuredId: "00012", scheduleId: 7, countryISO: PE, status: COMPLETED }) { appointmentId } }',
        refused(
          1,
          30,
          "Validation error of type WrongType: argument 'input' with value 'ObjectValue{objectFields=[ObjectField{name='insuredId', value=StringValue{value='00012'}}, ObjectField{name='scheduleId', value=IntValue{value=7}}, ObjectField{name='countryISO', value=EnumValue{name='PE'}}, ObjectField{name='status', value=EnumValue{name='COMPLETED'}}]}' contains a field not in 'CreateAppointmentInput': 'status' @ 'createAppointment'",
        ),
      ],
      [
        'a float literal for an Int (printed as java.math.BigDecimal prints it)',
        'query { appointments(insuredId: "00012", limit: 1.5e3) { nextToken } }',
        refused(
          1,
          42,
          "Validation error of type WrongType: argument 'limit' with value 'FloatValue{value=1.5E+3}' is not a valid 'Int' @ 'appointments'",
        ),
      ],
      [
        'a required argument left out',
        'query { appointments { nextToken } }',
        refused(1, 9, "Validation error of type MissingFieldArgument: Missing field argument insuredId @ 'appointments'"),
      ],
      [
        'a variable of an unknown type (outside any field: no path)',
        'query Mine($id: Strng!) { appointments(insuredId: $id) { nextToken } }',
        refused(1, 17, 'Validation error of type UnknownType: Unknown type Strng'),
      ],
      [
        'a fragment on an unknown type',
        'query { appointments(insuredId: "00012") { ...Page } }\nfragment Page on Pagina { nextToken }',
        refused(2, 18, "Validation error of type UnknownType: Unknown type Pagina @ 'Page'"),
      ],
      [
        'a variable whose type does not fit where it is used',
        'query Mine($id: ID!) { appointments(insuredId: $id) { nextToken } }',
        refused(
          1,
          48,
          "Validation error of type VariableTypeMismatch: Variable type 'ID!' doesn't match expected type 'String!' @ 'appointments'",
        ),
      ],
      [
        'a nullable variable with a default where it does not fit (compared as non-null, as graphql-java does)',
        'query Mine($limit: String = "5") { appointments(insuredId: "00012", limit: $limit) { nextToken } }',
        refused(
          1,
          76,
          "Validation error of type VariableTypeMismatch: Variable type 'String!' doesn't match expected type 'Int' @ 'appointments'",
        ),
      ],
      [
        "an object field without a selection (graphql-java 9 prints a non-null type's name as null)",
        'query { appointments(insuredId: "00012") }',
        refused(
          1,
          9,
          "Validation error of type SubSelectionRequired: Sub selection required for type null of field appointments @ 'appointments'",
        ),
      ],
      [
        'a selection on a leaf',
        'query { appointments(insuredId: "00012") { nextToken { length } } }',
        refused(
          1,
          44,
          "Validation error of type SubSelectionNotAllowed: Sub selection not allowed on leaf type String of field nextToken @ 'appointments/nextToken'",
        ),
      ],
      [
        'an undefined variable used inside a fragment (the path goes through the spread)',
        'query Mine { appointments(insuredId: "00012") { ...Page } }\nfragment Page on AppointmentConnection { items { appointmentId @include(if: $full) } }',
        refused(2, 77, "Validation error of type UndefinedVariable: Undefined variable full @ 'appointments/Page/items/appointmentId'"),
      ],
      [
        'an unused variable',
        'query Mine($unused: Int) { __typename }',
        refused(1, 12, 'Validation error of type UnusedVariable: Unused variable unused'),
      ],
      [
        'an unknown directive',
        'query { __typename @cached }',
        refused(1, 20, "Validation error of type UnknownDirective: Unknown directive cached @ '__typename'"),
      ],
      [
        'two fields answering to one name with different arguments',
        'query { a: appointments(insuredId: "00012") { nextToken } a: appointments(insuredId: "00013") { nextToken } }',
        {
          data: null,
          errors: [
            {
              path: null,
              locations: [
                { line: 1, column: 9, sourceName: null },
                { line: 1, column: 59, sourceName: null },
              ],
              message: 'Validation error of type FieldsConflict: a: they have differing arguments',
            },
          ],
        },
      ],
      [
        'an anonymous operation followed by a named one',
        '{ __typename } query Named { __typename }',
        refused(1, 16, 'Validation error of type LoneAnonymousOperationViolation: Operation Named is following anonymous operation.'),
      ],
    ])("given %s, when it is sent, then it is refused whole, in graphql-java's words and at its place", async (_case, query, answer) => {
      // Given the request (the case), when it is sent
      const result = await run(executor, query, apiKeyCaller);

      // Then AppSync's answer, word for word
      expect(result).toEqual(answer);
    });

    it('given several mistakes, when the request is sent, then each is reported in document order and none suggests a name from the schema', async () => {
      // Given a query with a misspelt field, an unknown argument and an unknown nested field
      const query =
        'query { apointments(insuredId: "00012") { nextToken } appointments(insuredId: "00012", sise: 5) { items { appointmentID } } }';

      // When it is sent
      const result = await run(executor, query, apiKeyCaller);

      // Then all three are answered, in order, and no message says "Did you mean"
      expect(result.errors?.map((error) => error.message)).toEqual([
        "Validation error of type FieldUndefined: Field 'apointments' in type 'Query' is undefined @ 'apointments'",
        "Validation error of type UnknownArgument: Unknown field argument sise @ 'appointments'",
        "Validation error of type FieldUndefined: Field 'appointmentID' in type 'Appointment' is undefined @ 'appointments/items/appointmentID'",
      ]);
      expect(JSON.stringify(result)).not.toMatch(/Did you mean/);
    });

    it('given a misspelt argument, when the request is sent, then the missing argument comes first, as graphql-java finds it on entering the field', async () => {
      // Given a query that spells insuredId wrong, and a field wrong below it
      const query = 'query {\n  appointments(insuredID: "00012") {\n    items { appointmentID }\n  }\n}';

      // When it is sent
      const result = await run(executor, query, apiKeyCaller);

      // Then graphql-java's order (graphql-js would check the required argument last, on leaving the field)
      expect(result.errors).toEqual([
        {
          path: null,
          locations: [{ line: 2, column: 3, sourceName: null }],
          message: "Validation error of type MissingFieldArgument: Missing field argument insuredId @ 'appointments'",
        },
        {
          path: null,
          locations: [{ line: 2, column: 16, sourceName: null }],
          message: "Validation error of type UnknownArgument: Unknown field argument insuredID @ 'appointments'",
        },
        {
          path: null,
          locations: [{ line: 3, column: 13, sourceName: null }],
          message:
            "Validation error of type FieldUndefined: Field 'appointmentID' in type 'Appointment' is undefined @ 'appointments/items/appointmentID'",
        },
      ]);
    });

    it("given the rules graphql-java 9 lacks, when they fail, then graphql-java's later names and words answer", () => {
      // Given schema.graphql
      const schema = executor.schema;
      const messages = (query: string) => appSyncValidationErrors(schema, parse(query)).map((error) => error.message);

      // Then duplicate arguments and duplicate input fields are refused in graphql-java's words
      expect(messages('query { appointments(insuredId: "00012", insuredId: "00013") { nextToken } }')).toEqual([
        "Validation error of type DuplicateArgumentNames: There can be only one argument named 'insuredId' @ 'appointments'",
      ]);
      expect(
        messages(
          'mutation { createAppointment(input: { insuredId: "00012", insuredId: "00013", scheduleId: 7, countryISO: PE }) { appointmentId } }',
        ),
      ).toEqual(["Validation error of type UniqueObjectFieldName: There can be only one field named 'insuredId' @ 'createAppointment'"]);
      expect(
        messages(
          'subscription Two { onAppointmentStatusChanged(insuredId: "00012") { status } again: onAppointmentStatusChanged(insuredId: "00013") { status } }',
        ),
      ).toEqual(["Validation error of type SubscriptionMultipleRootFields: Subscription operation 'Two' must have exactly one root field"]);
    });

    it('given a valid request, when it is validated, then nothing is refused', () => {
      expect(
        executor.validationRefusal(parse('query { appointments(insuredId: "00012") { items { appointmentId } nextToken } }')),
      ).toBeUndefined();
    });
  });

  describe('variables', () => {
    it.each([
      [
        'a required variable left out',
        'query Mine($id: String!) { appointments(insuredId: $id) { nextToken } }',
        {},
        refused(1, 12, "Variable 'id' has coerced Null value for NonNull type 'String!'"),
      ],
      [
        'null for a required variable',
        'query Mine($id: String!) { appointments(insuredId: $id) { nextToken } }',
        { id: null },
        refused(1, 12, "Variable 'id' has coerced Null value for NonNull type 'String!'"),
      ],
      [
        "an input object missing a required field (graphql-java 9 names the variable and the field's type)",
        BOOK,
        { input: { scheduleId: 7, countryISO: 'PE' } },
        refused(1, 15, "Variable 'input' has coerced Null value for NonNull type 'String!'"),
      ],
      [
        'an input object with a field its type does not have (AppSync names neither the field nor a place)',
        BOOK,
        { input: { insuredId: '00012', scheduleId: 7, countryISO: 'PE', status: 'COMPLETED' } },
        {
          data: null,
          errors: [
            {
              path: null,
              locations: null,
              message: "The variables input contains a field that is not defined for input object type 'CreateAppointmentInput' ",
            },
          ],
        },
      ],
      [
        'a string for an Int field',
        BOOK,
        { input: { insuredId: '00012', scheduleId: '7', countryISO: 'PE' } },
        refused(1, 15, "Variable 'scheduleId' has an invalid value. Expected type 'Int' but was 'String'."),
      ],
      [
        'a number past 32 bits for an Int field (Jackson reads it as a Long)',
        BOOK,
        { input: { insuredId: '00012', scheduleId: 2 ** 31, countryISO: 'PE' } },
        refused(1, 15, "Variable 'scheduleId' has an invalid value. Expected type 'Int' but was 'Long'."),
      ],
      [
        'an unknown enum value',
        BOOK,
        { input: { insuredId: '00012', scheduleId: 7, countryISO: 'pe' } },
        refused(1, 15, "Variable 'countryISO' has an invalid value. Invalid input for Enum 'CountryISO'. No value found for name 'pe'"),
      ],
      [
        'a string where an input object goes',
        BOOK,
        { input: '00012' },
        refused(
          1,
          15,
          "Variable 'input' has an invalid value. Expected type 'Map' but was 'String'. Variables for input objects must be an instance of type 'Map'.",
        ),
      ],
    ])(
      "given %s, when the request is sent, then it is refused in graphql-java's words and nothing runs",
      async (_case, query, variables, answer) => {
        // Given a Lambda that would fail the test if it ran
        const untouched = await localExecutor({
          'Query.appointments': () => Promise.reject(new Error('ran')),
          'Mutation.createAppointment': () => Promise.reject(new Error('ran')),
        });

        // When the request is sent with those variables
        const result = await run(untouched, query, apiKeyCaller, variables);

        // Then AppSync's answer, word for word
        expect(result).toEqual(answer);
      },
    );

    it("given an AWSDateTime variable that does not parse, when the pipeline publishes, then AppSync's own scalar message answers", async () => {
      // When the publish mutation is sent with an updatedAt that is not a date-time
      const result = await run(executor, PUBLISH_STATUS_CHANGE, pipelineCaller, {
        change: { ...statusChange('00012'), updatedAt: '2019' },
      });

      // Then the message AppSync's scalar gives
      expect(result).toEqual(
        refused(1, 18, "Variable 'updatedAt' has an invalid value. Unable to parse `2019` as a valid DateTime Object."),
      );
    });

    it('given a subscription with a required variable left out, when it subscribes, then it is refused in the same words', async () => {
      // When a subscription is started without its variable
      const document = parse('subscription Mine($id: String!) { onAppointmentStatusChanged(insuredId: $id) { status } }');
      const outcome = await executor.subscribe({ document, variables: {} }, requestContext(apiKeyCaller));

      // Then it is refused as AppSync refuses it
      expect(outcome).toEqual({ refused: refused(1, 19, "Variable 'id' has coerced Null value for NonNull type 'String!'") });
    });
  });
});
