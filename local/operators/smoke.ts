import { randomBytes, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { holdsItsSlot } from '../../core/domain/appointment';
import { INSURED_ID_CLAIM } from '../../core/domain/caller';
import { countryISOs } from '../../core/domain/countries';
import { checkSlotRange, deploymentChecks } from '../../core/domain/reserved-check-slots';
import type { Appointment, AppointmentStatus, AppointmentStatusChange, CountryISO } from '../../core/graphql/types.generated';
import { optionalStackOutputs, stackOutputs, type OptionalStackOutputName, type StackOutputName } from '../../infra/stack-outputs';
import { apiClient, type GraphqlResponse } from '../api-client';
import { LocalTokenIssuer } from '../identity/issuer';
import { localInsuredAddress } from '../identity/user-pool-accounts';
import { connectRealtime, type RealtimeConnection, type RealtimeTarget } from '../realtime-client';
import { NoRunningStackError } from '../stack-state';
import { LocalCheckIdentity, type CheckIdentity, type CheckUsers } from './check-identity';
import { CognitoCheckIdentity } from './cognito-check-identity';
import { CloudWatchWorkerLog } from './cloudwatch-worker-log';
import {
  awaitConfirmation,
  LocalOutboxEvidence,
  WorkerLogEvidence,
  type EmailEvidence,
  type NotificationWorkerLog,
  type SentEmailEvidence,
} from './confirmation-email';
import { EXIT, runAsCommand, type OperatorIo } from './operator-io';

const USAGE = `npm run smoke [-- --outputs cdk.out/outputs.json [--stack <name>] [--email <address>]] [-- --country PE|CL]
  Proves a stack works end to end, printing each step and its time: a throwaway insured person
  and staff member; the insured person's access token carries ${INSURED_ID_CLAIM}; they subscribe to
  their status changes, book a slot reserved for checks and hear COMPLETED, list it (staff too),
  are refused another person's list, cancel it and hear CANCELLED; SES accepted the insured
  person's Spanish confirmation email; the users are deleted in the end.
  Exits 1 naming the first step that failed. Leaves nothing behind but the cancelled appointment.
  (no flag)        the local stack \`npm start\` is running; the email is read from its local SES outbox
  --outputs FILE   the deployed stack whose outputs \`npm run deploy\` saved (uses your AWS credentials)
  --stack NAME     which stack of FILE, when it holds several
  --email ADDRESS  (with --outputs) the insured person's account gets this address, verified, and the
                   check proves SES accepted the confirmation (the notification worker's log line for
                   the appointment, read with CloudWatch Logs FilterLogEvents, up to 10 min). Use an
                   address SES may send to (in the SES sandbox: a verified identity) that no account of
                   the pool has. Without it the email step is SKIPPED, never passed.
  --country ISO    the country to book in (default: one of ${countryISOs.join(', ')} at random)
  Checks book insuredId ${deploymentChecks.insuredId} on slots ${checkSlotRange}, reserved for them alone.
  AWS rights it needs, on the user pool: cognito-idp:AdminCreateUser, AdminAddUserToGroup,
  AdminSetUserPassword, AdminInitiateAuth, AdminRespondToAuthChallenge, AdminDeleteUser; with
  --email also cognito-idp:ListUsers on the pool and logs:FilterLogEvents on the log group the
  output ${optionalStackOutputs.notificationWorkerLogGroup} names.`;

/** How long a status change may take to arrive: a deployed pipeline's cold starts included. */
const HEAR_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** Whom the check insured person may not list: anyone else (the refusal depends on who asks, never on what is stored). */
const ANOTHER_INSURED_ID = '00001';

/** What a check runs against: the API's endpoints, the identity port, and where the email is proven. */
export interface SmokeTarget {
  readonly description: string;
  readonly endpoints: RealtimeTarget;
  readonly identity: CheckIdentity;
  readonly emailEvidence: EmailEvidence;
  readonly close: () => void;
}

/** What the steps share as they go. */
interface SmokeRun {
  readonly target: SmokeTarget;
  readonly runId: string;
  readonly scheduleId: number;
  readonly countryISO: CountryISO;
  users?: CheckUsers;
  changes?: StatusChanges;
  /** Set before the booking is sent: an answer lost on the way may still have stored it. */
  bookingSent?: boolean;
  /** When it was sent: the proof of its email is no older. */
  bookedAt?: Date;
  booked?: Appointment;
  cancelled?: boolean;
}

/** What a step proved, to print beside it; or why it could prove nothing here (never a pass). */
type StepOutcome = string | { readonly skipped: string };

interface SmokeStep {
  readonly name: string;
  /** Does the step; returns what to print beside it, throws why it failed. */
  readonly run: (run: SmokeRun) => Promise<StepOutcome>;
}

/** The steps, in order; each needs what the ones before it left in the run. */
export const smokeSteps: readonly SmokeStep[] = [
  { name: 'create a throwaway insured person and staff member', run: createThrowawayUsers },
  { name: `the insured person's access token carries ${INSURED_ID_CLAIM}`, run: checkAccessToken },
  { name: 'subscribe to their status changes over the realtime endpoint', run: subscribeToStatusChanges },
  { name: 'book a slot reserved for checks and hear COMPLETED', run: bookCheckSlot },
  { name: "list it (insured person and staff); another person's list is refused", run: listIt },
  { name: 'cancel it and hear CANCELLED (the country freed the slot)', run: cancelIt },
  // Last before the clean-up: in AWS the proof may take minutes to arrive, longer than the check's tokens live.
  { name: "SES accepted the insured person's Spanish confirmation email", run: proveConfirmationEmail },
];
/** The last step, run also when an earlier one failed. */
export const DELETE_USERS_STEP = 'delete the throwaway users';

/** `npm run smoke`. Returns the exit code. */
export async function smokeMain(argv: readonly string[], io: OperatorIo, adapters: DeployedAdapters = awsAdapters): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      outputs: { type: 'string' },
      stack: { type: 'string' },
      country: { type: 'string' },
      email: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const countryISO = values.country ?? countryISOs[randomInt(countryISOs.length)];
  if (!isCountry(countryISO)) return misused(io, `--country ${values.country} is not one of ${countryISOs.join(', ')}.`);
  const emailProblem = emailMisuse(values.email, values.outputs);
  if (emailProblem) return misused(io, emailProblem);
  const target = values.outputs
    ? await deployedTarget({ file: values.outputs, stackName: values.stack, email: values.email }, io, adapters)
    : await localTarget(io);
  if (!target) return EXIT.failed;
  try {
    return await runSmoke(target, countryISO, io);
  } finally {
    target.close();
  }
}

