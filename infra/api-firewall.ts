import { Stack } from 'aws-cdk-lib';
import type * as appsync from 'aws-cdk-lib/aws-appsync';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** WAF counts each address's requests over this sliding window. */
export const RATE_WINDOW_SECONDS = 300;

/**
 * Requests one client IP may send in any 5 minutes before WAF blocks it until its rate drops:
 * about 3 a second, far above a person booking and listing, low enough to stop one address
 * scripting the API. Staff behind one office NAT share an address: raise it if they hit it.
 */
export const REQUESTS_PER_CLIENT_IP_PER_5_MINUTES = 1000;

/**
 * The same for SigV4-signed (IAM) requests. They come from the completion worker, whose
 * invocations may leave Lambda through one shared address: the client limit would block
 * a burst of status changes (a DLQ redrive, say). High enough for the worker at its
 * maxConcurrency, still a ceiling for anyone faking the signature header, whom AppSync
 * then refuses anyway.
 */
export const SIGNED_REQUESTS_PER_SOURCE_IP_PER_5_MINUTES = 100_000;

/** AppSync's IAM mode: the Authorization header of a SigV4-signed request starts with the algorithm. */
const signedWithSigV4: wafv2.CfnWebACL.StatementProperty = {
  byteMatchStatement: {
    fieldToMatch: { singleHeader: { Name: 'authorization' } },
    positionalConstraint: 'STARTS_WITH',
    searchString: 'AWS4-HMAC-SHA256',
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
};

export interface ApiFirewallProps {
  readonly api: appsync.GraphqlApi;
}

/**
 * An AWS WAF web ACL in front of the GraphQL API: everything is allowed except an
 * address over its request rate (one limit for clients, a higher one for signed
 * requests). AppSync's own limits (resolver count, depth) bound one request; this
 * bounds how many one address sends.
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
    const ratePerSourceIp = (limit: number, scopeDownStatement: wafv2.CfnWebACL.StatementProperty): wafv2.CfnWebACL.StatementProperty => ({
      rateBasedStatement: {
        limit,
        evaluationWindowSec: RATE_WINDOW_SECONDS,
        // The address the request comes from, not X-Forwarded-For, which any client can write.
        aggregateKeyType: 'IP',
        scopeDownStatement,
      },
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      description: 'Request rate per source IP in front of the appointments GraphQL API',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(metricPrefix),
      rules: [
        {
          name: 'RequestsPerClientIp',
          priority: 0,
          action: { block: {} },
          statement: ratePerSourceIp(REQUESTS_PER_CLIENT_IP_PER_5_MINUTES, { notStatement: { statement: signedWithSigV4 } }),
          visibilityConfig: visibility(`${metricPrefix}-requests-per-client-ip`),
        },
        {
          name: 'SignedRequestsPerSourceIp',
          priority: 1,
          action: { block: {} },
          statement: ratePerSourceIp(SIGNED_REQUESTS_PER_SOURCE_IP_PER_5_MINUTES, signedWithSigV4),
          visibilityConfig: visibility(`${metricPrefix}-signed-requests-per-source-ip`),
        },
      ],
    });

    new wafv2.CfnWebACLAssociation(this, 'ApiAssociation', {
      resourceArn: props.api.arn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
