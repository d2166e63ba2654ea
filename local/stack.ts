import { randomBytes } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { migrateCountrySchemas } from '../core/adapters/mysql-migrations';
import { countries } from '../core/domain/countries';
import { RECONCILER_USER_NAME } from '../core/mysql/database-users';
import { environment } from '../core/config/environment';
import { topology, type QueueSettings } from '../core/config/topology';
import { startLocalAppSync, type LocalAppSync } from './appsync/endpoint';
import type { LocalResolver } from './appsync/lambda-data-source';
import {
  ensureAppointmentsTable,
  ensureIdempotencyTable,
  ensureSlotReadModelTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  sdkAppIdOf,
  startLocalDynamoDb,
  type LocalDynamoDb,
} from './dynamodb/dynalite';
import { LAMBDA_DEFAULT_ASYNC_RETRIES, LocalAsyncInvocations } from './lambda/async-invocation';
import { buildFunctionBundles, LocalFunction, type FunctionDefinition } from './lambda/host';
import { LOCAL_USER_POOL_ID, LocalTokenIssuer } from './identity/issuer';
import { LocalUserPoolAccounts, startLocalUserPoolEndpoint } from './identity/user-pool-accounts';
import { localLogger, silentSink, stdoutSink, type LocalLogger, type LogSink } from './log';
import { localDatabaseUsers } from './mysql/database-users';
import { MYSQL_INSTALL_HINT, provideMysql, type MysqlServer } from './mysql/mysql-server';
import { freePort } from './network';
import { ADMIN_PREFIX, startLocalAwsEndpoint } from './router/aws-endpoint';
import { LocalRouter, routingFromTopology, type RouterHooks } from './router/router';
import { routerEventLogger } from './router/router-log';
import { LocalScheduler, type LocalSchedule } from './scheduler/scheduler';
import { LOCAL_ACCOUNT_ID } from './aws-identity';
import { LocalOneTimeSchedules, type OneTimeScheduleSummary } from './scheduler/one-time-schedules';
import { startLocalSes, type LocalSes, type LocalSesHooks } from './ses/local-ses';
import { AppSyncMeter } from './appsync/appsync-usage';
import { LambdaUsage } from './lambda/lambda-usage';
import type { StackUsage } from './stack-usage';
import type { DynamoDbUsage } from './dynamodb/billed-capacity';

/** The table's name locally (the CDK stack names its own; the functions read it from the environment either way). */
export const LOCAL_TABLE_NAME = 'appointments';
const LOCAL_IDEMPOTENCY_TABLE_NAME = 'email-idempotency';
export const LOCAL_SLOTS_TABLE_NAME = 'slots';
/** The local sender identity: SES in AWS sends from the address given with `-c senderEmail=…`. */
export const LOCAL_SENDER_EMAIL = 'citas@appointments.test';

/** Sandboxes per resolver function at most (Lambda would scale further; locally threads cost memory). */
const RESOLVER_CONCURRENCY = 4;
/** Settings the functions may tune and that pass through from this process's environment. */
const PASSED_THROUGH_ENV = [
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_DEV',
  'POWERTOOLS_LOGGER_LOG_EVENT',
  'POWERTOOLS_METRICS_DISABLED',
  'AWS_LAMBDA_LOG_LEVEL',
];