/** Runs every step, then the clean-up whatever happened; exit 1 names the first step that failed. */
export async function runSmoke(target: SmokeTarget, countryISO: CountryISO, io: OperatorIo): Promise<number> {
  const run: SmokeRun = { target, runId: randomBytes(4).toString('hex'), scheduleId: randomCheckSlot(), countryISO };
  const total = smokeSteps.length + 1;
  io.stdout(`Smoke check of ${target.description}\n  ${target.endpoints.graphqlUrl}\n`);
  io.stdout(
    `  run ${run.runId}: insuredId ${deploymentChecks.insuredId}, slot ${run.scheduleId} in ${countryISO} (slots ${checkSlotRange} are reserved for checks)\n`,
  );
  let failed: string | undefined;
  const skipped: string[] = [];
  try {
    for (const [index, step] of smokeSteps.entries()) {
      if (failed) {
        io.stdout(`  SKIP ${index + 1}/${total} ${step.name}\n`);
        continue;
      }
      const outcome = await runStep(`${index + 1}/${total}`, step, run, io);
      if (outcome === 'failed') failed = step.name;
      if (outcome === 'skipped') skipped.push(step.name);
    }
  } finally {
    await leaveNothingBehind(run, io);
    const deleted = await runStep(
      `${total}/${total}`,
      { name: DELETE_USERS_STEP, run: (current) => current.target.identity.deleteUsers() },
      run,
      io,
    );
    if (deleted !== 'passed') failed ??= DELETE_USERS_STEP;
  }
  if (failed) {
    io.stderr(`Smoke check FAILED at step "${failed}".\n`);
    return EXIT.failed;
  }
  const unproven = skipped.length > 0 ? `; NOT proven (skipped): ${skipped.map((name) => `"${name}"`).join(', ')}` : '';
  io.stdout(`Smoke check passed: ${target.description} works end to end${unproven}.\n`);
  return EXIT.ok;
}

