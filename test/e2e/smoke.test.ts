import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'mysql2/promise';
import { deploymentChecks, isCheckSlot } from '../../core/domain/reserved-check-slots';
import type { CountryISO } from '../../core/graphql/types.generated';
import { optionalStackOutputs, stackOutputs } from '../../infra/stack-outputs';
import { LocalCheckIdentity } from '../../local/operators/check-identity';
import { LocalOutboxEvidence, type EmailEvidence } from '../../local/operators/confirmation-email';
import type { OperatorIo } from '../../local/operators/operator-io';
import { DELETE_USERS_STEP, deployedEmailEvidence, runSmoke, smokeMain, smokeSteps, type SmokeTarget } from '../../local/operators/smoke';
import { localInsuredAddress } from '../../local/identity/user-pool-accounts';
import { AwsServiceError, type PublishInput, type RouterEvent } from '../../local/router/router';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { stackStateOf, writeStackState } from '../../local/stack-state';
import { describeWithMysql, slotRows, testMysqlUrl, testPool } from '../support/mysql';
import { npmRun } from '../support/operator-commands';
import { storedItems } from './client';

const STEPS = [...smokeSteps.map((step) => step.name), DELETE_USERS_STEP];
const EMAIL_STEP = smokeSteps.length;
/** A failing step may wait a minute for a status change before it says so. */
const CHECK_TIMEOUT_MS = 120_000;

