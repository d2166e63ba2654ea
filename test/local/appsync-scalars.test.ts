import { buildAppSyncSchema } from '../../local/appsync/appsync-schema';
import { appSyncScalars } from '../../local/appsync/scalars';

/** AppSync's scalars as "Scalar types in AWS AppSync" describes them, checked one value at a time. */
describe('the local AppSync validates its scalars as AppSync documents them', () => {
  const accepts = (name: string, value: unknown) => {
    const scalar = appSyncScalars.get(name);
    if (!scalar) throw new Error(`no scalar ${name}`);
    try {
      scalar.parseValue(value);
      return true;
    } catch {
      return false;
    }
  };

  it.each([
    ['AWSDateTime', '2026-11-29T10:00:00.000Z'],
    ['AWSDateTime', '2026-11-29T10:00:00-05:00'],
    ['AWSDateTime', '2026-11-29T10:00Z'],
    ['AWSDateTime', '2026-11-29T10:00:00'],
    ['AWSDate', '2026-11-29'],
    ['AWSDate', '2026-11-29+05:30'],
    ['AWSTime', '23:59:59.999'],
    ['AWSTime', '12:30Z'],
    ['AWSTimestamp', 1_795_973_939],
    ['AWSEmail', 'ana@example.com'],
    ['AWSJSON', '{"a":[1,2]}'],
    ['AWSURL', 'https://example.com/path?q=1'],
    ['AWSIPAddress', '203.0.113.10'],
    ['AWSIPAddress', '2001:db8::1/64'],
  ])('given %s, when the value %j is sent, then it is accepted', (name, value) => {
    expect(accepts(name, value)).toBe(true);
  });

  it.each([
    ['AWSDateTime', '2026-02-30T10:00:00Z', 'a day that does not exist'],
    ['AWSDateTime', '2026-11-29 10:00:00Z', 'a space instead of T'],
    ['AWSDate', '29/11/2026', 'not ISO 8601'],
    ['AWSTime', '24:00:00', 'an hour past 23'],
    ['AWSTimestamp', 1.5, 'not a whole number'],
    ['AWSTimestamp', '1795973939', 'a string'],
    ['AWSEmail', 'ana.example.com', 'no @'],
    ['AWSJSON', '{a:1}', 'not JSON'],
    ['AWSURL', 'example.com', 'no scheme'],
    ['AWSURL', 'https://example.com/a//b', 'two slashes in the path'],
    ['AWSIPAddress', '300.1.1.1', 'an octet past 255'],
  ])('given %s, when the value %j is sent (%s), then it is refused', (name, value, _why) => {
    expect(accepts(name, value)).toBe(false);
  });

  it('given AWSJSON, when a JSON string is sent, then the resolver receives it parsed, and an object answered goes back as a JSON string', () => {
    const json = appSyncScalars.get('AWSJSON');
    expect(json?.parseValue('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(json?.serialize({ a: [1, 2] })).toBe('{"a":[1,2]}');
  });

  it('given a schema that names an AppSync scalar the local executor does not implement, when it is built, then it fails naming that scalar', () => {
    expect(() => buildAppSyncSchema('type Query { phone: AWSPhone, at: AWSDateTime }')).toThrow(
      /uses AWSPhone, which the local AppSync does not implement/,
    );
  });

  it("given schema.graphql's scalars, when the schema is built, then each is the AppSync implementation", () => {
    const schema = buildAppSyncSchema('type Query { at: AWSDateTime, seconds: AWSTimestamp }');
    const dateTime = schema.getType('AWSDateTime') as { parseValue(value: unknown): unknown };
    expect(() => dateTime.parseValue('yesterday')).toThrow(/Invalid AWSDateTime value/);
  });
});