async function runStep(position: string, step: SmokeStep, run: SmokeRun, io: OperatorIo): Promise<'passed' | 'skipped' | 'failed'> {
  const started = performance.now();
  const elapsed = () => `${Math.round(performance.now() - started)} ms`;
  try {
    const outcome = await step.run(run);
    if (typeof outcome !== 'string') {
      io.stdout(`  SKIP ${position} ${step.name} (${elapsed()}): not proven: ${outcome.skipped}\n`);
      return 'skipped';
    }
    io.stdout(`  PASS ${position} ${step.name} (${elapsed()}): ${outcome}\n`);
    return 'passed';
  } catch (error) {
    io.stdout(`  FAIL ${position} ${step.name} (${elapsed()}): ${error instanceof Error ? error.message : String(error)}\n`);
    return 'failed';
  }
}

/**
 * The subscription is closed, and a booking that a failed step left holding the run's slot
 * is cancelled (found by staff's list, so one whose answer was lost is found too).
 */
async function leaveNothingBehind(run: SmokeRun, io: OperatorIo): Promise<void> {
  await run.changes?.close();
  if (!run.bookingSent || run.cancelled || !run.users) return;
  const staff = staffApi(run);
  try {
    const listed = await staff.appointments(deploymentChecks.insuredId, 20);
    const holding = (listed.data?.appointments.items ?? []).filter(
      (item) => item.scheduleId === run.scheduleId && holdsItsSlot(item.status),
    );
    for (const { appointmentId } of holding) {
      const answer = await staff.cancelAppointment(deploymentChecks.insuredId, appointmentId);
      if (answer.errors) throw new Error(`${appointmentId}: ${describeErrors(answer)}`);
      io.stdout(`  Clean-up: cancelled appointment ${appointmentId}, which a failed step left holding slot ${run.scheduleId}.\n`);
    }
  } catch (error) {
    io.stdout(
      `  Clean-up: could not cancel what holds slot ${run.scheduleId} (${error instanceof Error ? error.message : String(error)}): cancel it as staff to free the slot.\n`,
    );
  }
}

// The steps.

async function createThrowawayUsers(run: SmokeRun): Promise<string> {
  run.users = await run.target.identity.createUsers(run.runId);
  const removed = run.users.leftoversRemoved?.length
    ? `; removed the account(s) earlier checks left behind: ${run.users.leftoversRemoved.join(', ')}`
    : '';
  return `${run.users.insured.username} (insuredId ${deploymentChecks.insuredId}) and ${run.users.staff.username} (staff), in ${run.target.identity.description}${removed}`;
}

/** In AWS the claim is put there by the pre-token-generation trigger: this proves it runs. */
function checkAccessToken(run: SmokeRun): Promise<string> {
  const claims = decodeJwt(usersOf(run).insured.accessToken);
  if (claims.token_use !== 'access') throw new Error(`the token is an ${String(claims.token_use)} token, not an access token`);
  const insuredId = claims[INSURED_ID_CLAIM];
  if (insuredId !== deploymentChecks.insuredId) {
    throw new Error(
      `the access token carries ${INSURED_ID_CLAIM} = ${JSON.stringify(insuredId)}, not "${deploymentChecks.insuredId}": is the pre-token-generation trigger attached (event version V2_0)?`,
    );
  }
  return Promise.resolve(`${INSURED_ID_CLAIM} = ${insuredId}`);
}

async function subscribeToStatusChanges(run: SmokeRun): Promise<string> {
  run.changes = await followStatusChanges(run.target.endpoints, usersOf(run).insured.accessToken);
  return `onAppointmentStatusChanged(insuredId: "${deploymentChecks.insuredId}") acknowledged at ${run.target.endpoints.realtimeUrl}`;
}

async function bookCheckSlot(run: SmokeRun): Promise<string> {
  run.bookingSent = true;
  run.bookedAt = new Date();
  const answer = await insuredApi(run).createAppointment({
    insuredId: deploymentChecks.insuredId,
    scheduleId: run.scheduleId,
    countryISO: run.countryISO,
  });
  const booked = answer.data?.createAppointment;
  if (!booked) throw new Error(`the booking was refused: ${describeErrors(answer)}`);
  run.booked = booked;
  const heardAfterMs = await changesOf(run).waitFor(booked.appointmentId, 'COMPLETED');
  return `appointment ${booked.appointmentId} answered ${booked.status}; COMPLETED heard ${heardAfterMs} ms later`;
}