/** `npm run smoke` against a local stack: every step for real, over HTTP and the realtime websocket. */
describeWithMysql('npm run smoke: one command proves the local stack works', () => {
  let stack: LocalStack;
  let pool: Pool;
  let stateDir: string;
  /** While set, SNS refuses every booking's publish, as when it is down: a broken stack. */
  let snsDown = false;

  beforeAll(async () => {
    const refusePublish = (input: PublishInput) =>
      snsDown && (input.Message ?? '').includes('"AppointmentRequested"')
        ? new AwsServiceError('InternalError', 'SNS is down (fault injected)', 500)
        : undefined;
    stack = await startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, mysqlUrl: testMysqlUrl, hooks: { refusePublish } });
    pool = testPool();
    stateDir = await mkdtemp(join(tmpdir(), 'smoke-state-'));
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await pool?.end();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  function printedIo() {
    const printed = { stdout: '', stderr: '' };
    const io: OperatorIo = {
      stack: () => Promise.resolve(stackStateOf(stack)),
      stdout: (text) => (printed.stdout += text),
      stderr: (text) => (printed.stderr += text),
    };
    return { io, printed };
  }

  async function smoke(argv: string[] = []) {
    const { io, printed } = printedIo();
    return { code: await smokeMain(argv, io), ...printed };
  }

  /** The check against this stack, the email read where `emailEvidence` says: as `npm run smoke` runs it, with another proof of the email. */
  async function smokeProvingEmailWith(emailEvidence: EmailEvidence) {
    const { io, printed } = printedIo();
    const target: SmokeTarget = {
      description: 'the local stack (test)',
      endpoints: { graphqlUrl: stack.graphqlUrl, realtimeUrl: stack.realtimeUrl },
      identity: new LocalCheckIdentity(stack.issuer),
      emailEvidence,
      close: () => undefined,
    };
    return { code: await runSmoke(target, 'PE', io), ...printed };
  }

  /** The slot and the appointment a run printed. */
  function bookingOf(stdout: string): { scheduleId: number; countryISO: CountryISO; appointmentId: string | undefined } {
    const slot = /slot (\d+) in (PE|CL)/.exec(stdout);
    if (!slot?.[1] || !slot[2]) throw new Error(`No slot printed in:\n${stdout}`);
    return {
      scheduleId: Number(slot[1]),
      countryISO: slot[2] as CountryISO,
      appointmentId: /appointment ([0-9A-Z]{26})/.exec(stdout)?.[1],
    };
  }

  it(
    'given a working stack, when an operator runs it, then every step passes and is printed with its time, and only the cancelled appointment is left',
    async () => {
      // When the check runs against the stack
      const { code, stdout, stderr } = await smoke(['--country', 'CL']);

      // Then every step passed, in order, each with its time (a failure shows what was printed)
      expect(stdout).toContain('Smoke check passed');
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const passed = [...stdout.matchAll(/PASS (\d)\/(\d) (.+) \((\d+) ms\): /g)].map((match) => match[3]);
      expect(passed).toEqual(STEPS);
      // And it booked a slot reserved for checks, in the country asked for
      const { scheduleId, countryISO, appointmentId } = bookingOf(stdout);
      expect(isCheckSlot(scheduleId)).toBe(true);
      expect(countryISO).toBe('CL');
      // And its email step read the local outbox: SES accepted one Spanish confirmation of that appointment, to the check insured person's local address
      const address = localInsuredAddress(deploymentChecks.insuredId);
      const subject = `Cita confirmada: espacio N.º ${scheduleId} (código ${appointmentId})`;
      expect(stdout).toMatch(
        new RegExp(
          `PASS ${EMAIL_STEP}/8 [^\\n]*: the local SES accepted "${subject.replace(/[.()]/g, '\\$&')}" to ${address} \\(message id `,
        ),
      );
      const confirmations = (await stack.sentEmails()).filter((email) => email.subject === subject);
      expect(confirmations.map((email) => email.destination.to)).toEqual([[address]]);
      expect(confirmations[0]?.body.text).toContain(appointmentId);
      // And what is left is the appointment CANCELLED and its country row CANCELLED, the slot free
      const stored = (await storedItems(stack, deploymentChecks.insuredId)).filter((item) => item.scheduleId === scheduleId);
      expect(stored).toEqual([expect.objectContaining({ appointmentId, status: 'CANCELLED' })]);
      expect(await slotRows(pool, 'CL', scheduleId)).toEqual([{ appointment_id: appointmentId, status: 'CANCELLED' }]);
    },
    CHECK_TIMEOUT_MS,
  );

  it('given SNS refuses the booking, when the check runs, then it exits 1 naming the booking step, skips the rest, still runs the clean-up and stores nothing', async () => {
    // Given a stack whose SNS is down
    snsDown = true;
    const events: RouterEvent[] = [];
    const listen = (event: RouterEvent) => events.push(event);
    stack.router.on('event', listen);
    try {
      // When the check runs
      const { code, stdout, stderr } = await smoke();

      // Then it fails at the booking, says why, and the steps after it are skipped but the users' deletion runs
      const failing = smokeSteps[3]?.name ?? '';
      expect(code).toBe(1);
      expect(stderr).toBe(`Smoke check FAILED at step "${failing}".\n`);
      expect(stdout).toContain(`FAIL 4/8 ${failing}`);
      expect(stdout).toMatch(/the booking was refused: SchedulingUnavailableError/);
      expect(stdout).toMatch(/SKIP 5\/8 .*\n.*SKIP 6\/8 .*\n.*SKIP 7\/8 [^\n]*email\n/);
      expect(stdout).toMatch(new RegExp(`PASS 8/8 ${DELETE_USERS_STEP}`));
      // And nothing was stored or handed to a country for the check's slot
      const { scheduleId, countryISO } = bookingOf(stdout);
      expect((await storedItems(stack, deploymentChecks.insuredId)).filter((item) => item.scheduleId === scheduleId)).toEqual([]);
      expect(await slotRows(pool, countryISO, scheduleId)).toEqual([]);
      const aboutTheSlot = (type: RouterEvent['type']) =>
        events.filter((event) => event.type === type && 'body' in event && event.body.includes(`"scheduleId":${scheduleId}`));
      expect(aboutTheSlot('publish-refused')).not.toEqual([]);
      expect(aboutTheSlot('published')).toEqual([]);
    } finally {
      snsDown = false;
      stack.router.off('event', listen);
    }
  });

  it(
    'given the insured person has no verified address, when the check runs, then no email reaches the outbox and it exits 1 naming the email step, once its wait is over',
    async () => {
      // Given the check insured person's account with an unverified address: the worker sends nothing
      stack.userPoolAccounts.setEmail(deploymentChecks.insuredId, {
        email: localInsuredAddress(deploymentChecks.insuredId),
        verified: false,
      });
      try {
        // When the check runs, waiting 3 s for the email
        const { code, stdout, stderr } = await smokeProvingEmailWith(new LocalOutboxEvidence(stack.emailUrl, 3_000));

        // Then every step before it passed, the email step failed saying where it looked and how long, and the users were still deleted
        const emailStep = STEPS[EMAIL_STEP - 1] ?? '';
        expect(code).toBe(1);
        expect(stderr).toBe(`Smoke check FAILED at step "${emailStep}".\n`);
        expect(stdout).toMatch(/PASS 6\/8 /);
        expect(stdout).toMatch(
          new RegExp(
            `FAIL ${EMAIL_STEP}/8 ${emailStep} \\(\\d+ ms\\): no confirmation email of appointment [0-9A-Z]{26} in the local SES's outbox \\(http://127\\.0\\.0\\.1:\\d+\\) within 3 s`,
          ),
        );
        expect(stdout).toMatch(new RegExp(`PASS 8/8 ${DELETE_USERS_STEP}`));
      } finally {
        stack.userPoolAccounts.setEmail(deploymentChecks.insuredId, {
          email: localInsuredAddress(deploymentChecks.insuredId),
          verified: true,
        });
      }
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    'given a deployed stack checked without --email, when its email step comes, then it is printed as SKIP with why and how to prove it, and the summary says it was not proven',
    async () => {
      // Given the email proof a deployed check has without --email (here against the local stack's API)
      const outputs = {
        [stackOutputs.graphqlUrl]: stack.graphqlUrl,
        [stackOutputs.realtimeUrl]: stack.realtimeUrl,
        [stackOutputs.region]: 'us-east-1',
        [stackOutputs.userPoolId]: 'us-east-1_Checks',
        [stackOutputs.smokeCheckClientId]: 'smoke-check-client',
        [stackOutputs.staffGroupName]: 'agents',
        [optionalStackOutputs.notificationWorkerLogGroup]: '/aws/lambda/notification-worker',
      };
      const noLogReads = {
        notificationWorkerLog: () => {
          throw new Error('a check without --email reads no log');
        },
      };
      const withoutEmail = deployedEmailEvidence('AppointmentsStack', outputs, undefined, noLogReads);

      // When the check runs
      const { code, stdout, stderr } = await smokeProvingEmailWith(withoutEmail);

      // Then the email step is skipped, never passed, saying why and how to enable it; the check passes otherwise
      const emailStep = STEPS[EMAIL_STEP - 1] ?? '';
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).not.toContain(`PASS ${EMAIL_STEP}/8`);
      expect(stdout).toMatch(
        new RegExp(
          `SKIP ${EMAIL_STEP}/8 ${emailStep} \\(\\d+ ms\\): not proven: the check's insured person has no verified address.*run again with --email`,
        ),
      );
      expect(stdout).toContain(`Smoke check passed: the local stack (test) works end to end; NOT proven (skipped): "${emailStep}".`);
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    'given `npm start` is running, when an operator types `npm run smoke`, then it finds the stack through its state file and passes',
    async () => {
      // Given the state file `npm start` writes
      const stateFile = join(stateDir, 'running-stack.json');
      await writeStackState(stackStateOf(stack), stateFile);

      // When the command runs in another process
      const { code, stdout } = await npmRun('smoke', [], stateFile);

      // Then it passes, printing each step
      expect(stdout).toContain('Smoke check passed');
      expect(code).toBe(0);
      for (const [index, name] of STEPS.entries()) expect(stdout).toContain(`PASS ${index + 1}/${STEPS.length} ${name}`);
    },
    CHECK_TIMEOUT_MS,
  );
});
