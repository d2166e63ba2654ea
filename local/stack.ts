import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { migrateCountrySchemas } from '../core/adapters/mysql-migrations';
import { countries } from '../core/countries';
import { environment } from '../core/environment';
import { topology, type QueueSettings } from '../core/topology';
import { loadAppSyncSimulator, startLocalAppSync, type LocalAppSync } from './appsync';
import { ensureAppointmentsTable, LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoDbClient, startLocalDynamoDb, type LocalDynamoDb } from './dynamodb';
import { buildFunctionBundles, LocalFunction, type FunctionDefinition } from './lambda/host';
import { localLogger, silentSink, stdoutSink, type LocalLogger, type LogSink } from './log';
import { MYSQL_INSTALL_HINT, provideMysql, type MysqlServer } from './mysql-server';
import { ADMIN_PREFIX, startLocalAwsEndpoint } from './router/aws-endpoint';
import { LocalRouter, routingFromTopology, type RouterEvent, type RouterHooks } from './router/router';

/** The table's name locally (the CDK stack names its own; the functions read it from the environment either way). */
export const LOCAL_TABLE_NAME = 'appointments';

/** Sandboxes per resolver function at most (Lambda would scale further; locally threads cost memory). */
const RESOLVER_CONCURRENCY = 4;
/** Settings the functions may tune and that pass through from this process's environment. */
const PASSED_THROUGH_ENV = ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_DEV', 'POWERTOOLS_LOGGER_LOG_EVENT', 'AWS_LAMBDA_LOG_LEVEL'];