async function listIt(run: SmokeRun): Promise<string> {
  const { appointmentId } = bookedOf(run);
  for (const [who, api] of [
    ['the insured person', insuredApi(run)],
    ['staff', staffApi(run)],
  ] as const) {
    const answer = await api.appointments(deploymentChecks.insuredId, 20);
    const listed = answer.data?.appointments.items.find((item) => item.appointmentId === appointmentId);
    if (!listed)
      throw new Error(
        `${who} did not find ${appointmentId} in the list (${answer.errors ? describeErrors(answer) : 'not on the first page'})`,
      );
    if (listed.status !== 'COMPLETED') throw new Error(`${who} sees ${appointmentId} as ${listed.status}, not COMPLETED`);
  }
  const others = await insuredApi(run).appointments(ANOTHER_INSURED_ID);
  if (others.errors?.[0]?.errorType !== 'Unauthorized' || others.data?.appointments) {
    throw new Error(`insuredId ${ANOTHER_INSURED_ID}'s list was not refused: ${JSON.stringify(others)}`);
  }
  return `both see ${appointmentId} COMPLETED; insuredId ${ANOTHER_INSURED_ID}'s list refused (Unauthorized)`;
}

async function cancelIt(run: SmokeRun): Promise<string> {
  const { appointmentId } = bookedOf(run);
  const answer = await insuredApi(run).cancelAppointment(deploymentChecks.insuredId, appointmentId);
  if (answer.data?.cancelAppointment?.status !== 'CANCELLED') throw new Error(`the cancellation was refused: ${describeErrors(answer)}`);
  run.cancelled = true;
  const heardAfterMs = await changesOf(run).waitFor(appointmentId, 'CANCELLED');
  return `answered CANCELLED; CANCELLED heard ${heardAfterMs} ms later, once the country had freed slot ${run.scheduleId}`;
}

/** The confirmation of the COMPLETED booking: the change was stored and heard, so the worker has it or soon will. */
async function proveConfirmationEmail(run: SmokeRun): Promise<StepOutcome> {
  const evidence = run.target.emailEvidence;
  if ('skipped' in evidence) return evidence;
  const { appointmentId, scheduleId } = bookedOf(run);
  const bookedAt = run.bookedAt ?? new Date();
  return awaitConfirmation(evidence, {
    appointmentId,
    insuredId: deploymentChecks.insuredId,
    scheduleId,
    countryISO: run.countryISO,
    bookedAt,
  });
}

// The status changes one subscription hears.

interface StatusChanges {
  /** Milliseconds until `status` is heard for this appointment; throws when another final status or nothing comes. */
  waitFor(appointmentId: string, status: AppointmentStatus): Promise<number>;
  close(): Promise<void>;
}

type HeardChange = Pick<AppointmentStatusChange, 'appointmentId' | 'status' | 'rejectionReason'>;

const SUBSCRIPTION = `subscription Follow($insuredId: String!) {
  onAppointmentStatusChanged(insuredId: $insuredId) { appointmentId insuredId status rejectionReason updatedAt }
}`;