export interface LocalStackOptions {
  /** GraphQL (and explorer) port; 0 picks a free one. Default 0. */
  readonly graphqlPort?: number;
  /** The same API over TLS (what Amplify JS dials); 0 picks a free one. Default 0. */
  readonly tlsPort?: number;
  /** Default: a fresh `da2-…` key each start. */
  readonly apiKey?: string;
  /**
   * Where the token issuer's signing key and the local CA are kept (`npm start`: .local-data/, so
   * trust and tokens survive restarts). Default: a fresh temporary directory.
   */
  readonly configDir?: string;
  /** MySQL to use (mysql://user:password@host:port). Default: MYSQL_URL, else a throwaway MariaDB, else rows in memory. */
  readonly mysqlUrl?: string;
  /** Use no MySQL at all: each country worker keeps its rows in its own memory (COUNTRY_STORE=memory). */
  readonly inMemoryCountryStore?: boolean;
  /** Keep the data in this directory between runs: DynamoDB's, and the throwaway MariaDB's when one is started. Default: nothing kept. */
  readonly dataDir?: string;
  /** Where log lines go; default stdout. */
  readonly log?: LogSink;
  /** Drop every log line (the functions' and the stack's). */
  readonly quiet?: boolean;
  /** Changes queue settings for this run, e.g. a short visibility timeout in tests. */
  readonly adjustQueue?: (settings: QueueSettings) => QueueSettings;
  /**
   * Fault injection: the event source mappings' seams, duplicate deliveries (of queued messages and of asynchronous
   * invocations), refused SNS publishes and EventBridge events.
   */
  readonly hooks?: RouterHooks & { readonly copiesOnAsyncInvoke?: (functionArn: string, event: unknown) => number };
  /** Where MYSQL_URL is read from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Introspection on (default: the local stack is a development deployment) or off, as a production API answers. */
  readonly introspection?: boolean;
  /** Runs the scheduled functions (the reconciler) this often instead of at the topology's rate, e.g. in tests. */
  readonly scheduleEveryMs?: number;
  /** Fault injection: SES refusing SendEmail (throttled, down). */
  readonly sesHooks?: LocalSesHooks;
}

export interface LocalStack {
  readonly graphqlUrl: string;
  /** The same API over TLS, its certificate from the CA in `caCertificateFile`. */
  readonly graphqlTlsUrl: string;
  /** AppSync's realtime websocket (plain); over TLS at the TLS URL plus /realtime. */
  readonly realtimeUrl: string;
  readonly caCertificateFile: string;
  readonly explorerUrl: string;
  readonly apiKey: string;
  /** The local user pool: signs tokens this stack accepts (`npm run token`). */
  readonly issuer: LocalTokenIssuer;
  /** The MySQL the country workers write to, signed in as its admin (the user that migrates), or undefined when rows are kept in memory. */
  readonly mysqlUrl: string | undefined;
  /**
   * How each database user of core/mysql/database-users.ts signs in to that MySQL, by user name
   * (`appointments_pe`, …, `appointments_reconcile`), passwords made for this stack; empty without MySQL.
   * Each country worker is given its own country's.
   */
  readonly mysqlUserUrls: ReadonlyMap<string, string>;
  /** For the banner: where the country rows are. */
  readonly mysqlDescription: string;
  readonly dynamodbEndpoint: string;
  /** DynamoDB requests served so far, by operation (PutItem, Query, UpdateItem, …). */
  readonly dynamodbOperations: ReadonlyMap<string, number>;
  readonly tableName: string;
  /** The slot read model's table. */
  readonly slotsTableName: string;
  /** Where the functions' SNS and EventBridge clients send their calls. */
  readonly awsEndpoint: string;
  /** JSON over HTTP for an operator: queue depths, a queue's messages, send, redrive (see local/router/aws-endpoint.ts). */
  readonly queueAdminUrl: string;
  /** Queues, DLQs and routing: send, read DLQs, redrive, wait until idle, listen to events. */
  readonly router: LocalRouter;
  readonly functions: ReadonlyMap<string, LocalFunction>;
  /** The local SES: its page lists every email the stack sent; `GET <emailUrl>/store` answers them as JSON. */
  readonly emailUrl: string;
  /** Every email sent since the stack started, oldest first. */
  sentEmails: LocalSes['sentEmails'];
  /** The user pool's accounts as the notification worker finds them: each insured person's address (tests change one with setEmail). */
  readonly userPoolAccounts: LocalUserPoolAccounts;
  /**
   * Scheduler's one-time schedules (the reminders): each fires at its time on its own; `fireDue` fires at once every
   * one due by `until` and resolves once the reminder worker has run them (Lambda's retries included), so a test
   * drives time instead of sleeping for it. `deadLetters`: what the reminders' DLQ holds. `endpoint`: its API, for
   * a SchedulerClient (AWS_ENDPOINT_URL_SCHEDULER).
   */
  readonly reminders: {
    readonly endpoint: string;
    fireDue(until: Date): Promise<number>;
    schedules(): OneTimeScheduleSummary[];
    deadLetters(): SQSRecord[];
  };
  /** Milliseconds from the call to ready. */
  readonly startupMs: number;
  /** What AWS would bill for the requests served since the start, by service: a snapshot (local/stack-usage.ts). */
  usage(): StackUsage;
  stop(): Promise<void>;
}

