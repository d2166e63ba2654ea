/**
 * What AWS charges in us-east-1 (US East, N. Virginia) for what this stack uses: the public on-demand list
 * prices, without free tiers, Savings Plans or volume tiers beyond the first, as data for local/bench/cost.ts
 * (issue 27, "What a booking costs").
 *
 * Every price names the AWS page it belongs to (`source`) and the day it was read (`readOn`). Most AWS pricing
 * pages draw their tables in the browser, so the stored copies we could search often carry the words and not the
 * figures: `confirmedBy` says where each figure was actually seen.
 * - `aws`: on the AWS page itself (or a copy of it).
 * - `third-party`: on the page named in `seenAt` (a guide quoting the AWS page), not on an AWS page we could read.
 * - `none`: seen on no page we could read; the figure is the one AWS is known to publish and must be checked
 *   before it is relied on (see `note`).
 * Reread the sources and change `asOf` when AWS changes a price; the unit tests pin the arithmetic, not the prices.
 */

/** Where a figure was seen. */
export type Confirmation = 'aws' | 'third-party' | 'none';

export interface Price {
  /** US dollars for `perUnits` of the item. */
  readonly usd: number;
  /** What `usd` buys, in words. */
  readonly per: string;
  /** How many units (requests, GB, hours, …) `usd` buys: the price of one unit is usd / perUnits. */
  readonly perUnits: number;
  /** The AWS page that publishes the price. */
  readonly source: string;
  /** The day the figure was read (YYYY-MM-DD). */
  readonly readOn: string;
  readonly confirmedBy: Confirmation;
  /** The page the figure was read on, when it is not `source`. */
  readonly seenAt?: string;
  readonly note?: string;
}

/** The price of one unit (one request, one GB, one hour, …). */
export function unitUsd(price: Price): number {
  return price.usd / price.perUnits;
}

const READ_ON = '2026-12-07';
const MILLION = 1_000_000;

const price = (fields: Omit<Price, 'readOn'>): Price => ({ ...fields, readOn: READ_ON });

