import { countryISOs } from '../../core/domain/countries';
import { topology } from '../../core/config/topology';
import { findingKinds } from '../../core/use-cases/reconcile-appointments';
import { LongPollers } from '../router/router-usage';
import { pricesUsEast1, unitUsd, type PriceTable } from './prices-us-east-1';

/**
 * What a booking costs in AWS (issue 27): the pricing half. The bench counts what one booking asks of each service
 * (idle and loaded, the same counts measured under two loads); this module prices those counts with the dated table
 * of local/bench/prices-us-east-1.ts, adds the fixed monthly cost of what the stack deploys whatever the traffic,
 * and draws the line between AppSync and an API Gateway HTTP API front door. Pure: no I/O, no clock.
 *
 * List prices only: no free tier is subtracted (they are per account, not per booking) and no volume tier past the
 * first is applied, so a cost per million bookings is the same at any volume and scales linearly with the counts.
 */

// ---------------------------------------------------------------------------------------------------------------
// Billing units
// ---------------------------------------------------------------------------------------------------------------

const KB = 1024;
const CHUNK_64_KB = 64 * KB;
const GB = 1024 ** 3;
/** AWS bills a month of an hourly resource as 730 hours (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
const MILLION = 1_000_000;

/** Lambda bills each invocation's duration rounded up to the next millisecond (at least 1 ms). */
export function lambdaBilledMs(durationMs: number): number {
  if (!(durationMs >= 0)) throw new RangeError(`A duration must be 0 or more ms, got ${durationMs}`);
  return Math.max(1, Math.ceil(durationMs));
}

/** GB-seconds of one invocation: the configured memory in GB times the billed seconds. */
export function lambdaGbSeconds(memoryMB: number, billedMs: number): number {
  return (memoryMB / 1024) * (billedMs / 1000);
}

/**
 * Requests a payload is billed as where each started 64 KB chunk is one (SQS requests, EventBridge events,
 * SNS publishes): 1 for anything up to 64 KB, 2 up to 128 KB, …; an empty payload is still one request.
 */
export function chunksOf64KB(payloadBytes: number): number {
  if (!(payloadBytes >= 0)) throw new RangeError(`A payload must be 0 or more bytes, got ${payloadBytes}`);
  return Math.max(1, Math.ceil(payloadBytes / CHUNK_64_KB));
}

export interface WriteOptions {
  /** TransactWriteItems: two units per KB. */
  readonly transactional?: boolean;
  /**
   * Global secondary indexes the write touches (an index whose projected attributes or keys change). With
   * ProjectionType.ALL, as the slot read model's eight indexes are, each costs what the item costs; an index
   * whose key changes costs a delete and a put, so count it twice.
   */
  readonly indexWrites?: number;
}

/**
 * Write request units of one write on demand: ceil(item size / 1 KB), at least 1, doubled for a transactional
 * write, once more for every index the write touches. The item size is its attribute names and values in bytes.
 */
export function dynamoDbWriteUnits(itemBytes: number, options: WriteOptions = {}): number {
  if (!(itemBytes >= 0)) throw new RangeError(`An item must be 0 or more bytes, got ${itemBytes}`);
  const perCopy = Math.max(1, Math.ceil(itemBytes / KB)) * (options.transactional ? 2 : 1);
  return perCopy * (1 + (options.indexWrites ?? 0));
}

export type ReadConsistency = 'strong' | 'eventual' | 'transactional';

/**
 * Read request units of one read on demand: ceil(size / 4 KB), at least 1, for a strongly consistent read; half
 * of that eventually consistent (a Query or Scan unless ConsistentRead), twice that transactional. For a GetItem
 * the size is the item's; for a Query or a Scan page, the sum of the items it read (DynamoDB rounds the sum, not
 * each item), so pass the bytes the page read, not one item's.
 */
export function dynamoDbReadUnits(bytesRead: number, consistency: ReadConsistency): number {
  if (!(bytesRead >= 0)) throw new RangeError(`A read must be 0 or more bytes, got ${bytesRead}`);
  const strongUnits = Math.max(1, Math.ceil(bytesRead / (4 * KB)));
  return consistency === 'eventual' ? strongUnits / 2 : consistency === 'transactional' ? strongUnits * 2 : strongUnits;
}

