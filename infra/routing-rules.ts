import type * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { CountryRoute } from '../core/config/topology';

/**
 * The topology's routing rules in CDK's terms. The topology writes them as AWS
 * does on the wire (SNS filter policy JSON, EventBridge pattern JSON); these are
 * the only two places that translate them.
 */

/** An SNS filter policy on message attributes: the topology declares exact-value allowlists per attribute. */
export function subscriptionFilterPolicy(policy: CountryRoute['filterPolicy']): { [attribute: string]: sns.SubscriptionFilter } {
  return Object.fromEntries(
    Object.entries(policy).map(([attribute, values]) => [attribute, sns.SubscriptionFilter.stringFilter({ allowlist: [...values] })]),
  );
}

/** An EventBridge event pattern: CDK spells `detail-type` as `detailType` and renders it back when it synthesizes the rule. */
export function eventPatternOf(pattern: { readonly [field: string]: unknown }): events.EventPattern {
  const fields: { [field: string]: unknown } = {};
  for (const [field, value] of Object.entries(pattern)) {
    fields[field === 'detail-type' ? 'detailType' : field] = value;
  }
  return fields;
}
