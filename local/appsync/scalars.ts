import { isIP } from 'node:net';
import { GraphQLError, GraphQLScalarType, Kind, print, type ValueNode } from 'graphql';

/**
 * AppSync's own scalars, validated as "Scalar types in AWS AppSync" describes them
 * (https://docs.aws.amazon.com/appsync/latest/devguide/scalars.html). graphql-scalars has
 * scalars of these names with other rules, so these are written here. AWSPhone is not
 * among them: a schema that names it fails at start (see appsync-schema.ts).
 */

/** A string scalar: what a valid value looks like. */
interface StringScalarRule {
  readonly kind: 'string';
  readonly description: string;
  readonly isValid: (value: string) => boolean;
}

const TIME_ZONE = '(Z|[+-]\\d{2}(:\\d{2}(:\\d{2})?)?)';
const CLOCK = '\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?';
const DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** A calendar date that exists (2026-02-30 does not), at the start of `value`. */
function isCalendarDate(value: string): boolean {
  const [, year, month, day] = DATE.exec(value) ?? [];
  if (year === undefined || month === undefined || day === undefined) return false;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

function isClock(value: string): boolean {
  const [hours = 99, minutes = 99, seconds = 0] = value.split(/[:.]/).map(Number);
  return hours < 24 && minutes < 60 && seconds < 60;
}

const awsDate = new RegExp(`^\\d{4}-\\d{2}-\\d{2}${TIME_ZONE}?$`);
const awsTime = new RegExp(`^(${CLOCK})${TIME_ZONE}?$`);
// The page: "AWSDate, AWSTime, and AWSDateTime scalars can optionally include a time zone offset".
const awsDateTime = new RegExp(`^\\d{4}-\\d{2}-\\d{2}T(${CLOCK})${TIME_ZONE}?$`);
// The page's "local-part@domain-part" (RFC 822): no spaces or specials on either side.
const awsEmail = /^[^\s@"(),:;<>[\]\\]+@[^\s@"(),:;<>[\]\\]+$/;

const stringScalars: Readonly<Record<string, StringScalarRule>> = {
  AWSDate: {
    kind: 'string',
    description: 'An extended ISO 8601 date, YYYY-MM-DD, with an optional time zone offset.',
    isValid: (value) => awsDate.test(value) && isCalendarDate(value),
  },
  AWSTime: {
    kind: 'string',
    description: 'An extended ISO 8601 time, hh:mm[:ss[.sss]], with an optional time zone offset.',
    isValid: (value) => awsTime.test(value) && isClock(awsTime.exec(value)?.[1] ?? ''),
  },
  AWSDateTime: {
    kind: 'string',
    description: 'An extended ISO 8601 date and time, YYYY-MM-DDThh:mm[:ss[.sss]], with an optional time zone offset.',
    isValid: (value) => awsDateTime.test(value) && isCalendarDate(value) && isClock(awsDateTime.exec(value)?.[1] ?? ''),
  },
  AWSEmail: { kind: 'string', description: 'An email address (RFC 822).', isValid: (value) => awsEmail.test(value) },
  AWSURL: { kind: 'string', description: 'A URL with a scheme and no // in its path (RFC 1738).', isValid: isUrlWithScheme },
  AWSIPAddress: { kind: 'string', description: 'An IPv4 or IPv6 address, optionally with a CIDR prefix length.', isValid: isIpAddress },
};

function isUrlWithScheme(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol.length > 1 && !url.pathname.includes('//');
  } catch {
    return false;
  }
}

function isIpAddress(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

function invalid(name: string, value: unknown, node?: ValueNode): GraphQLError {
  const shown = node ? print(node) : JSON.stringify(value);
  return new GraphQLError(`Invalid ${name} value: ${shown}`, node ? { nodes: node } : undefined);
}

function stringScalar(name: string, rule: StringScalarRule): GraphQLScalarType {
  const check = (value: unknown, node?: ValueNode): string => {
    if (typeof value !== 'string' || !rule.isValid(value)) throw invalid(name, value, node);
    return value;
  };
  return new GraphQLScalarType({
    name,
    description: rule.description,
    serialize: (value) => check(value),
    parseValue: (value) => check(value),
    parseLiteral: (node) => check(node.kind === Kind.STRING ? node.value : undefined, node),
  });
}

/** Seconds since the epoch, a whole number (AppSync's AWSTimestamp). */
const awsTimestamp = new GraphQLScalarType({
  name: 'AWSTimestamp',
  description: 'The number of seconds since 1970-01-01T00:00Z, a whole number.',
  serialize: (value) => timestampOf(value),
  parseValue: (value) => timestampOf(value),
  parseLiteral: (node) => timestampOf(node.kind === Kind.INT ? Number(node.value) : undefined, node),
});

function timestampOf(value: unknown, node?: ValueNode): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid('AWSTimestamp', value, node);
  return value;
}

/**
 * A JSON string on the wire; AppSync hands resolvers the parsed value and turns a
 * resolver's object back into a JSON string in the answer.
 */
const awsJson = new GraphQLScalarType({
  name: 'AWSJSON',
  description: 'A JSON string; resolvers receive it parsed.',
  serialize: (value) => (typeof value === 'string' ? value : JSON.stringify(value)),
  parseValue: (value) => parsedJson(value),
  parseLiteral: (node) => parsedJson(node.kind === Kind.STRING ? node.value : undefined, node),
});

function parsedJson(value: unknown, node?: ValueNode): unknown {
  if (typeof value !== 'string') throw invalid('AWSJSON', value, node);
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw invalid('AWSJSON', value, node);
  }
}

/** Every AppSync scalar the local executor implements, by name. */
export const appSyncScalars: ReadonlyMap<string, GraphQLScalarType> = new Map([
  ...Object.entries(stringScalars).map(([name, rule]) => [name, stringScalar(name, rule)] as const),
  ['AWSTimestamp', awsTimestamp],
  ['AWSJSON', awsJson],
]);
