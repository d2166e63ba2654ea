import { GraphQLError, print } from 'graphql';
import { KnownQueries } from '../../local/appsync/known-queries';

const BOOKING = 'mutation Book($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointmentId status } }';

describe("the local AppSync's known queries", () => {
  it('given a query text sent again, when it is parsed, then it is the same document and its verdict is worked out once', () => {
    const queries = new KnownQueries<string>();
    const judge = jest.fn(() => 'valid');

    const first = queries.parse(BOOKING);
    const again = queries.parse(BOOKING);
    const verdicts = [queries.verdictOn(first, judge), queries.verdictOn(again, judge)];

    expect(again).toBe(first);
    expect(print(first)).toContain('createAppointment(input: $input)');
    expect(verdicts).toEqual(['valid', 'valid']);
    expect(judge).toHaveBeenCalledTimes(1);
  });

  it('given a text that does not parse, when it is sent twice, then each time the syntax error is thrown', () => {
    const queries = new KnownQueries<string>();

    for (let attempt = 0; attempt < 2; attempt++) expect(() => queries.parse('{ appointments(')).toThrow(GraphQLError);
  });

  it('given more texts than it keeps, when the oldest is sent again, then it is parsed anew and the newest are still kept', () => {
    const queries = new KnownQueries<string>(2);
    const texts = ['{ a }', '{ b }', '{ c }'];
    const [a, b, c] = texts.map((text) => queries.parse(text));

    expect(queries.parse('{ a }')).not.toBe(a);
    expect(queries.parse('{ c }')).toBe(c);
    expect(b).toBeDefined();
  });
});
