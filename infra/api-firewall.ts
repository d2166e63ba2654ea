import { Stack } from 'aws-cdk-lib';
import type * as appsync from 'aws-cdk-lib/aws-appsync';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** WAF counts each caller's and each address's requests over this sliding window. */
export const RATE_WINDOW_SECONDS = 300;

/**
 * Requests one caller may send in any 5 minutes before WAF blocks that caller until its rate drops:
 * about 3 a second, far above a person booking and listing (changes are pushed, nobody polls), low
 * enough to stop one scripted account. A caller is its credential: the user pool token in the
 * `authorization` header (insured people, staff) or the development API key in `x-api-key`.
 */
export const REQUESTS_PER_CALLER_PER_5_MINUTES = 1000;

/**
 * Requests one source address may send in any 5 minutes, whatever it claims to be: the ceiling for
 * anything a per-caller key cannot follow. It must let through a mobile carrier's NAT address shared
 * by hundreds of insured people (each under the per-caller limit), and the workers' signed publishes (the
 * completion worker's status changes, the slot projector's availability changes: one per slot, so a
 * publication of 1,000 slots makes 1,000), which leave Lambda through shared addresses (a DLQ redrive
 * publishes about as fast as the workers drain it; a blocked publish is retried, then dead-lettered, never lost).
 * No header raises it: WAF sees a SigV4 `Authorization` header before AppSync checks the signature,
 * so it is a claim anyone can make.
 */
export const REQUESTS_PER_SOURCE_IP_PER_5_MINUTES = 20_000;

/** The credential headers a per-caller rule follows: WAF keys a rate on a header's value (custom keys). */
export const CALLER_CREDENTIAL_HEADERS = ['authorization', 'x-api-key'] as const;

export interface ApiFirewallProps {
  readonly api: appsync.GraphqlApi;
}

/**
 * An AWS WAF web ACL in front of the GraphQL API: everything is allowed except a caller over its
 * request rate (a rule per credential header) or an address over its ceiling. AppSync's own limits
 * (resolver count, depth) bound one request; these bound how many requests one caller or address sends.
 *
 * A request without the header a per-caller rule follows is not counted by that rule (WAF's
 * documented behaviour for custom keys), and a SigV4 `Authorization` header changes with every
 * request, so it never piles up under one key: the per-address ceiling covers both.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const metricPrefix = `${Stack.of(this).stackName}-api`;
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const perCaller = CALLER_CREDENTIAL_HEADERS.map((header, priority): wafv2.CfnWebACL.RuleProperty => ({
      name: `RequestsPerCaller-${header}`,
      priority,
      action: { block: {} },
      statement: {
        rateBasedStatement: {
          limit: REQUESTS_PER_CALLER_PER_5_MINUTES,
          evaluationWindowSec: RATE_WINDOW_SECONDS,
          aggregateKeyType: 'CUSTOM_KEYS',
          customKeys: [{ header: { name: header, textTransformations: [{ priority: 0, type: 'NONE' }] } }],
        },
      },
      visibilityConfig: visibility(`${metricPrefix}-requests-per-caller-${header}`),
    }));
    const perAddress: wafv2.CfnWebACL.RuleProperty = {
      name: 'RequestsPerSourceIp',
      priority: perCaller.length,
      action: { block: {} },
      statement: {
        rateBasedStatement: {
          limit: REQUESTS_PER_SOURCE_IP_PER_5_MINUTES,
          evaluationWindowSec: RATE_WINDOW_SECONDS,
          // The address the request comes from, not X-Forwarded-For, which any client can write.
          aggregateKeyType: 'IP',
        },
      },
      visibilityConfig: visibility(`${metricPrefix}-requests-per-source-ip`),
    };

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      description: 'Request rate per caller and per source IP in front of the appointments GraphQL API',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(metricPrefix),
      rules: [...perCaller, perAddress],
    });

    new wafv2.CfnWebACLAssociation(this, 'ApiAssociation', {
      resourceArn: props.api.arn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
