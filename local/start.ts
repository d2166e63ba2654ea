import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { countries } from '../core/domain/countries';
import { topology } from '../core/config/topology';
import { provideLocalApiKey, type LocalApiKey } from './api-key';
import { publishDemoCatalog } from './catalog/demo-loader';
import { localInsuredAddress } from './identity/user-pool-accounts';
import { startLocalStack, type LocalStack } from './stack';
import { removeStackState, stackStateFile, stackStateOf, writeStackState } from './stack-state';

/**
 * `npm start`: the whole system on this machine, no AWS account, no Docker.
 *   npm start -- --persist        keep DynamoDB and MariaDB data in .local-data/ between runs (or LOCAL_DATA_DIR=dir)
 *   npm start -- --port 20002     GraphQL port (or GRAPHQL_PORT); 0 = any free port
 *   npm start -- --no-mysql       keep country rows in memory even if MariaDB is installed
 *   MYSQL_URL=mysql://user:pass@host:port npm start    use that MySQL instead of a throwaway MariaDB
 *   REMINDER_LEAD_MINUTES=5 npm start    remind of each appointment 5 minutes before it starts (default 24 hours)
 *   LOCAL_API_KEY=da2-… npm start  serve this API key instead of the one kept in .local-data/api-key
 *   npm start -- --no-demo-catalog   start with an empty slot catalog (staff publish their own)
 */
const DEFAULT_PORT = 20002;
const FORCE_QUIT_AFTER_MS = 2000;
const STOP_TIMEOUT_MS = 20_000;
// Lambda runs Node 24; the SDK's notice that it will leave Node 20 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const REPOSITORY_ROOT = resolve(__dirname, '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      persist: { type: 'boolean', default: false },
      port: { type: 'string' },
      'tls-port': { type: 'string' },
      'no-mysql': { type: 'boolean', default: false },
      'no-demo-catalog': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const port = portNumber('--port', values.port ?? process.env.GRAPHQL_PORT ?? String(DEFAULT_PORT));
  // TLS next to the plain port by default (20003), so both are known before start.
  const tlsPort = portNumber('--tls-port', values['tls-port'] ?? process.env.GRAPHQL_TLS_PORT ?? String(port === 0 ? 0 : port + 1));
  const dataDir = process.env.LOCAL_DATA_DIR
    ? resolve(process.env.LOCAL_DATA_DIR)
    : values.persist
      ? resolve(REPOSITORY_ROOT, '.local-data')
      : undefined;

  // The CA and the token signing key stay in this checkout's .local-data/, so a client trusts the CA once.
  const configDir = resolve(REPOSITORY_ROOT, '.local-data');
  // The key too, so a script written yesterday works today (LOCAL_API_KEY overrides it).
  const apiKey = await provideLocalApiKey(resolve(configDir, 'api-key'));
  const starting = startLocalStack({
    graphqlPort: port,
    tlsPort,
    configDir,
    dataDir,
    inMemoryCountryStore: values['no-mysql'],
    apiKey: apiKey.key,
  });
  let stopping: number | undefined;
  const stop = async (code: number) => {
    if (stopping !== undefined) {
      // Ctrl-C reaches every process of the terminal's group and tsx passes it on as well,
      // so one press arrives twice: only a later press forces the quit.
      if (Date.now() - stopping < FORCE_QUIT_AFTER_MS) return;
      process.stderr.write('Forced to quit: MariaDB or temp dirs may be left behind.\n');
      process.exit(code || 130);
    }
    stopping = Date.now();
    process.stderr.write('\nStopping the local stack…\n');
    setTimeout(() => {
      process.stderr.write(`Could not stop within ${STOP_TIMEOUT_MS / 1000} s; quitting. MariaDB or temp dirs may be left behind.\n`);
      process.exit(code || 1);
    }, STOP_TIMEOUT_MS).unref();
    // A stop during start waits for the start, so nothing it started (MariaDB) is left behind.
    await starting.then((stack) => stack.stop()).catch(() => undefined);
    await removeStackState().catch(() => undefined);
    process.stderr.write('Stopped.\n');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('uncaughtException', (error) => {
    process.stderr.write(`Unexpected error: ${error.stack ?? error.message}\n`);
    void stop(1);
  });

  const stack = await starting;
  if (stopping !== undefined) return;
  // For `npm run redrive` and `npm run reconcile`, run from another terminal; the stack is useful without them.
  await writeStackState(stackStateOf(stack)).catch((error: unknown) =>
    process.stderr.write(
      `The operator tools will not find this stack: ${stackStateFile()} could not be written (${error instanceof Error ? error.message : String(error)}).\n`,
    ),
  );
  process.stdout.write(banner(stack, dataDir, apiKey));
  if (!values['no-demo-catalog']) await loadDemoCatalog(stack);
}