async function followStatusChanges(endpoints: RealtimeTarget, token: string): Promise<StatusChanges> {
  const connection: RealtimeConnection = await connectRealtime(endpoints, { Authorization: token }, REQUEST_TIMEOUT_MS);
  const heard: HeardChange[] = [];
  // AppSync sends a null payload when the subscription field failed for a change: worth naming when nothing else comes.
  let emptyMessages = 0;
  const listeners = new Set<() => void>();
  try {
    await connection.subscribe<{ onAppointmentStatusChanged?: HeardChange | null }>(
      { query: SUBSCRIPTION, variables: { insuredId: deploymentChecks.insuredId } },
      (data) => {
        if (data?.onAppointmentStatusChanged) heard.push(data.onAppointmentStatusChanged);
        else emptyMessages += 1;
        for (const listener of listeners) listener();
      },
    );
  } catch (error) {
    await connection.close();
    throw error;
  }
  return {
    waitFor: (appointmentId, status) => {
      const since = performance.now();
      return new Promise<number>((resolve, reject) => {
        const check = () => {
          const mine = heard.filter((change) => change.appointmentId === appointmentId);
          const settled =
            mine.find((change) => change.status === status) ??
            mine.find((change) => change.status === 'REJECTED' || change.status === 'CANCELLED');
          if (!settled) return;
          done();
          if (settled.status === status) resolve(Math.round(performance.now() - since));
          else
            reject(
              new Error(`heard ${settled.status}${settled.rejectionReason ? ` (${settled.rejectionReason})` : ''} instead of ${status}`),
            );
        };
        const timer = setTimeout(() => {
          done();
          const statuses = heard.filter((change) => change.appointmentId === appointmentId).map((change) => change.status);
          const empty = emptyMessages > 0 ? `; ${emptyMessages} message(s) with no change, as when the subscription field fails` : '';
          reject(
            new Error(`no ${status} heard within ${HEAR_TIMEOUT_MS / 1000} s (heard for it: ${statuses.join(', ') || 'nothing'}${empty})`),
          );
        }, HEAR_TIMEOUT_MS);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    close: () => connection.close(),
  };
}

// Where the check runs.

/** The stack `npm start` is running, found through its state file. */
async function localTarget(io: OperatorIo): Promise<SmokeTarget | undefined> {
  const stack = await io.stack().catch((error: unknown) => {
    if (error instanceof NoRunningStackError) io.stderr(`${error.message}\n`);
    else throw error;
  });
  if (!stack) return undefined;
  const issuer = await LocalTokenIssuer.open(stack.tokenSigningKeyFile);
  return {
    description: 'the local stack (npm start)',
    endpoints: { graphqlUrl: stack.graphqlUrl, realtimeUrl: stack.realtimeUrl },
    identity: new LocalCheckIdentity(issuer),
    // Locally the proof is always there to read: a stack without it is one to restart, never a skip.
    emailEvidence: stack.emailUrl ? new LocalOutboxEvidence(stack.emailUrl) : stateWithoutOutbox,
    close: () => undefined,
  };
}

const stateWithoutOutbox: SentEmailEvidence = {
  description: "the local SES's outbox",
  waitMs: 0,
  pollEveryMs: 0,
  confirmationsOf: () =>
    Promise.reject(new Error("the running stack's state file names no local SES: it was started by an older `npm start`; restart it")),
};

/** What a deployed check reads AWS with beyond Cognito; the tests give their own. */
export interface DeployedAdapters {
  /** The notification worker's log group in CloudWatch Logs (optionalStackOutputs.notificationWorkerLogGroup). */
  readonly notificationWorkerLog: (region: string, logGroupName: string) => NotificationWorkerLog;
}

/** The worker's log in CloudWatch Logs, read with the operator's credentials. */
const awsAdapters: DeployedAdapters = {
  notificationWorkerLog: (region, logGroupName) => new CloudWatchWorkerLog(new CloudWatchLogsClient({ region }), logGroupName),
};

type DeployedOutputs = { readonly [Name in StackOutputName]: string } & { readonly [Name in OptionalStackOutputName]?: string };

interface DeployedCheck {
  readonly file: string;
  readonly stackName: string | undefined;
  /** The operator's address for the insured person's account (`--email`). */
  readonly email: string | undefined;
}

/** The deployed stack whose outputs `npm run deploy` saved; Cognito and CloudWatch Logs are called with the operator's AWS credentials. */
async function deployedTarget(check: DeployedCheck, io: OperatorIo, adapters: DeployedAdapters): Promise<SmokeTarget | undefined> {
  const found = await deployedOutputs(check.file, check.stackName).catch((error: unknown) => {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
  });
  if (!found) return undefined;
  const { name, outputs } = found;
  let emailEvidence: EmailEvidence;
  try {
    emailEvidence = deployedEmailEvidence(name, outputs, check.email, adapters);
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  }
  const cognito = new CognitoIdentityProviderClient({ region: outputs[stackOutputs.region] });
  const pool = {
    userPoolId: outputs[stackOutputs.userPoolId],
    clientId: outputs[stackOutputs.smokeCheckClientId],
    staffGroupName: outputs[stackOutputs.staffGroupName],
  };
  return {
    description: `the deployed stack ${name} (${outputs[stackOutputs.region]})`,
    endpoints: { graphqlUrl: outputs[stackOutputs.graphqlUrl], realtimeUrl: outputs[stackOutputs.realtimeUrl] },
    identity: new CognitoCheckIdentity(cognito, pool, undefined, check.email),
    emailEvidence,
    close: () => cognito.destroy(),
  };
}

/**
 * Where a deployed check proves the email: the worker's log, when the operator gave an address to send it
 * to. Otherwise why it cannot, and how to make it; a stack without the worker cannot at all.
 */
export function deployedEmailEvidence(
  stackName: string,
  outputs: DeployedOutputs,
  email: string | undefined,
  adapters: DeployedAdapters,
): EmailEvidence {
  const logGroupName = outputs[optionalStackOutputs.notificationWorkerLogGroup];
  if (!logGroupName) {
    const why = `stack ${stackName} has no ${optionalStackOutputs.notificationWorkerLogGroup} output: it was deployed without -c senderEmail (it sends no email), or before this version`;
    if (email) throw new Error(`--email cannot be proven: ${why}.`);
    return { skipped: why };
  }
  if (!email) {
    return {
      skipped:
        "the check's insured person has no verified address, so the notification worker sends their email nowhere (it logs EmailsSkipped). " +
        `To prove it, run again with --email <an address SES may send to>; you then also need cognito-idp:ListUsers on the pool and logs:FilterLogEvents on ${logGroupName}`,
    };
  }
  return new WorkerLogEvidence(adapters.notificationWorkerLog(outputs[stackOutputs.region], logGroupName));
}

/** `cdk deploy --outputs-file` writes `{ "<StackName>": { "<output>": "<value>" } }`. */
export async function deployedOutputs(file: string, stackName?: string): Promise<{ name: string; outputs: DeployedOutputs }> {
  let stacks: Record<string, Record<string, unknown>>;
  try {
    stacks = JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
  } catch (error) {
    throw new Error(
      `Cannot read the stack outputs in ${file} (${error instanceof Error ? error.message : String(error)}): \`npm run deploy\` saves them there.`,
      { cause: error },
    );
  }
  const needed = Object.values(stackOutputs);
  const complete = Object.keys(stacks).filter((name) => needed.every((output) => typeof stacks[name]?.[output] === 'string'));
  const name = stackName ?? (complete.length === 1 ? complete[0] : undefined);
  if (name === undefined)
    throw new Error(
      `${file} holds ${complete.length === 0 ? 'no stack' : `several stacks (${complete.join(', ')})`} with the outputs a check needs (${needed.join(', ')}): ${complete.length === 0 ? 'deploy this version first' : 'pick one with --stack'}.`,
    );
  const missing = needed.filter((output) => typeof stacks[name]?.[output] !== 'string');
  if (missing.length > 0) throw new Error(`Stack ${name} in ${file} has no ${missing.join(', ')}: deploy this version first.`);
  return { name, outputs: stacks[name] as DeployedOutputs };
}

// Small pieces.

function randomCheckSlot(): number {
  return randomInt(deploymentChecks.firstScheduleId, deploymentChecks.lastScheduleId + 1);
}

function misused(io: OperatorIo, problem: string): number {
  io.stderr(`${problem}\n${USAGE}\n`);
  return EXIT.usage;
}

/** Anything that is not a single address; SES and Cognito judge the rest. */
const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What is wrong with how --email was given, if anything. */
function emailMisuse(email: string | undefined, outputs: string | undefined): string | undefined {
  if (email === undefined) return undefined;
  if (!outputs)
    return `--email is for a deployed stack (--outputs): locally the email goes to ${localInsuredAddress(deploymentChecks.insuredId)}, in the local SES's outbox, which the check reads.`;
  if (!EMAIL_ADDRESS.test(email)) return `--email ${email} is not an email address.`;
  return undefined;
}

function isCountry(value: string | undefined): value is CountryISO {
  return (countryISOs as readonly string[]).includes(value ?? '');
}

function apiEndpoint(run: SmokeRun) {
  // Every call carries a user pool token; an API key plays no part.
  return { graphqlUrl: run.target.endpoints.graphqlUrl, apiKey: '' };
}

function insuredApi(run: SmokeRun) {
  return apiClient(apiEndpoint(run), { token: usersOf(run).insured.accessToken, timeoutMs: REQUEST_TIMEOUT_MS });
}

function staffApi(run: SmokeRun) {
  return apiClient(apiEndpoint(run), { token: usersOf(run).staff.accessToken, timeoutMs: REQUEST_TIMEOUT_MS });
}

function usersOf(run: SmokeRun): CheckUsers {
  if (!run.users) throw new Error('no throwaway users (their step did not run)');
  return run.users;
}

function changesOf(run: SmokeRun): StatusChanges {
  if (!run.changes) throw new Error('no subscription (its step did not run)');
  return run.changes;
}

function bookedOf(run: SmokeRun): Appointment {
  if (!run.booked) throw new Error('no appointment (the booking step did not run)');
  return run.booked;
}

function describeErrors(answer: GraphqlResponse<unknown>): string {
  return (
    (answer.errors ?? []).map((error) => `${error.errorType ?? 'Error'}: ${error.message}`).join('; ') || `HTTP ${answer.status}, no data`
  );
}

if (require.main === module) runAsCommand(smokeMain);