/**
 * Runs the whole system in this process, no AWS account and no Docker: AppSync
 * (our executor on graphql-js behind a local endpoint with TLS, token checks and limits), the
 * user pool (a local token issuer), DynamoDB (dynalite), SNS/SQS/EventBridge (the
 * router, from the topology), each Lambda function in its own worker-thread
 * sandboxes, and MySQL (MYSQL_URL, a throwaway MariaDB, or rows in memory).
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const started = Date.now();
  const sink = options.quiet ? silentSink : (options.log ?? stdoutSink);
  const logger = localLogger('local-stack', sink);
  const cleanups: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.error('Stopping a part of the local stack failed', { error }));
    }
  };

  try {
    const workDir = await mkdtemp(join(tmpdir(), 'appointments-local-'));
    cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    const configDir = options.configDir ?? join(workDir, 'config');
    const router = startRouter(options, sink, cleanups);
    const services = await startServices(options, router, { workDir, configDir, logger }, cleanups);
    // Probed once the services' own listeners are bound, so none of them can take a port probed free.
    const ports = { graphql: await portOrFree(options.graphqlPort ?? 0), tls: await portOrFree(options.tlsPort ?? 0) };
    const apiKey = options.apiKey ?? `da2-${randomBytes(13).toString('hex')}`;
    const graphqlUrl = `http://127.0.0.1:${ports.graphql}/graphql`;
    // Scheduler's one-time schedules (the reminders): each invokes asynchronously the function its target's ARN names.
    const functionsByArn = new Map<string, LocalFunction>();
    const asyncInvocations = localAsyncInvocations(options, router, sink);
    cleanups.push(() => asyncInvocations.stop());
    const oneTimeSchedules = new LocalOneTimeSchedules({
      logger: localLogger('local-scheduler', sink),
      invoke: (targetArn, input) => {
        const fn = functionsByArn.get(targetArn);
        return fn ? asyncInvocations.invokeAsync(fn, input) : Promise.reject(functionNotFound(targetArn));
      },
      sendDeadLetter: (queueArn, message) => router.sendMessage(queueNameOfArn(queueArn), message.body, message.attributes),
    });
    await oneTimeSchedules.listen();
    cleanups.push(() => oneTimeSchedules.stop());
    const lambdaUsage = new LambdaUsage();
    const appsyncMeter = new AppSyncMeter();
    const functions = createFunctions({
      router,
      services,
      lambdaUsage,
      workDir,
      graphqlUrl,
      schedulerUrl: oneTimeSchedules.url,
      env: options.env ?? process.env,
      sink,
    });
    for (const fn of functions.all.values()) functionsByArn.set(fn.arn, fn);
    cleanups.push(() => Promise.all([...functions.all.values()].map((fn) => fn.stop())));
    // The API opens once a sandbox per resolver is warm, so the first request meets no cold start.
    const [appsync] = settledOrThrow(
      await Promise.allSettled([
        startLocalAppSync({
          port: ports.graphql,
          tlsPort: ports.tls,
          apiKey,
          issuer: services.issuer,
          iamCredentials: LOCAL_CREDENTIALS,
          tlsDir: join(configDir, 'tls'),
          resolvers: functions.resolvers,
          logger: localLogger('local-appsync', sink),
          introspection: options.introspection,
          meter: appsyncMeter,
        }).then(registered(cleanups, (started: LocalAppSync) => started.stop())),
        functions.warm(),
      ] as const),
    );
    // On stop, the router goes first: no delivery starts while the functions are being stopped.
    cleanups.push(() => Promise.resolve(router.stop()));
    const scheduler = new LocalScheduler(localLogger('local-scheduler', sink));
    for (const schedule of functions.schedules) scheduler.add({ ...schedule, everyMs: options.scheduleEveryMs ?? schedule.everyMs });
    cleanups.push(() => scheduler.stop());
    // Stopped before the functions: no reminder fires into a stopping function, no retry waits on one.
    cleanups.push(() => asyncInvocations.stop());
    cleanups.push(() => oneTimeSchedules.stop());

    let stopping: Promise<void> | undefined;
    return {
      graphqlUrl: appsync.graphqlUrl,
      graphqlTlsUrl: appsync.graphqlTlsUrl,
      realtimeUrl: appsync.realtimeUrl,
      caCertificateFile: appsync.caCertificateFile,
      explorerUrl: appsync.explorerUrl,
      reminders: {
        endpoint: oneTimeSchedules.url,
        fireDue: async (until) => {
          const fired = await oneTimeSchedules.fireDue(until);
          await asyncInvocations.settled();
          return fired;
        },
        schedules: () => oneTimeSchedules.schedules(),
        deadLetters: () => router.messages(topology.reminders.deadLetterQueueName),
      },
      apiKey,
      issuer: services.issuer,
      mysqlUrl: services.mysql?.url,
      mysqlUserUrls: services.mysql?.userUrls ?? new Map(),
      mysqlDescription: services.mysql?.description ?? 'none: country rows kept in memory',
      dynamodbEndpoint: services.dynamodb.endpoint,
      dynamodbOperations: services.dynamodb.operations,
      tableName: LOCAL_TABLE_NAME,
      slotsTableName: LOCAL_SLOTS_TABLE_NAME,
      awsEndpoint: services.awsEndpoint.url,
      queueAdminUrl: `${services.awsEndpoint.url}${ADMIN_PREFIX}`,
      emailUrl: services.ses.url,
      sentEmails: services.ses.sentEmails,
      userPoolAccounts: services.accounts,
      router,
      functions: functions.all,
      startupMs: Date.now() - started,
      usage: () => {
        const { snsPublishes, eventBridgeEvents, sqs } = router.usage();
        return {
          at: Date.now(),
          appsync: appsyncMeter.snapshot(),
          lambda: lambdaUsage.snapshot(),
          dynamodb: byFunctionName(services.dynamodb.usage(), functions.all.keys()),
          sns: { publishes: snsPublishes },
          sqs,
          eventBridge: { events: eventBridgeEvents },
          scheduler: { rateInvocations: scheduler.invocations, oneTimeInvocations: oneTimeSchedules.invocations },
          ses: { emails: services.ses.billedEmails() },
          cognito: { listUsersCalls: services.userPoolEndpoint.listUsersCalls() },
        };
      },
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function startRouter(options: LocalStackOptions, sink: LogSink, cleanups: (() => Promise<unknown>)[]): LocalRouter {
  const router = new LocalRouter({ region: LOCAL_REGION, adjustQueue: options.adjustQueue, hooks: options.hooks });
  cleanups.push(() => Promise.resolve(router.stop()));
  // Each line parses its message's body for the appointment id: a quiet stack skips that work.
  if (sink !== silentSink) router.on('event', routerEventLogger(localLogger('local-router', sink), router));
  return router;
}

interface LocalServices {
  readonly bundles: ReadonlyMap<string, string>;
  readonly dynamodb: LocalDynamoDb;
  readonly mysql: MigratedMysql | undefined;
  readonly awsEndpoint: { readonly url: string };
  readonly issuer: LocalTokenIssuer;
  readonly ses: LocalSes;
  readonly accounts: LocalUserPoolAccounts;
  readonly userPoolEndpoint: { readonly url: string; listUsersCalls(): number };
}

/** The functions' bundles, DynamoDB, MySQL, the SNS/EventBridge endpoint and the token issuer, in parallel. */
async function startServices(
  options: LocalStackOptions,
  router: LocalRouter,
  { workDir, configDir, logger }: { workDir: string; configDir: string; logger: LocalLogger },
  cleanups: (() => Promise<unknown>)[],
): Promise<LocalServices> {
  const entries = [
    ...topology.resolvers.map((resolver) => resolver.entry),
    ...routingFromTopology().queues.map((queue) => queue.consumer.entry),
    topology.reconciliation.entry,
    topology.reminders.consumer.entry,
  ];
  const accounts = new LocalUserPoolAccounts();
  // Every part that starts registers its cleanup, even when another part fails.
  const parts = Promise.allSettled([
    buildFunctionBundles(entries, join(workDir, 'build')),
    startDynamoDb(options.dataDir).then(registered(cleanups, (started) => started.close())),
    options.inMemoryCountryStore
      ? Promise.resolve(undefined)
      : provideMigratedMysql(options).then(registered(cleanups, (started) => started?.stop())),
    startLocalAwsEndpoint(router).then(registered(cleanups, (started) => started.close())),
    LocalTokenIssuer.open(join(configDir, 'identity', 'signing-key.json')),
    startLocalSes(options.sesHooks).then(registered(cleanups, (started) => started.close())),
    startLocalUserPoolEndpoint(accounts, LOCAL_USER_POOL_ID).then(registered(cleanups, (started) => started.close())),
  ] as const);
  const [bundles, dynamodb, mysql, awsEndpoint, issuer, ses, userPoolEndpoint] = settledOrThrow(await parts);
  const dynamoClient = localDynamoDbClient(dynamodb.endpoint);
  await ensureAppointmentsTable(dynamoClient, LOCAL_TABLE_NAME);
  await ensureIdempotencyTable(dynamoClient, LOCAL_IDEMPOTENCY_TABLE_NAME);
  await ensureSlotReadModelTable(dynamoClient, LOCAL_SLOTS_TABLE_NAME);
  dynamoClient.destroy();
  if (!mysql) {
    logger.warn(
      `No MySQL: country rows are kept in memory by each country worker and lost on exit. For the real database, ${MYSQL_INSTALL_HINT}.`,
    );
  }
  return { bundles, dynamodb, mysql, awsEndpoint, issuer, ses, accounts, userPoolEndpoint };
}