// ---------------------------------------------------------------------------------------------------------------
// What one booking asks of each service
// ---------------------------------------------------------------------------------------------------------------

export interface LambdaInvocations {
  /** The deployed function (infra/bundling.ts ids: `Mutation.createAppointment`, `countryWorker-PE`, …). */
  readonly fn: string;
  /** Configured memory: topology.functionMemoryMB (512) for every function but the schema migration (256). */
  readonly memoryMB: number;
  /** Invocations per booking (a batch of ten records shared by ten bookings is 0.1 each). */
  readonly invocations: number;
  /**
   * Mean duration of one invocation's INVOKE phase in ms, rounded up to the next ms here as Lambda rounds each
   * invocation. Rounding the mean instead of each invocation undercounts by less than 1 ms an invocation; a bench
   * that has every duration should pass the mean of the rounded ones (lambdaBilledMs).
   */
  readonly durationMs: number;
  /** Per booking: invocations that started a fresh execution environment (INIT), billed since 2025-08-01. */
  readonly freshStarts?: number;
  /** Mean INIT duration of a fresh start in ms (the report's `Init Duration`). */
  readonly initMs?: number;
  /** infra/appointments-function.ts deploys arm64. */
  readonly architecture?: 'arm64' | 'x86_64';
}

/** Messages of one kind per booking, and the size of each (what the 64 KB chunk rule bills). */
export interface Messages {
  readonly count: number;
  readonly payloadBytes: number;
}

/**
 * What one booking asks of AWS, averaged over the bookings of a bench phase: every field is per booking (a
 * fraction when a call serves several bookings, e.g. a batch). EMF metric values are not a field of their own:
 * a value costs its log bytes (in `logBytes`) and its metric's metric-month, which is fixed (fixedMonthlyUsd).
 */
export interface BookingCounts {
  /** Queries and mutations AppSync answers: the client's, and the workers' signed publish mutations. */
  readonly appsyncRequests: number;
  /**
   * Of appsyncRequests, those the clients sent (createAppointment, availableSlots pages): what another front door
   * would answer instead. All of appsyncRequests unless given.
   */
  readonly appsyncClientRequests?: number;
  /** Messages AppSync pushes, one per subscriber that receives it (status changes, slot availability). */
  readonly appsyncRealtimeMessages: number;
  /** Connection-minutes of the subscribers' websockets attributed to the booking. */
  readonly appsyncConnectionMinutes?: number;
  readonly lambdaInvocations: readonly LambdaInvocations[];
  /** On-demand write request units (see dynamoDbWriteUnits), indexes included. */
  readonly dynamoDbWriteUnits: number;
  /** On-demand read request units (see dynamoDbReadUnits). */
  readonly dynamoDbReadUnits: number;
  /** Publishes to the requests topic (the deliveries to the country queues are free). */
  readonly snsPublishes: Messages;
  /** Every SQS request: sends, the event source mappings' receives (empty ones too) and deletes. */
  readonly sqsRequests: Messages;
  /** Custom events put on the bus (each entry of a PutEvents call is one). */
  readonly eventBridgeEvents: Messages;
  /** EventBridge Scheduler invocations a booking causes (reminders, when they land; the reconciler is fixed). */
  readonly schedulerInvocations?: number;
  readonly sesEmails: number;
  /** GetSecretValue and other Secrets Manager calls (the country workers read their credentials at a fresh start). */
  readonly secretsManagerCalls: number;
  /** CloudWatch Logs ingested: function and AppSync log lines, EMF lines, Lambda's REPORT lines. */
  readonly logBytes: number;
  /** X-Ray traces recorded (a sampled request is one trace, whatever number of segments it has). */
  readonly xrayTraces?: number;
  /** Requests WAF inspects: every HTTP request to AppSync, so appsyncRequests unless given. */
  readonly wafRequests?: number;
  /** Bytes the VPC functions send and receive through the interface endpoints (PutEvents, GetSecretValue). */
  readonly vpcEndpointBytes?: number;
  /** KMS requests on the AWS managed keys (the SNS topic's aws/sns key). */
  readonly kmsRequests?: number;
  /** Response bytes to the internet (AppSync answers and pushes). */
  readonly dataTransferOutBytes?: number;
}

