/**
 * SNS subscription filter policies and EventBridge event patterns, evaluated the
 * way AWS evaluates them, for the subset the topology uses: exact matching of
 * string (and, in patterns, number, boolean and null) values, with nested objects
 * in event patterns. No npm package does either well enough to depend on, so this
 * is that subset and no more. Anything beyond it (prefix, anything-but, numeric,
 * exists, $or, …) is refused when the router is built, so a topology that starts
 * using it fails loudly here instead of routing differently from AWS.
 */

export type FilterPolicy = { readonly [attribute: string]: readonly string[] };
export type EventPattern = { readonly [field: string]: readonly unknown[] | EventPattern };

/** An SNS message attribute as Publish receives it. */
export interface SnsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

export function assertSupportedFilterPolicy(policy: unknown, where: string): asserts policy is FilterPolicy {
  if (!isPlainObject(policy)) throw new UnsupportedRoutingRule(where, 'a filter policy must be an object');
  for (const [attribute, values] of Object.entries(policy)) {
    if (!Array.isArray(values) || values.length === 0 || !values.every((value) => typeof value === 'string')) {
      throw new UnsupportedRoutingRule(where, `${attribute}: only non-empty lists of exact string values are supported locally`);
    }
  }
}

/** True when every attribute the policy names is present and one of its listed values (message-attribute scope). */
export function filterPolicyMatches(policy: FilterPolicy, attributes: Readonly<Record<string, SnsMessageAttribute>>): boolean {
  return Object.entries(policy).every(([name, accepted]) => {
    const attribute = attributes[name];
    if (!attribute || attribute.StringValue === undefined) return false;
    if (attribute.DataType === 'String' || (attribute.DataType.startsWith('String.') && attribute.DataType !== 'String.Array')) {
      return accepted.includes(attribute.StringValue);
    }
    if (attribute.DataType === 'String.Array') {
      const values = parseJsonArray(attribute.StringValue);
      return values.some((value) => typeof value === 'string' && accepted.includes(value));
    }
    // Number and Binary attributes need numeric or other operators, which are not supported.
    return false;
  });
}

export function assertSupportedEventPattern(pattern: unknown, where: string): asserts pattern is EventPattern {
  if (!isPlainObject(pattern) || Object.keys(pattern).length === 0)
    throw new UnsupportedRoutingRule(where, 'an event pattern must be a non-empty object');
  for (const [field, rule] of Object.entries(pattern)) {
    if (Array.isArray(rule)) {
      if (rule.length === 0 || !rule.every((value) => value === null || ['string', 'number', 'boolean'].includes(typeof value))) {
        throw new UnsupportedRoutingRule(where, `${field}: only non-empty lists of exact values are supported locally`);
      }
    } else {
      assertSupportedEventPattern(rule, `${where}.${field}`);
    }
  }
}

/** True when every field the pattern names matches: a listed value, or (for an array field) any element listed. */
export function eventPatternMatches(pattern: EventPattern, event: unknown): boolean {
  if (!isPlainObject(event)) return false;
  return Object.entries(pattern).every(([field, rule]) => {
    if (!Object.hasOwn(event, field)) return false;
    const value = event[field];
    if (!Array.isArray(rule)) return eventPatternMatches(rule as EventPattern, value);
    const candidates: unknown[] = Array.isArray(value) ? value : [value];
    return candidates.some((candidate) => rule.some((accepted) => accepted === candidate));
  });
}

export class UnsupportedRoutingRule extends Error {
  override readonly name = 'UnsupportedRoutingRule';
  constructor(where: string, problem: string) {
    super(`${where}: ${problem} (the local router implements exact matching only; see local/router/matching.ts)`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonArray(text: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}