interface LocalFunctions {
  readonly all: Map<string, LocalFunction>;
  readonly resolvers: LocalResolver[];
  /** The functions run on a schedule, at the topology's rate. */
  readonly schedules: LocalSchedule[];
  /** Resolvers warm first, then the queue consumers (on two cores, one group at a time gets there sooner). */
  warm(): Promise<unknown>;
}

/** Every Lambda function of the topology, each with the environment the CDK stack gives it; queue consumers connected to their queues. */
function createFunctions(context: {
  router: LocalRouter;
  services: LocalServices;
  lambdaUsage: LambdaUsage;
  workDir: string;
  graphqlUrl: string;
  schedulerUrl: string;
  env: NodeJS.ProcessEnv;
  sink: LogSink;
}): LocalFunctions {
  const { router, services, sink } = context;
  const environmentOf = lambdaEnvironments(context);
  const all = new Map<string, LocalFunction>();
  const addFunction = (definition: FunctionDefinition) => {
    const bundle = services.bundles.get(definition.entry);
    if (!bundle) throw new Error(`No bundle was built for ${definition.entry}`);
    const { environment: env } = definition;
    // A function given MYSQL_URL here reads its database secret in AWS (core/adapters/mysql-function-pool.ts).
    const meter = context.lambdaUsage.meter(definition.name, Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE), environment.mysqlUrl in env);
    const fn = new LocalFunction(definition, bundle, sink, meter);
    all.set(definition.name, fn);
    return fn;
  };
  const resolvers = topology.resolvers.map((resolver) => {
    const name = resolverFunctionName(resolver);
    const fn = addFunction({
      name,
      entry: resolver.entry,
      environment: environmentOf(name),
      maxConcurrency: RESOLVER_CONCURRENCY,
      timeoutSeconds: resolver.timeoutSeconds,
    });
    return { typeName: resolver.typeName, fieldName: resolver.fieldName, functionName: name, invoke: (event: unknown) => fn.invoke(event) };
  });
  for (const { settings: declared, consumer } of routingFromTopology().queues) {
    const settings = router.queueSettings(declared.queueName);
    const name = consumerFunctionName(consumer, settings.queueName);
    const fn = addFunction({
      name,
      entry: consumer.entry,
      environment: environmentOf(name, settings.queueName, consumer.environment),
      maxConcurrency: settings.maxConcurrency,
      timeoutSeconds: settings.workerTimeoutSeconds,
    });
    router.connect(settings.queueName, (event) => fn.invoke(event), name);
  }
  const { reconciliation } = topology;
  const reconciler = addFunction({
    name: RECONCILER_FUNCTION_NAME,
    entry: reconciliation.entry,
    environment: environmentOf(RECONCILER_FUNCTION_NAME, undefined, databaseSignedInAs(services.mysql, RECONCILER_USER_NAME)),
    maxConcurrency: 1,
    timeoutSeconds: reconciliation.timeoutSeconds,
  });
  // What the reminders' schedules invoke; the completion worker is told its ARN (lambdaEnvironments).
  addFunction({
    name: REMINDER_WORKER_NAME,
    entry: topology.reminders.consumer.entry,
    environment: environmentOf(REMINDER_WORKER_NAME),
    maxConcurrency: RESOLVER_CONCURRENCY,
    timeoutSeconds: topology.reminders.timeoutSeconds,
  });
  const schedules = [
    { name: RECONCILER_FUNCTION_NAME, everyMs: reconciliation.everyMinutes * 60_000, invoke: (event: unknown) => reconciler.invoke(event) },
  ];
  const resolverNames = new Set(resolvers.map((resolver) => resolver.functionName));
  const warm = () => {
    const resolversWarm = Promise.all([...all].filter(([name]) => resolverNames.has(name)).map(([, fn]) => fn.warm()));
    void resolversWarm.finally(() => {
      for (const [name, fn] of all) if (!resolverNames.has(name)) void fn.warm();
    });
    return resolversWarm;
  };
  return { all, resolvers, schedules, warm };
}