export const services = [
  'appsync',
  'lambda',
  'dynamodb',
  'sns',
  'sqs',
  'eventbridge',
  'scheduler',
  'ses',
  'secretsManager',
  'cloudwatchLogs',
  'xray',
  'waf',
  'vpcEndpoints',
  'kms',
  'dataTransfer',
] as const;
export type Service = (typeof services)[number];

export interface BookingCost {
  /** USD for one million bookings with these counts. */
  readonly perMillionBookingsUsd: number;
  /** The same, by service; sums to perMillionBookingsUsd. */
  readonly byService: Readonly<Record<Service, number>>;
  /** Of byService.lambda, by function. */
  readonly lambdaByFunction: Readonly<Record<string, number>>;
  /** Of byService.lambda, what fresh starts (INIT) cost: billed for managed runtimes since 2025-08-01. */
  readonly lambdaInitUsd: number;
}

/** Prices one booking's counts and scales them to a million bookings. */
export function costPerMillionBookings(counts: BookingCounts, prices: PriceTable = pricesUsEast1): BookingCost {
  const lambda = lambdaCost(counts.lambdaInvocations, prices);
  const perBooking: Record<Service, number> = {
    appsync:
      counts.appsyncRequests * unitUsd(prices.appsync.requests) +
      counts.appsyncRealtimeMessages * unitUsd(prices.appsync.realtimeMessages) +
      (counts.appsyncConnectionMinutes ?? 0) * unitUsd(prices.appsync.connectionMinutes),
    lambda: lambda.usd,
    dynamodb:
      counts.dynamoDbWriteUnits * unitUsd(prices.dynamodb.writeRequestUnits) +
      counts.dynamoDbReadUnits * unitUsd(prices.dynamodb.readRequestUnits),
    sns: billedMessages(counts.snsPublishes) * unitUsd(prices.sns.publishes),
    sqs: billedMessages(counts.sqsRequests) * unitUsd(prices.sqs.requests),
    eventbridge: billedMessages(counts.eventBridgeEvents) * unitUsd(prices.eventbridge.customEvents),
    scheduler: (counts.schedulerInvocations ?? 0) * unitUsd(prices.eventbridge.schedulerInvocations),
    ses: counts.sesEmails * unitUsd(prices.ses.outboundEmails),
    secretsManager: counts.secretsManagerCalls * unitUsd(prices.secretsManager.apiCalls),
    cloudwatchLogs: (counts.logBytes / GB) * unitUsd(prices.cloudwatch.logsIngestionGB),
    xray: (counts.xrayTraces ?? 0) * unitUsd(prices.xray.tracesRecorded),
    waf: (counts.wafRequests ?? counts.appsyncRequests) * unitUsd(prices.waf.requests),
    vpcEndpoints: ((counts.vpcEndpointBytes ?? 0) / GB) * unitUsd(prices.vpc.interfaceEndpointDataGB),
    kms: (counts.kmsRequests ?? 0) * unitUsd(prices.kms.requests),
    dataTransfer: ((counts.dataTransferOutBytes ?? 0) / GB) * unitUsd(prices.appsync.dataTransferOutGB),
  };
  const byService = mapValues(perBooking, (usd) => usd * MILLION);
  return {
    perMillionBookingsUsd: sum(Object.values(byService)),
    byService,
    lambdaByFunction: mapValues(lambda.byFunction, (usd) => usd * MILLION),
    lambdaInitUsd: lambda.initUsd * MILLION,
  };
}

/** Requests, GB-seconds of INVOKE and of INIT, per booking. */
function lambdaCost(invocations: readonly LambdaInvocations[], prices: PriceTable) {
  const byFunction: Record<string, number> = {};
  let initUsd = 0;
  for (const fn of invocations) {
    const gbSecond = unitUsd(fn.architecture === 'x86_64' ? prices.lambda.gbSecondX86 : prices.lambda.gbSecondArm64);
    const invoke = fn.invocations * lambdaGbSeconds(fn.memoryMB, lambdaBilledMs(fn.durationMs)) * gbSecond;
    const init =
      fn.freshStarts && fn.initMs !== undefined ? fn.freshStarts * lambdaGbSeconds(fn.memoryMB, lambdaBilledMs(fn.initMs)) * gbSecond : 0;
    const requests = fn.invocations * unitUsd(prices.lambda.requests);
    byFunction[fn.fn] = (byFunction[fn.fn] ?? 0) + requests + invoke + init;
    initUsd += init;
  }
  return { usd: sum(Object.values(byFunction)), byFunction, initUsd };
}