export const pricesUsEast1 = {
  asOf: READ_ON,
  region: 'us-east-1',
  currency: 'USD',
  appsync: {
    /** Each query or mutation, the workers' IAM publish mutations included (a NONE data source is no exception). */
    requests: price({
      usd: 4.0,
      per: '1M query and data modification operations',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/appsync/pricing/',
      confirmedBy: 'aws',
      note: 'Pricing examples 1 and 2 on the page: "5 million x $4.00 per million operations".',
    }),
    /** Each message pushed to one subscriber. */
    realtimeMessages: price({
      usd: 2.0,
      per: '1M real-time updates',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/appsync/pricing/',
      confirmedBy: 'aws',
      note: 'Pricing example 2: "1,000 received messages X $2.00 per million updates".',
    }),
    connectionMinutes: price({
      usd: 0.08,
      per: '1M connection-minutes',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/appsync/pricing/',
      confirmedBy: 'aws',
      note: 'Pricing example 2: "1,500 minutes x $0.08 per million connection-minutes".',
    }),
    /** Responses to the internet: "Data transfer is charged at the EC2 data transfer rate" (first 10 TB a month). */
    dataTransferOutGB: price({
      usd: 0.09,
      per: 'GB out to the internet',
      perUnits: 1,
      source: 'https://aws.amazon.com/appsync/pricing/',
      confirmedBy: 'aws',
      note: 'Pricing example 1: "14.3 GB * $0.09".',
    }),
  },
  lambda: {
    requests: price({
      usd: 0.2,
      per: '1M requests',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/lambda/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://cloudchipr.com/blog/aws-lambda-pricing',
      note: 'The AWS page (copy of 2026-06-18 on web.archive.org) renders its table in the browser; the same $0.20 appears in several guides.',
    }),
    /** infra/appointments-function.ts deploys every function on lambda.Architecture.ARM_64. */
    gbSecondArm64: price({
      usd: 0.0000133334,
      per: 'GB-second, arm64 (first 7.5 billion GB-s a month)',
      perUnits: 1,
      source: 'https://aws.amazon.com/lambda/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://cloudchipr.com/blog/aws-lambda-pricing',
      note: 'Also in artillery@2.0.28 lib/platform/aws-lambda/prices.js (base arm64 1333340e-11).',
    }),
    gbSecondX86: price({
      usd: 0.0000166667,
      per: 'GB-second, x86_64 (first 6 billion GB-s a month)',
      perUnits: 1,
      source: 'https://aws.amazon.com/lambda/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://cloudchipr.com/blog/aws-lambda-pricing',
      note: 'Not used by this stack (arm64); kept to price the other architecture.',
    }),
  },
  dynamodb: {
    /** On demand: one unit writes up to 1 KB (standard), two for a transactional write. */
    writeRequestUnits: price({
      usd: 0.625,
      per: '1M write request units (on demand)',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
      confirmedBy: 'third-party',
      seenAt: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
      note: 'After the 50% cut to on-demand throughput of November 2024 (was $1.25). The AWS page states the unit rules (1 KB a write unit) but its table is not in the stored copy.',
    }),
    /** On demand: one unit reads up to 4 KB strongly consistent, two eventually consistent, half a transactional one. */
    readRequestUnits: price({
      usd: 0.125,
      per: '1M read request units (on demand)',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
      confirmedBy: 'third-party',
      seenAt: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
      note: 'After the November 2024 cut (was $0.25).',
    }),
    storageGBMonth: price({
      usd: 0.25,
      per: 'GB-month of table storage (Standard table class, after the first 25 GB)',
      perUnits: 1,
      source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
      confirmedBy: 'none',
      note: 'NOT confirmed from a source read for this table.',
    }),
    pointInTimeRecoveryGBMonth: price({
      usd: 0.2,
      per: 'GB-month of continuous backup (point-in-time recovery)',
      perUnits: 1,
      source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
      confirmedBy: 'none',
      note: 'NOT confirmed from a source read for this table. Both tables have PITR on (infra/appointments-stack.ts, infra/slot-read-model.ts).',
    }),
  },
  sns: {
    /** Standard topic; each 64 KB chunk of a published payload is one request. */
    publishes: price({
      usd: 0.5,
      per: '1M publishes (standard topic, 64 KB chunks)',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/sns/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/',
      note: 'The $0.50 is confirmed by the guide; the 64 KB chunk rule for SNS publishes is NOT confirmed from a source read here (it is for SQS and EventBridge).',
    }),
    /** Deliveries to SQS queues (the country queues' raw-delivery subscriptions). */
    sqsDeliveries: price({
      usd: 0,
      per: '1M deliveries to SQS',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/sns/pricing/',
      confirmedBy: 'none',
      note: 'NOT confirmed from a source read here: AWS lists no charge for SNS deliveries to SQS (the queue still bills its own requests).',
    }),
  },
  sqs: {
    /** Standard queue: every API request (send, receive, delete, also an empty receive), each 64 KB chunk of payload one request. */
    requests: price({
      usd: 0.4,
      per: '1M requests (standard queue, 64 KB chunks; first 100 billion a month)',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/sqs/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://cloudburn.io/blog/amazon-sqs-pricing',
      note: '64 KB chunk rule also at https://unanswered.io/guide/aws-sqs-pricing-and-cost-optimization. Lambda’s event source mapping long-polls each queue, so idle queues still make empty receives: count them.',
    }),
  },
  eventbridge: {
    /** Custom events put on a bus, each 64 KB chunk one event; same-account delivery to targets is free. */
    customEvents: price({
      usd: 1.0,
      per: '1M custom events (64 KB chunks)',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/eventbridge/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://cloudburn.io/blog/amazon-eventbridge-pricing',
    }),
    schedulerInvocations: price({
      usd: 1.0,
      per: '1M EventBridge Scheduler invocations (after 14M free a month)',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/eventbridge/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://cloudburn.io/blog/amazon-eventbridge-pricing',
      note: 'One guide (wring.co) calls Scheduler invocations free; cloudburn lists $1.00/M after 14M free. Taken as $1.00/M; at the reconciler’s 8,760 runs a month either is ~$0.',
    }),
  },
  ses: {
    outboundEmails: price({
      usd: 0.1,
      per: '1,000 outbound emails',
      perUnits: 1_000,
      source: 'https://aws.amazon.com/ses/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://www.acecloudinterviews.com/tutorials/aws/ses/',
      note: 'Attachments and data are billed per GB on top (not priced here: the emails carry none).',
    }),
  },
  cognito: {
    /** Essentials plan (infra/insured-user-pool.ts: FeaturePlan.ESSENTIALS), per monthly active user. */
    essentialsMonthlyActiveUsers: price({
      usd: 0.015,
      per: 'monthly active user, Essentials (after 10,000 free a month)',
      perUnits: 1,
      source: 'https://aws.amazon.com/cognito/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://raw.githubusercontent.com/api-evangelist/amazon-cognito/refs/heads/main/plans/amazon-cognito-plans-pricing.yml',
      note: 'That file quotes the AWS page verbatim ("Price / MAU charged above the free tier = $0.015"). Cognito bills users, not calls: the notification worker’s ListUsers and AppSync’s token checks cost nothing per request (no per-request price is published for them; NOT confirmed beyond that). A booking costs Cognito nothing; the insured people who sign in during a month do.',
    }),
  },
  secretsManager: {
    secretMonths: price({
      usd: 0.4,
      per: 'secret-month',
      perUnits: 1,
      source: 'https://aws.amazon.com/secrets-manager/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms',
    }),
    apiCalls: price({
      usd: 0.05,
      per: '10,000 API calls',
      perUnits: 10_000,
      source: 'https://aws.amazon.com/secrets-manager/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms',
    }),
  },
  cloudwatch: {
    /** Each metric (name + dimension values) the functions emit through EMF, prorated by the hour. */
    customMetricMonths: price({
      usd: 0.3,
      per: 'custom metric-month (first 10,000 metrics)',
      perUnits: 1,
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://signoz.io/guides/cloudwatch-pricing',
      note: 'EMF values cost no API call: each is log bytes (logsIngestionGB) plus its metric’s metric-month.',
    }),
    logsIngestionGB: price({
      usd: 0.5,
      per: 'GB of logs ingested (standard log class, first 10 TB)',
      perUnits: 1,
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/',
      note: 'Lambda’s own START/END/REPORT lines are ingested too. The free tier on the AWS page (5 GB, 10 metrics, 10 alarms, 3 dashboards) is not applied here.',
    }),
    standardAlarmMonths: price({
      usd: 0.1,
      per: 'standard-resolution alarm metric-month',
      perUnits: 1,
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm',
    }),
    dashboardMonths: price({
      usd: 3.0,
      per: 'dashboard-month',
      perUnits: 1,
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/',
    }),
  },
  xray: {
    /** infra/appointments-function.ts: Tracing.ACTIVE on every function; infra/appointments-api.ts: xrayEnabled. */
    tracesRecorded: price({
      usd: 5.0,
      per: '1M traces recorded (after 100,000 free a month)',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/xray/pricing/',
      confirmedBy: 'aws',
      seenAt: 'https://aws.amazon.com/de/xray/pricing/',
      note: 'The default sampling rule records the first request each second and 5% of the rest.',
    }),
  },
  rds: {
    /** infra/country-database.ts: BURSTABLE4_GRAVITON MICRO, MySQL 8.4, Single-AZ unless multiAz. */
    mysqlT4gMicroHours: price({
      usd: 0.016,
      per: 'instance-hour, db.t4g.micro, Single-AZ',
      perUnits: 1,
      source: 'https://aws.amazon.com/rds/mysql/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://infratally.com/articles/aws-rds-pricing-explained-2026.html',
      note: 'Read from a PostgreSQL table; the same rate for MySQL is NOT confirmed from a source. Multi-AZ is twice the rate (a standby instance).',
    }),
    gp3StorageGBMonth: price({
      usd: 0.115,
      per: 'GB-month of gp3 storage, Single-AZ',
      perUnits: 1,
      source: 'https://aws.amazon.com/rds/mysql/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://www.usage.ai/blogs/aws/reserved-instances/rds/pricing-calculator/',
      note: 'Backup storage is free up to the provisioned size (same source); 7 days of backups of a small database stay inside it.',
    }),
  },
  vpc: {
    /** Each interface endpoint is billed per hour in each Availability Zone it has a network interface in. */
    interfaceEndpointAzHours: price({
      usd: 0.01,
      per: 'interface endpoint-hour per AZ',
      perUnits: 1,
      source: 'https://aws.amazon.com/privatelink/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://awsnegotiations.com/privatelink-cost-analysis.html',
      note: 'The AWS page (stored copy) states the per-AZ hourly billing but not the figure.',
    }),
    interfaceEndpointDataGB: price({
      usd: 0.01,
      per: 'GB processed by interface endpoints (first 1 PB a month in the region)',
      perUnits: 1,
      source: 'https://aws.amazon.com/privatelink/pricing/',
      confirmedBy: 'aws',
      seenAt: 'https://968880.n0h2l.group/privatelink/pricing',
      note: 'Seen on a mirror of the AWS page ("First 1 PB $0.01").',
    }),
  },
  waf: {
    webAclMonths: price({
      usd: 5.0,
      per: 'web ACL-month',
      perUnits: 1,
      source: 'https://aws.amazon.com/waf/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://c3x.dev/blog/aws-waf-cost-explained/',
    }),
    ruleMonths: price({
      usd: 1.0,
      per: 'rule-month',
      perUnits: 1,
      source: 'https://aws.amazon.com/waf/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://c3x.dev/blog/aws-waf-cost-explained/',
    }),
    requests: price({
      usd: 0.6,
      per: '1M requests inspected',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/waf/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://c3x.dev/blog/aws-waf-cost-explained/',
      note: 'Every HTTP request to AppSync is inspected: the clients’ and the workers’ signed publish mutations.',
    }),
  },
  kms: {
    customerManagedKeyMonths: price({
      usd: 1.0,
      per: 'customer managed key-month',
      perUnits: 1,
      source: 'https://aws.amazon.com/kms/pricing/',
      confirmedBy: 'aws',
      note: 'AWS managed and AWS owned keys cost nothing to keep; this stack creates no customer managed key.',
    }),
    requests: price({
      usd: 0.03,
      per: '10,000 symmetric key requests (after 20,000 free a month)',
      perUnits: 10_000,
      source: 'https://aws.amazon.com/kms/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://www.wring.co/blog/aws-kms-pricing-guide',
      note: 'The AWS page confirms requests to AWS managed keys are charged (the SNS topic uses alias/aws/sns); the figure is from the guide.',
    }),
  },
  apiGateway: {
    /** For the front-door comparison only: this stack has no API Gateway. */
    httpApiRequests: price({
      usd: 1.0,
      per: '1M HTTP API requests (first 300M a month, metered in 512 KB increments)',
      perUnits: MILLION,
      source: 'https://aws.amazon.com/api-gateway/pricing/',
      confirmedBy: 'third-party',
      seenAt: 'https://www.apigatewaycost.com/aws',
      note: 'The 512 KB metering is in an AWS whitepaper (docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html). HTTP APIs cannot take a WAF web ACL (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html: "AWS WAF: REST API Yes, HTTP API No").',
    }),
  },
  lambdaInitBilling: {
    /** Not a price: the rule for what a fresh start (INIT) costs. */
    since: '2025-08-01',
    source: 'https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/',
    seenAt: 'https://vuink.com/post/njf-d-dnznmba-d-dpbz/blogs/compute/aws-lambda-standardizes-billing-for-init-phase',
    readOn: READ_ON,
    note: 'Effective August 1, 2025 the INIT phase of on-demand invocations of ZIP functions on managed runtimes (this stack: Node.js 24, ZIP) is billed like INVOKE: its duration at the function’s memory. AWS reports INITs in under 1% of production invocations.',
  },
} as const;

export type PriceTable = typeof pricesUsEast1;

function isPrice(value: unknown): value is Price {
  return typeof value === 'object' && value !== null && typeof (value as { usd?: unknown }).usd === 'number';
}

/** Every price of a table as `service.item`, e.g. to list the ones no AWS page confirmed. */
export function listPrices(table: PriceTable = pricesUsEast1): { readonly name: string; readonly price: Price }[] {
  return Object.entries(table).flatMap(([service, items]) =>
    typeof items === 'object' && items !== null
      ? Object.entries(items as Record<string, unknown>).flatMap(([item, value]) =>
          isPrice(value) ? [{ name: `${service}.${item}`, price: value }] : [],
        )
      : [],
  );
}