/** A function's environment: what every function gets, what the CDK stack gives its kind, and its own Lambda variables. */
function lambdaEnvironments(context: {
  services: LocalServices;
  router: LocalRouter;
  workDir: string;
  graphqlUrl: string;
  schedulerUrl: string;
  env: NodeJS.ProcessEnv;
}) {
  const { services, router, workDir } = context;
  const shared: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: services.dynamodb.endpoint,
    AWS_ENDPOINT_URL_SNS: services.awsEndpoint.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: services.awsEndpoint.url,
    AWS_ENDPOINT_URL_SESV2: services.ses.url,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: services.userPoolEndpoint.url,
    AWS_ENDPOINT_URL_SCHEDULER: context.schedulerUrl,
    // No profile of the developer's leaks into a function.
    AWS_CONFIG_FILE: join(workDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-aws-credentials'),
    // Lambda runs Node 24; the SDK's notice about leaving Node 20 is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TZ: 'UTC',
    [environment.appointmentsTableName]: LOCAL_TABLE_NAME,
    [environment.slotsTableName]: LOCAL_SLOTS_TABLE_NAME,
    [environment.appointmentRequestsTopicArn]: router.topicArn(topology.appointmentRequests.topicName),
    [environment.eventBusName]: topology.statusChangeEvents.eventBusName,
    [environment.graphqlUrl]: context.graphqlUrl,
    [environment.idempotencyTableName]: LOCAL_IDEMPOTENCY_TABLE_NAME,
    [environment.userPoolId]: LOCAL_USER_POOL_ID,
    [environment.senderEmail]: LOCAL_SENDER_EMAIL,
    ...passedThrough(context.env),
  };
  // As in AWS, only the country workers are given the database, each signed in as its country's user.
  const countryDatabases = new Map(
    topology.countryRoutes.map((route) => [route.queueName, databaseSignedInAs(services.mysql, countries[route.countryISO].mysqlUser)]),
  );
  // As in AWS, only the completion worker makes and removes the reminders' schedules.
  const reminderScheduling: Record<string, string> = {
    [environment.reminderScheduleGroup]: topology.reminders.scheduleGroupName,
    [environment.reminderTargetArn]: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${REMINDER_WORKER_NAME}`,
    [environment.reminderRoleArn]: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/local-reminders-scheduler`,
    [environment.reminderDeadLetterArn]: REMINDER_DEAD_LETTER_ARN,
    // `REMINDER_LEAD_MINUTES=N npm start`: a reminder within minutes, to watch it arrive in the outbox.
    ...(context.env[environment.reminderLeadMinutes]
      ? { [environment.reminderLeadMinutes]: context.env[environment.reminderLeadMinutes]! }
      : {}),
  };
  return (name: string, queueName?: string, own: Readonly<Record<string, string>> = {}): Record<string, string> => ({
    ...shared,
    ...(queueName === topology.confirmations.queueName ? reminderScheduling : {}),
    AWS_LAMBDA_FUNCTION_NAME: name,
    // Local only: the SDK names the function in its user agent, so local DynamoDB can count calls per function.
    AWS_SDK_UA_APP_ID: sdkAppIdOf(name),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(topology.functionMemoryMB),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    // What Lambda sets for a function without provisioned concurrency: Powertools reports cold_start only then.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    ...(queueName ? countryDatabases.get(queueName) : {}),
    ...own,
  });
}