function billedMessages({ count, payloadBytes }: Messages): number {
  return count === 0 ? 0 : count * chunksOf64KB(payloadBytes);
}

// ---------------------------------------------------------------------------------------------------------------
// What the deployment costs a month whatever the traffic
// ---------------------------------------------------------------------------------------------------------------

/** What differs between deployments (infra/deployment-settings.ts) and what the month holds. */
export interface FixedCostSettings {
  /** `-c multiAz=true`: a standby instance and its storage, billed as a second instance. */
  readonly multiAz: boolean;
  /** `-c senderEmail=…`: the email route (a queue and its DLQ, the notification worker, their alarms and metrics). */
  readonly sendsEmails: boolean;
  /**
   * Mean duration in ms of one scheduled reconciliation (topology.reconciliation, every 5 minutes). It reads every
   * appointment and every slot, so it grows with the tables; the bench's cold invocation is a first measure.
   */
  readonly reconcilerRunMs: number;
  /** Bytes one reconciliation's Scans read (both tables), eventually consistent. Grows with the data. */
  readonly reconcilerScannedBytes: number;
  /** DynamoDB data at rest (both tables and their indexes), for storage and point-in-time recovery. */
  readonly dynamoDbStoredGB: number;
  /**
   * The errorTypes a refused booking is counted under (core/observability/metrics.ts, BookingsRefused): each is a
   * metric of its own. createAppointment can refuse with ValidationError, Unauthorized, SlotNotFoundError and
   * SchedulingUnavailableError.
   */
  readonly bookingRefusalErrorTypes: number;
}

export const defaultFixedCostSettings: FixedCostSettings = {
  multiAz: false,
  sendsEmails: true,
  // The reconciler answered cold in 3,078 ms with the demo catalog (docs/benchmark.md: bench-2026-12-07T03-42-43-577Z).
  reconcilerRunMs: 3_078,
  // Not measured yet: the bench should read both tables' sizes (DescribeTable TableSizeBytes) after its phases.
  reconcilerScannedBytes: 0,
  dynamoDbStoredGB: 0,
  bookingRefusalErrorTypes: 4,
};

export interface FixedItem {
  readonly item: string;
  readonly quantity: number;
  /** What `quantity` counts (instance-hours, alarm-months, …). */
  readonly unit: string;
  readonly usd: number;
  /** Where infra/ or the topology sizes it. */
  readonly sizedBy: string;
}

export interface FixedMonthlyCost {
  readonly totalUsd: number;
  readonly items: readonly FixedItem[];
}

/** What the stack deploys that bills by the month, counted as infra/ counts it (each count cites its source). */
export function deployedResources(settings: Pick<FixedCostSettings, 'multiAz' | 'sendsEmails'>) {
  const countries = countryISOs.length;
  const emails = settings.sendsEmails ? 1 : 0;
  // infra/appointment-routing.ts workerQueues: a queue per country, confirmations, slot availability, emails.
  const workerQueues = countries + 2 + emails;
  // infra/operations.ts workers: the country workers, completion worker, slot projector, reconciler, notification worker.
  const workers = countries + 3 + emails;
  // Every NodejsFunction (infra/bundling.ts deployedFunctions): a resolver per topology.resolvers entry, the workers,
  // the schema migration and the Cognito trigger.
  const functions = topology.resolvers.length + workers + 2;
  return {
    /** infra/country-database.ts: InstanceClass.BURSTABLE4_GRAVITON, InstanceSize.MICRO; multiAz doubles it. */
    databaseInstances: settings.multiAz ? 2 : 1,
    /** infra/country-database.ts: allocatedStorage 20 (GiB, gp3), autoscaling to maxAllocatedStorage 100. */
    databaseStorageGB: 20,
    /** infra/country-database.ts: SecretsManagerEndpoint and EventBridgeEndpoint in the isolated subnets of maxAzs 2. */
    interfaceEndpoints: 2,
    availabilityZones: 2,
    /** infra/country-database.ts: the master user's, each country worker's and the reconciler's credentials. */
    secrets: 1 + countries + 1,
    /** infra/api-firewall.ts: one web ACL; a rule per CALLER_CREDENTIAL_HEADERS entry (2) and one per source IP. */
    webAcls: 1,
    wafRules: 2 + 1,
    /** infra/operations.ts: the health dashboard. */
    dashboards: 1,
    /**
     * infra/operations.ts: per worker queue its DLQ and oldest-message alarms; per worker an errors alarm; per
     * function a throttles alarm; the API's 5XX; per country the decision-time p99; the database's storage and
     * connections; per finding kind one and one for the reconciliation not running.
     */
    alarms: 2 * workerQueues + workers + functions + 1 + countries + 2 + findingKinds.length + 1,
    /** Customer managed KMS keys: none (SNS uses alias/aws/sns, SQS its own SSE, RDS and Secrets Manager their AWS managed keys). */
    customerManagedKeys: 0,
    /** infra/appointment-routing.ts: each worker queue has its Lambda event source mapping, which long-polls it. */
    workerQueues,
    /** topology.reconciliation.everyMinutes: EventBridge Scheduler invokes the reconciler this often. */
    reconciliationsPerMonth: (HOURS_PER_MONTH * 60) / topology.reconciliation.everyMinutes,
    countries,
    emails,
  };
}