export interface LocalStackOptions {
  /** GraphQL (and explorer) port; 0 picks a free one. Default 0. */
  readonly graphqlPort?: number;
  /** Default: a fresh `da2-…` key each start. */
  readonly apiKey?: string;
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
  /** Fault injection: the event source mappings' seams, duplicate deliveries, refused SNS publishes and EventBridge events. */
  readonly hooks?: RouterHooks;
  /** Where MYSQL_URL is read from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface LocalStack {
  readonly graphqlUrl: string;
  readonly explorerUrl: string;
  readonly apiKey: string;
  /** The MySQL the country workers write to, or undefined when rows are kept in memory. */
  readonly mysqlUrl: string | undefined;
  /** For the banner: where the country rows are. */
  readonly mysqlDescription: string;
  readonly dynamodbEndpoint: string;
  /** DynamoDB requests served so far, by operation (PutItem, Query, UpdateItem, …). */
  readonly dynamodbOperations: ReadonlyMap<string, number>;
  readonly tableName: string;
  /** Where the functions' SNS and EventBridge clients send their calls. */
  readonly awsEndpoint: string;
  /** JSON over HTTP for an operator: queue depths, a queue's messages, send, redrive (see local/router/aws-endpoint.ts). */
  readonly queueAdminUrl: string;
  /** Queues, DLQs and routing: send, read DLQs, redrive, wait until idle, listen to events. */
  readonly router: LocalRouter;
  readonly functions: ReadonlyMap<string, LocalFunction>;
  /** Milliseconds from the call to ready. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

/**
 * Runs the whole system in this process, no AWS account and no Docker: AppSync
 * (simulator), DynamoDB (dynalite), SNS/SQS/EventBridge (the router, from the
 * topology), each Lambda function in its own worker-thread sandboxes, and MySQL
 * (MYSQL_URL, a throwaway MariaDB, or rows in memory).
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

    const router = new LocalRouter({ region: LOCAL_REGION, adjustQueue: options.adjustQueue, hooks: options.hooks });
    cleanups.push(() => Promise.resolve(router.stop()));
    router.on('event', routerEventLogger(localLogger('local-router', sink), router));

    const consumers = routingFromTopology().queues;
    const entries = [...topology.resolvers.map((resolver) => resolver.entry), ...consumers.map((queue) => queue.consumer.entry)];
    // In parallel; every part that starts registers its cleanup, even when another part fails.
    const parts = Promise.allSettled([
      buildFunctionBundles(entries, join(workDir, 'build')),
      startDynamoDb(options.dataDir).then(registered(cleanups, (started) => started.close())),
      options.inMemoryCountryStore ? Promise.resolve(undefined) : provideMigratedMysql(options).then(registered(cleanups, (started) => started?.stop())),
      startLocalAwsEndpoint(router).then(registered(cleanups, (started) => started.close())),
    ] as const);
    // The simulator loads on this thread while MariaDB and esbuild work in their processes.
    const simulatorLoad = await loadAppSyncSimulator().then(
      () => ({ failed: false as const }),
      (error: unknown) => ({ failed: true as const, error }),
    );
    const [bundles, dynamodb, mysql, awsEndpoint] = settledOrThrow(await parts);
    if (simulatorLoad.failed) throw simulatorLoad.error;
    const dynamoClient = localDynamoDbClient(dynamodb.endpoint);
    await ensureAppointmentsTable(dynamoClient, LOCAL_TABLE_NAME);
    dynamoClient.destroy();
    if (!mysql) {
      logger.warn(
        `No MySQL: country rows are kept in memory by each country worker and lost on exit. For the real database, ${MYSQL_INSTALL_HINT}.`,
      );
    }

    const sharedEnvironment: Record<string, string> = {
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_SNS: awsEndpoint.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: awsEndpoint.url,
      // No profile of the developer's leaks into a function.
      AWS_CONFIG_FILE: join(workDir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-aws-credentials'),
      // Lambda runs Node 24; the SDK's notice about leaving Node 20 is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TZ: 'UTC',
      [environment.appointmentsTableName]: LOCAL_TABLE_NAME,
      [environment.appointmentRequestsTopicArn]: router.topicArn(topology.appointmentRequests.topicName),
      [environment.eventBusName]: topology.appointmentScheduled.eventBusName,
      ...passedThrough(options.env ?? process.env),
    };
    // As in AWS, only the country workers are given the database.
    const countryDatabaseEnvironment: Record<string, string> = mysql ? { [environment.mysqlUrl]: mysql.url } : { [environment.countryStore]: 'memory' };
    const countryQueues = new Set<string>(topology.countryRoutes.map((route) => route.queueName));
    const lambdaEnvironment = (name: string, own: Readonly<Record<string, string>> = {}) => ({
      ...sharedEnvironment,
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(topology.functionMemoryMB),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      ...own,
    });

    const functions = new Map<string, LocalFunction>();
    const addFunction = (definition: FunctionDefinition) => {
      const bundle = bundles.get(definition.entry);
      if (!bundle) throw new Error(`No bundle was built for ${definition.entry}`);
      const fn = new LocalFunction(definition, bundle, sink);
      functions.set(definition.name, fn);
      return fn;
    };
    cleanups.push(() => Promise.all([...functions.values()].map((fn) => fn.stop())));

    const resolvers = topology.resolvers.map((resolver) => {
      const name = `${resolver.typeName}-${resolver.fieldName}`;
      const fn = addFunction({
        name,
        entry: resolver.entry,
        environment: lambdaEnvironment(name),
        maxConcurrency: RESOLVER_CONCURRENCY,
        timeoutSeconds: resolver.timeoutSeconds,
      });
      return { typeName: resolver.typeName, fieldName: resolver.fieldName, functionName: name, invoke: (event: unknown) => fn.invoke(event) };
    });
    for (const { settings: declared, consumer } of consumers) {
      const settings = router.queueSettings(declared.queueName);
      const name = `${basename(consumer.entry).replace(/\.[jt]s$/, '')}-${settings.queueName}`;
      const fn = addFunction({
        name,
        entry: consumer.entry,
        environment: lambdaEnvironment(name, { ...(countryQueues.has(settings.queueName) ? countryDatabaseEnvironment : {}), ...consumer.environment }),
        maxConcurrency: settings.maxConcurrency,
        timeoutSeconds: settings.workerTimeoutSeconds,
      });
      router.connect(settings.queueName, (event) => fn.invoke(event), name);
    }
    // A warm sandbox per resolver before the API opens, so the first request meets no cold start;
    // the queue consumers warm meanwhile (a message arriving first simply waits for its sandbox).
    const resolverNames = new Set(resolvers.map((resolver) => resolver.functionName));
    const resolversWarm = Promise.all([...functions].filter(([name]) => resolverNames.has(name)).map(([, fn]) => fn.warm()));
    // Consumers warm once the resolvers are (on two cores, one group at a time gets there sooner).
    void resolversWarm.finally(() => {
      for (const [name, fn] of functions) if (!resolverNames.has(name)) void fn.warm();
    });
    const apiKey = options.apiKey ?? `da2-${randomBytes(13).toString('hex')}`;
    const [appsync] = settledOrThrow(
      await Promise.allSettled([
        startLocalAppSync({ port: options.graphqlPort ?? 0, apiKey, resolvers, logger: localLogger('local-appsync', sink) }).then(
          registered(cleanups, (started: LocalAppSync) => started.stop()),
        ),
        resolversWarm,
      ] as const),
    );

    // On stop, the router goes first: no delivery starts while the functions are being stopped.
    cleanups.push(() => Promise.resolve(router.stop()));

    let stopping: Promise<void> | undefined;
    return {
      graphqlUrl: appsync.graphqlUrl,
      explorerUrl: appsync.explorerUrl,
      apiKey,
      mysqlUrl: mysql?.url,
      mysqlDescription: mysql?.description ?? 'none: country rows kept in memory',
      dynamodbEndpoint: dynamodb.endpoint,
      dynamodbOperations: dynamodb.operations,
      tableName: LOCAL_TABLE_NAME,
      awsEndpoint: awsEndpoint.url,
      queueAdminUrl: `${awsEndpoint.url}${ADMIN_PREFIX}`,
      router,
      functions,
      startupMs: Date.now() - started,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function registered<Part>(cleanups: (() => Promise<unknown>)[], stop: (part: Part) => Promise<unknown> | undefined): (part: Part) => Part {
  return (part) => {
    cleanups.push(async () => stop(part));
    return part;
  };
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

async function provideMigratedMysql(options: LocalStackOptions): Promise<MysqlServer | undefined> {
  // The URL without its credentials, for the banner.
  const shown = (url: string) => url.replace(/\/\/[^@/]*@/, '//');
  const provided = options.mysqlUrl
    ? { url: options.mysqlUrl, description: shown(options.mysqlUrl), stop: () => Promise.resolve() }
    : await provideMysql(options.env ?? process.env, { dataDir: options.dataDir ? join(options.dataDir, 'mysql') : undefined });
  if (!provided) return undefined;
  const mysql = provided.description === 'MYSQL_URL' ? { ...provided, description: `MYSQL_URL (${shown(provided.url)})` } : provided;
  try {
    const connection = await createConnection({ uri: mysql.url });
    try {
      await migrateCountrySchemas(connection, Object.values(countries));
    } finally {
      await connection.end();
    }
  } catch (error) {
    await mysql.stop();
    throw new Error(`MySQL at ${mysql.description} could not be migrated: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return mysql;
}

function passedThrough(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(PASSED_THROUGH_ENV.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}

/** One JSON line per step a message takes through the router, with the appointmentId when the body has one. */
function routerEventLogger(logger: LocalLogger, router: LocalRouter): (event: RouterEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'published':
        if (event.queues.length === 0) logger.warn('Published; no subscription filter policy matched, so no queue got it', { topicArn: event.topicArn, messageId: event.messageId, ...keysOf(event.body) });
        else logger.info(`Published to SNS → ${event.queues.join(', ')}`, { topicArn: event.topicArn, messageId: event.messageId, queues: event.queues, ...keysOf(event.body) });
        return;
      case 'publish-refused':
        logger.warn(`SNS refused the publish (${event.errorCode}, fault injected)`, { topicArn: event.topicArn, errorCode: event.errorCode, ...keysOf(event.body) });
        return;
      case 'event-refused':
        logger.warn(`EventBridge refused the event (${event.errorCode}, fault injected)`, { eventBusName: event.eventBusName, errorCode: event.errorCode, ...keysOf(event.body) });
        return;
      case 'event-put':
        if (event.rules.length === 0) logger.info('Event put; no rule matched', { eventBusName: event.eventBusName, eventId: event.eventId, ...keysOf(event.body) });
        else logger.info(`Event put on ${event.eventBusName} → rules ${event.rules.join(', ')}`, { eventBusName: event.eventBusName, eventId: event.eventId, rules: event.rules, ...keysOf(event.body) });
        return;
      case 'enqueued':
        // SNS and rule deliveries are told by the lines above.
        if (!/^(sns|rule) /.test(event.via)) logger.info(`Message put on ${event.queue} (${event.via})`, { queue: event.queue, messageId: event.messageId, ...keysOf(event.body) });
        return;
      case 'delivered':
        logger.info(`Delivered from ${event.queue} to ${event.consumer}`, {
          queue: event.queue,
          function: event.consumer,
          messageId: event.messageId,
          receiveCount: event.receiveCount,
          batchSize: event.batchSize,
          ...keysOf(event.body),
        });
        return;
      case 'processed':
        logger.info(`Processed; deleted from ${event.queue}`, { queue: event.queue, messageId: event.messageId, receiveCount: event.receiveCount, ...keysOf(event.body) });
        return;
      case 'failed': {
        const { maxReceiveCount } = router.queueSettings(event.queue);
        const next = event.receiveCount >= maxReceiveCount ? 'moves to the dead-letter queue' : 'is redelivered';
        logger.warn(`Failed; after its visibility timeout it ${next}`, {
          queue: event.queue,
          messageId: event.messageId,
          receiveCount: event.receiveCount,
          maxReceiveCount,
          retryInMs: Math.max(0, event.retryAt - Date.now()),
          reason: event.reason,
          ...keysOf(event.body),
        });
        return;
      }
      case 'dead-lettered':
        logger.error(`Dead-lettered to ${event.deadLetterQueue} after ${event.receiveCount} receives`, { queue: event.queue, deadLetterQueue: event.deadLetterQueue, messageId: event.messageId, receiveCount: event.receiveCount, ...keysOf(event.body) });
        return;
      case 'stale-delete':
        logger.warn('Processed after its visibility timeout ran out: it was received again and stays on the queue', { queue: event.queue, messageId: event.messageId, ...keysOf(event.body) });
        return;
      case 'invocation-finished':
        return;
    }
  };
}

/** appointmentId and correlationId from a message body (an appointment request, or an EventBridge event's detail). */
function keysOf(body: string): { appointmentId?: string; correlationId?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const record = parsed as Record<string, unknown>;
  const source = typeof record.detail === 'object' && record.detail !== null ? (record.detail as Record<string, unknown>) : record;
  return {
    ...(typeof source.appointmentId === 'string' ? { appointmentId: source.appointmentId } : {}),
    ...(typeof source.correlationId === 'string' ? { correlationId: source.correlationId } : {}),
  };
}