/** DynamoDB's units by the name of the function that asked, where the caller is one of `functionNames` (by SDK app id). */
function byFunctionName(usage: DynamoDbUsage, functionNames: Iterable<string>): DynamoDbUsage {
  const names = new Map([...functionNames].map((name) => [sdkAppIdOf(name), name]));
  return { ...usage, byCaller: Object.fromEntries(Object.entries(usage.byCaller).map(([id, units]) => [names.get(id) ?? id, units])) };
}

async function portOrFree(port: number): Promise<number> {
  return port === 0 ? freePort() : port;
}

function registered<Part>(cleanups: (() => Promise<unknown>)[], stop: (part: Part) => Promise<unknown> | undefined): (part: Part) => Part {
  return (part) => {
    cleanups.push(async () => stop(part));
    return part;
  };
}

/** The scheduled reconciliation's local function: run at a fixed rate, a monthly cost rather than a booking's. */
export const RECONCILER_FUNCTION_NAME = 'reconciler';

/** The reminder worker's local function, which the reminders' schedules invoke by its ARN. */
const REMINDER_WORKER_NAME = 'reminder-worker';
const REMINDER_DEAD_LETTER_ARN = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${topology.reminders.deadLetterQueueName}`;

/** What Lambda's Invoke answers for an ARN no function has. */
function functionNotFound(functionArn: string): Error {
  return Object.assign(new Error(`Function not found: ${functionArn}`), { name: 'ResourceNotFoundException' });
}

const queueNameOfArn = (arn: string): string => arn.slice(arn.lastIndexOf(':') + 1);

/**
 * Lambda's asynchronous invocations (what Scheduler makes): the reminder worker's retries and on-failure destination
 * as the CDK stack configures them (topology.reminders), its failure records put on the router's queue of that ARN.
 */
function localAsyncInvocations(options: LocalStackOptions, router: LocalRouter, sink: LogSink): LocalAsyncInvocations {
  const reminderWorkerConfig = {
    maximumRetryAttempts: topology.reminders.asyncRetryAttempts,
    onFailureDestinationArn: REMINDER_DEAD_LETTER_ARN,
  };
  return new LocalAsyncInvocations({
    logger: localLogger('local-lambda', sink),
    configOf: (functionArn) =>
      queueNameOfArn(functionArn) === REMINDER_WORKER_NAME ? reminderWorkerConfig : { maximumRetryAttempts: LAMBDA_DEFAULT_ASYNC_RETRIES },
    sendToDestination: (destinationArn, record) => router.sendMessage(queueNameOfArn(destinationArn), JSON.stringify(record)),
    copiesOf: options.hooks?.copiesOnAsyncInvoke,
  });
}

/** A resolver's local function: `<type>-<field>`. */
export function resolverFunctionName(resolver: { readonly typeName: string; readonly fieldName: string }): string {
  return `${resolver.typeName}-${resolver.fieldName}`;
}

/** A queue consumer's local function: its entry file's name, then the queue's. */
export function consumerFunctionName(consumer: { readonly entry: string }, queueName: string): string {
  return `${basename(consumer.entry).replace(/\.[jt]s$/, '')}-${queueName}`;
}

function settledOrThrow<Results extends readonly PromiseSettledResult<unknown>[]>(
  results: Results,
): { [Index in keyof Results]: Results[Index] extends PromiseSettledResult<infer Value> ? Value : never } {
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as never;
}

async function startDynamoDb(dataDir: string | undefined): Promise<LocalDynamoDb> {
  if (!dataDir) return startLocalDynamoDb();
  const path = join(dataDir, 'dynamodb');
  await mkdir(path, { recursive: true });
  return startLocalDynamoDb({ path });
}

/**
 * A function's database, signed in as its own user (a country worker's, the reconciler's). Without
 * MySQL each country worker keeps its rows in memory, out of the reconciler's reach.
 */
function databaseSignedInAs(mysql: MigratedMysql | undefined, mysqlUser: string): Record<string, string> {
  if (!mysql) return { [environment.countryStore]: 'memory' };
  const url = mysql.userUrls.get(mysqlUser);
  if (!url) throw new Error(`No database user ${mysqlUser} was made for this stack`);
  return { [environment.mysqlUrl]: url };
}

/** A MySQL migrated for this stack, its database users signed in with passwords made for this stack. */
interface MigratedMysql extends MysqlServer {
  readonly userUrls: ReadonlyMap<string, string>;
}

async function provideMigratedMysql(options: LocalStackOptions): Promise<MigratedMysql | undefined> {
  // The URL without its credentials, for the banner.
  const shown = (url: string) => url.replace(/\/\/[^@/]*@/, '//');
  const provided = options.mysqlUrl
    ? { url: options.mysqlUrl, description: shown(options.mysqlUrl), stop: () => Promise.resolve() }
    : await provideMysql(options.env ?? process.env, { dataDir: options.dataDir ? join(options.dataDir, 'mysql') : undefined });
  if (!provided) return undefined;
  const mysql = provided.description === 'MYSQL_URL' ? { ...provided, description: `MYSQL_URL (${shown(provided.url)})` } : provided;
  const users = localDatabaseUsers(mysql.url);
  try {
    const connection = await createConnection({ uri: mysql.url });
    try {
      await migrateCountrySchemas(connection, Object.values(countries), { users: users.credentials });
    } finally {
      await connection.end();
    }
  } catch (error) {
    await mysql.stop();
    const reason = error instanceof Error ? error.message : String(error);
    // The URL's user creates the others, so a plain application user is not enough.
    throw new Error(
      `MySQL at ${mysql.description} could not be migrated (its user must be able to create users and grant; see the MYSQL_URL option in docs/local.md): ${reason}`,
      { cause: error },
    );
  }
  return { ...mysql, userUrls: users.urls };
}

function passedThrough(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(PASSED_THROUGH_ENV.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}