/** The custom metrics the functions emit (core/observability/metrics.ts), each name and dimension values one metric. */
export function customMetricCount(settings: Pick<FixedCostSettings, 'sendsEmails' | 'bookingRefusalErrorTypes'>): number {
  const countries = countryISOs.length;
  // BookingsAccepted, AppointmentsCompleted, AppointmentsCancelled, DecisionTime, StatusChangesPublished: by country.
  const byCountry = 5 * countries;
  // AppointmentsRejected by country and reason (RejectionReason has SLOT_TAKEN only).
  const rejected = countries * 1;
  // EmailsSent by country, EmailsSkipped by country and reason (NO_VERIFIED_ADDRESS).
  const emails = settings.sendsEmails ? 2 * countries : 0;
  return byCountry + rejected + settings.bookingRefusalErrorTypes + findingKinds.length + emails;
}

/** The monthly cost of what the stack deploys, item by item, and their sum. */
export function fixedMonthlyUsd(
  settings: FixedCostSettings = defaultFixedCostSettings,
  prices: PriceTable = pricesUsEast1,
): FixedMonthlyCost {
  const deployed = deployedResources(settings);
  const reconcilerMemoryMB = topology.functionMemoryMB;
  const runs = deployed.reconciliationsPerMonth;
  const item = (name: string, quantity: number, unit: string, unitPrice: number, sizedBy: string): FixedItem => ({
    item: name,
    quantity,
    unit,
    usd: quantity * unitPrice,
    sizedBy,
  });
  const items: FixedItem[] = [
    item(
      'RDS MySQL db.t4g.micro',
      deployed.databaseInstances * HOURS_PER_MONTH,
      'instance-hours',
      unitUsd(prices.rds.mysqlT4gMicroHours),
      'infra/country-database.ts (BURSTABLE4_GRAVITON MICRO, multiAz)',
    ),
    item(
      'RDS gp3 storage',
      deployed.databaseInstances * deployed.databaseStorageGB,
      'GB-months',
      unitUsd(prices.rds.gp3StorageGBMonth),
      'infra/country-database.ts (allocatedStorage 20, GP3)',
    ),
    item(
      'VPC interface endpoints',
      deployed.interfaceEndpoints * deployed.availabilityZones * HOURS_PER_MONTH,
      'endpoint-AZ-hours',
      unitUsd(prices.vpc.interfaceEndpointAzHours),
      'infra/country-database.ts (Secrets Manager and EventBridge endpoints, maxAzs 2)',
    ),
    item(
      'Secrets Manager secrets',
      deployed.secrets,
      'secret-months',
      unitUsd(prices.secretsManager.secretMonths),
      'infra/country-database.ts (master, one per country, reconciler)',
    ),
    item('WAF web ACL', deployed.webAcls, 'web ACL-months', unitUsd(prices.waf.webAclMonths), 'infra/api-firewall.ts'),
    item('WAF rules', deployed.wafRules, 'rule-months', unitUsd(prices.waf.ruleMonths), 'infra/api-firewall.ts (2 per-caller, 1 per-IP)'),
    item('CloudWatch alarms', deployed.alarms, 'alarm-months', unitUsd(prices.cloudwatch.standardAlarmMonths), 'infra/operations.ts'),
    item(
      'CloudWatch dashboard',
      deployed.dashboards,
      'dashboard-months',
      unitUsd(prices.cloudwatch.dashboardMonths),
      'infra/operations.ts',
    ),
    item(
      'CloudWatch custom metrics (EMF)',
      customMetricCount(settings),
      'metric-months',
      unitUsd(prices.cloudwatch.customMetricMonths),
      'core/observability/metrics.ts',
    ),
    item(
      'KMS customer managed keys',
      deployed.customerManagedKeys,
      'key-months',
      unitUsd(prices.kms.customerManagedKeyMonths),
      'infra/appointment-routing.ts (alias/aws/sns), SQS_MANAGED queues',
    ),
    item(
      'SQS: idle long polls of the event source mappings',
      deployed.workerQueues * idleLongPollsPerQueueMonth(),
      'requests',
      unitUsd(prices.sqs.requests),
      'infra/appointment-routing.ts (a Lambda event source mapping per worker queue: 5 pollers, 20 s polls)',
    ),
    item(
      'EventBridge Scheduler: reconciliation runs',
      runs,
      'invocations',
      unitUsd(prices.eventbridge.schedulerInvocations),
      'infra/scheduled-reconciliation.ts, topology.reconciliation.everyMinutes',
    ),
    item(
      'Lambda: reconciler runs',
      runs,
      'invocations',
      unitUsd(prices.lambda.requests) +
        lambdaGbSeconds(reconcilerMemoryMB, lambdaBilledMs(settings.reconcilerRunMs)) * unitUsd(prices.lambda.gbSecondArm64),
      'infra/scheduled-reconciliation.ts (topology.functionMemoryMB, arm64)',
    ),
    item(
      'DynamoDB: reconciler Scans',
      settings.reconcilerScannedBytes > 0 ? runs * dynamoDbReadUnits(settings.reconcilerScannedBytes, 'eventual') : 0,
      'read request units',
      unitUsd(prices.dynamodb.readRequestUnits),
      'infra/scheduled-reconciliation.ts (Scan of both tables every run)',
    ),
    item(
      'DynamoDB storage',
      settings.dynamoDbStoredGB,
      'GB-months',
      unitUsd(prices.dynamodb.storageGBMonth),
      'infra/appointments-stack.ts, infra/slot-read-model.ts',
    ),
    item(
      'DynamoDB point-in-time recovery',
      settings.dynamoDbStoredGB,
      'GB-months',
      unitUsd(prices.dynamodb.pointInTimeRecoveryGBMonth),
      'infra/appointments-stack.ts, infra/slot-read-model.ts (pointInTimeRecoveryEnabled)',
    ),
  ];
  return { totalUsd: sum(items.map((entry) => entry.usd)), items };
}