/** The demo catalog, published through the API once the stack is up: the API answers meanwhile, slots appear as they arrive. */
async function loadDemoCatalog(stack: LocalStack): Promise<void> {
  process.stdout.write('  Publishing the demo catalog (30 days of slots per country) through publishSlots…\n');
  try {
    const load = await publishDemoCatalog(stack);
    const counts = [...load.slotsPerCountry].map(([countryISO, slots]) => `${countryISO} ${slots.toLocaleString('en')}`).join(', ');
    process.stdout.write(
      `  Demo catalog ready in ${(load.loadedInMs / 1000).toFixed(1)} s: ${counts} slots. Browse them with availableSlots.\n`,
    );
  } catch (error) {
    process.stderr.write(`The demo catalog could not be loaded: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

function banner(stack: LocalStack, dataDir: string | undefined, apiKey: LocalApiKey): string {
  const key = stack.apiKey;
  const curl = (query: string) =>
    `curl -s ${stack.graphqlUrl} -H 'content-type: application/json' -H 'x-api-key: ${key}' \\\n     -d '${JSON.stringify({ query })}'`;
  const schemas = Object.values(countries)
    .map((country) => country.mysqlSchema)
    .join(', ');
  const workerUsers = Object.values(countries)
    .map((country) => country.mysqlUser)
    .join(', ');
  const where = (dir: string) => relative(process.cwd(), dir) || '.';
  const line = '─'.repeat(78);
  return `
${line}
  Appointments API is running locally (ready ${process.uptime().toFixed(1)} s after start)

  GraphQL    ${stack.graphqlUrl}    (POST only, as AppSync)
  TLS        ${stack.graphqlTlsUrl}   (what Amplify JS dials: wss://…/graphql/realtime)
  CA         ${where(stack.caCertificateFile)}   (trust it: NODE_EXTRA_CA_CERTS=${where(stack.caCertificateFile)} for Node)
  Realtime   ${stack.realtimeUrl}   (AppSync's protocol; auth in ?header= or a header- subprotocol)
  Explorer   ${stack.explorerUrl}
  Email      ${stack.emailUrl}   (every email the stack sends; GET ${stack.emailUrl}/store as JSON)
             each insured person's account has the address ${localInsuredAddress('00012')} (for 00012), verified
  API key    ${key}   (send it as the x-api-key header)
             ${apiKey.origin}
  MySQL      ${stack.mysqlUrl ? `${stack.mysqlDescription}, schemas ${schemas}` : 'none: country rows are kept in memory (see the warning above)'}${stack.mysqlUrl ? `\n             the workers sign in as ${workerUsers}, each allowed on its own schema only` : ''}
  DynamoDB   ${dataDir ? `on disk in ${where(dataDir)}/dynamodb (kept between runs)` : 'in memory (npm start -- --persist keeps it)'}, table ${stack.tableName}
  Queues     ${stack.router.queueNames.map((queue) => queue.queueName).join(', ')} (each with a DLQ)
  Queue API  curl -s ${stack.queueAdminUrl}
             (depths; GET …/<queue>/messages reads a queue or DLQ, POST …/<dlq>/redrive moves a DLQ back)
  Operators  npm run redrive -- <queue>   moves a DLQ's messages back to its queue
             npm run reconcile            lists appointments stuck PENDING and rows without a COMPLETED appointment
                                          (the reconciler also runs by itself every ${topology.reconciliation.everyMinutes} min: grep '"finding"' below)
             npm run smoke                proves this stack end to end, step by step
             (they find this stack through ${relative(process.cwd(), stackStateFile()) || stackStateFile()})

  Tokens     npm run token -- --insured 00012   an insured person (their own appointments only)
             npm run token -- --staff           a call-centre agent (any insured person)
             send one as the Authorization header instead of x-api-key

  Free slots of the coming week in Lima (the demo catalog fills in below):
    ${curl(`{ availableSlots(countryISO: PE, from: "${new Date().toISOString()}", to: "${new Date(Date.now() + 7 * 86_400_000).toISOString()}", limit: 5) { items { scheduleId startsAt centre { name } specialty { name } doctor { name } } } }`)}

  Book one of them (put its scheduleId in place of SCHEDULE_ID):
    ${curl('mutation { createAppointment(input: {insuredId: "00012", scheduleId: SCHEDULE_ID, countryISO: PE}) { appointmentId status slot { startsAt centre { name } } } }')}

  List them (PENDING at first, COMPLETED a moment later):
    ${curl('{ appointments(insuredId: "00012") { items { appointmentId countryISO status updatedAt } nextToken } }')}

  The same list as insured person 00012, signed in:
    curl -s ${stack.graphqlUrl} -H 'content-type: application/json' -H "authorization: $(npm run -s token -- --insured 00012)" \\
     -d '${JSON.stringify({ query: '{ appointments(insuredId: "00012") { items { appointmentId status } } }' })}'

  Below: one JSON line per step of each appointment (grep its appointmentId). Ctrl-C stops everything.
${line}
`;
}

function portNumber(option: string, value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${option} must be a port number, not ${value}`);
  return port;
}

function usage(): string {
  return `npm start [-- --persist] [--port N] [--no-mysql] [--no-demo-catalog]
  --persist     keep DynamoDB and MariaDB data in .local-data/ between runs (LOCAL_DATA_DIR=dir picks another directory)
  --port N      GraphQL port, default ${DEFAULT_PORT} (GRAPHQL_PORT=N also works); 0 picks a free port
  --tls-port N  the same API over TLS, default the GraphQL port + 1 (GRAPHQL_TLS_PORT=N also works)
  --no-mysql    keep country rows in memory even when MariaDB is installed
  --no-demo-catalog   start with no slots (the demo catalog is 30 days of slots per country, published on start)
  MYSQL_URL=mysql://user:password@host:port   use that MySQL instead of starting a throwaway MariaDB
  LOCAL_API_KEY=da2-…   serve this API key (da2- and 26 lowercase letters or digits) instead of the one kept in .local-data/api-key`;
}

main().catch((error: unknown) => {
  const detail = error instanceof Error ? (process.env.DEBUG ? (error.stack ?? error.message) : error.message) : String(error);
  process.stderr.write(`Could not start the local stack: ${detail}\n`);
  process.exit(1);
});