/**
 * Empty receives of one queue's event source mapping in a month with no message: its pollers (LongPollers in
 * local/router/router-usage.ts, from Lambda's SQS scaling page) each wait out a 20 s long poll and poll again. A poll
 * that finds messages is the bookings' (the bench counts those per booking), so this is the month's ceiling.
 */
export function idleLongPollsPerQueueMonth(): number {
  return LongPollers.POLLERS * ((HOURS_PER_MONTH * 3600 * 1000) / LongPollers.WAIT_MS);
}

/** Cognito bills the insured people and staff who sign in during a month, not bookings (Essentials plan). */
export function cognitoMonthlyUsd(monthlyActiveUsers: number, prices: PriceTable = pricesUsEast1): number {
  return monthlyActiveUsers * unitUsd(prices.cognito.essentialsMonthlyActiveUsers);
}

// ---------------------------------------------------------------------------------------------------------------
// AppSync or an API Gateway HTTP API in front
// ---------------------------------------------------------------------------------------------------------------

export interface FrontDoorComparison {
  /** Client requests a booking makes at the front door (createAppointment, the availableSlots pages before it, …). */
  readonly clientRequestsPerBooking: number;
  /** AppSync's price per million requests, with WAF's inspection of each (the stack's web ACL). */
  readonly appsyncWithWafUsdPerMillionRequests: number;
  /** An HTTP API's price per million requests: it takes no web ACL, so no WAF charge and no rate rules. */
  readonly httpApiUsdPerMillionRequests: number;
  /** What AppSync with WAF costs more per million requests. */
  readonly differenceUsdPerMillionRequests: number;
  /** The same per million bookings. */
  readonly differenceUsdPerMillionBookings: number;
  /** What the web ACL and its rules cost a month whatever the traffic (AppSync side only). */
  readonly wafFixedMonthlyUsd: number;
  /**
   * Bookings a month at which the front door's difference (the web ACL's month plus the per-request difference)
   * reaches `thresholdUsdPerMonth`: below it the choice moves the bill by less than that.
   */
  readonly bookingsPerMonthAtThreshold: number;
  readonly thresholdUsdPerMonth: number;
}

/**
 * The line between AppSync (with the stack's WAF web ACL) and an HTTP API for the same client requests. Only the
 * request line is compared: AppSync's pushes (realtime messages and connection-minutes) have no HTTP API
 * counterpart (an API Gateway WebSocket API or polling would replace them, priced on its own), and the Lambda
 * functions behind either door are the same. `thresholdUsdPerMonth` defaults to the deployment's fixed month: the
 * volume where the front door starts to weigh as much as everything the stack pays for whatever the traffic.
 */
export function frontDoorBreakEven(
  clientRequestsPerBooking: number,
  thresholdUsdPerMonth: number = fixedMonthlyUsd().totalUsd,
  prices: PriceTable = pricesUsEast1,
): FrontDoorComparison {
  const appsyncWithWaf = (unitUsd(prices.appsync.requests) + unitUsd(prices.waf.requests)) * MILLION;
  const httpApi = unitUsd(prices.apiGateway.httpApiRequests) * MILLION;
  const difference = appsyncWithWaf - httpApi;
  const differencePerMillionBookings = difference * clientRequestsPerBooking;
  const { webAcls, wafRules } = deployedResources(defaultFixedCostSettings);
  const wafFixed = webAcls * unitUsd(prices.waf.webAclMonths) + wafRules * unitUsd(prices.waf.ruleMonths);
  const perBooking = differencePerMillionBookings / MILLION;
  return {
    clientRequestsPerBooking,
    appsyncWithWafUsdPerMillionRequests: appsyncWithWaf,
    httpApiUsdPerMillionRequests: httpApi,
    differenceUsdPerMillionRequests: difference,
    differenceUsdPerMillionBookings: differencePerMillionBookings,
    wafFixedMonthlyUsd: wafFixed,
    thresholdUsdPerMonth,
    bookingsPerMonthAtThreshold: perBooking > 0 ? Math.max(0, (thresholdUsdPerMonth - wafFixed) / perBooking) : Infinity,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// What the bench JSON carries
// ---------------------------------------------------------------------------------------------------------------

/** `cost` in bench-results/bench-<time>.json: idle and loaded differ only by the counts measured. */
export function benchCostFigures(
  counts: { readonly idle: BookingCounts; readonly loaded: BookingCounts },
  settings: FixedCostSettings = defaultFixedCostSettings,
  prices: PriceTable = pricesUsEast1,
) {
  const idle = costPerMillionBookings(counts.idle, prices);
  const loaded = costPerMillionBookings(counts.loaded, prices);
  const fixed = fixedMonthlyUsd(settings, prices);
  return {
    pricesAsOf: prices.asOf,
    region: prices.region,
    perMillionBookingsUsd: { idle: idle.perMillionBookingsUsd, loaded: loaded.perMillionBookingsUsd },
    byService: { idle: idle.byService, loaded: loaded.byService },
    lambdaByFunction: { idle: idle.lambdaByFunction, loaded: loaded.lambdaByFunction },
    lambdaInitUsd: { idle: idle.lambdaInitUsd, loaded: loaded.lambdaInitUsd },
    fixedMonthlyUsd: fixed,
    // The loaded run's client requests: the idle run's differ only if the clients browse more or less per booking.
    frontDoor: frontDoorBreakEven(clientRequestsOf(counts.loaded), fixed.totalUsd, prices),
  };
}

function clientRequestsOf(counts: BookingCounts): number {
  return counts.appsyncClientRequests ?? counts.appsyncRequests;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function mapValues<K extends string>(record: Readonly<Record<K, number>>, map: (value: number) => number): Record<K, number> {
  return Object.fromEntries(Object.entries<number>(record).map(([key, value]) => [key, map(value)])) as Record<K, number>;
}
