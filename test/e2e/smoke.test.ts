import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'mysql2/promise';
import { deploymentChecks, isCheckSlot } from '../../core/deployment-checks';
import type { CountryISO } from '../../core/graphql/types.generated';
import type { OperatorIo } from '../../local/operators/operator-io';
import { DELETE_USERS_STEP, smokeMain, smokeSteps } from '../../local/operators/smoke';
import { AwsServiceError, type PublishInput, type RouterEvent } from '../../local/router/router';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { stackStateOf, writeStackState } from '../../local/stack-state';
import { describeWithMysql, slotRows, testMysqlUrl, testPool } from '../support/mysql';
import { npmRun } from '../support/operator-commands';
import { storedItems } from './client';

const STEPS = [...smokeSteps.map((step) => step.name), DELETE_USERS_STEP];
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
      snsDown && (input.Message ?? '').includes('"AppointmentRequested"') ? new AwsServiceError('InternalError', 'SNS is down (fault injected)', 500) : undefined;
    stack = await startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, mysqlUrl: testMysqlUrl, hooks: { refusePublish } });
    pool = testPool();
    stateDir = await mkdtemp(join(tmpdir(), 'smoke-state-'));
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await pool?.end();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  async function smoke(argv: string[] = []) {
    const printed = { stdout: '', stderr: '' };
    const io: OperatorIo = { stack: () => Promise.resolve(stackStateOf(stack)), stdout: (text) => (printed.stdout += text), stderr: (text) => (printed.stderr += text) };
    return { code: await smokeMain(argv, io), ...printed };
  }

  /** The slot and the appointment a run printed. */
  function bookingOf(stdout: string): { scheduleId: number; countryISO: CountryISO; appointmentId: string | undefined } {
    const slot = /slot (\d+) in (PE|CL)/.exec(stdout);
    if (!slot?.[1] || !slot[2]) throw new Error(`No slot printed in:\n${stdout}`);
    return { scheduleId: Number(slot[1]), countryISO: slot[2] as CountryISO, appointmentId: /appointment ([0-9A-Z]{26})/.exec(stdout)?.[1] };
  }

  it('given a working stack, when an operator runs it, then every step passes and is printed with its time, and only the cancelled appointment is left', async () => {
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
    // And what is left is the appointment CANCELLED and its country row CANCELLED, the slot free
    const stored = (await storedItems(stack, deploymentChecks.insuredId)).filter((item) => item.scheduleId === scheduleId);
    expect(stored).toEqual([expect.objectContaining({ appointmentId, status: 'CANCELLED' })]);
    expect(await slotRows(pool, 'CL', scheduleId)).toEqual([{ appointment_id: appointmentId, status: 'CANCELLED' }]);
  }, CHECK_TIMEOUT_MS);

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
      expect(stdout).toContain(`FAIL 4/7 ${failing}`);
      expect(stdout).toMatch(/the booking was refused: SchedulingUnavailableError/);
      expect(stdout).toMatch(/SKIP 5\/7 .*\n.*SKIP 6\/7/);
      expect(stdout).toMatch(new RegExp(`PASS 7/7 ${DELETE_USERS_STEP}`));
      // And nothing was stored or handed to a country for the check's slot
      const { scheduleId, countryISO } = bookingOf(stdout);
      expect((await storedItems(stack, deploymentChecks.insuredId)).filter((item) => item.scheduleId === scheduleId)).toEqual([]);
      expect(await slotRows(pool, countryISO, scheduleId)).toEqual([]);
      const aboutTheSlot = (type: RouterEvent['type']) => events.filter((event) => event.type === type && 'body' in event && event.body.includes(`"scheduleId":${scheduleId}`));
      expect(aboutTheSlot('publish-refused')).not.toEqual([]);
      expect(aboutTheSlot('published')).toEqual([]);
    } finally {
      snsDown = false;
      stack.router.off('event', listen);
    }
  });

  it('given `npm start` is running, when an operator types `npm run smoke`, then it finds the stack through its state file and passes', async () => {
    // Given the state file `npm start` writes
    const stateFile = join(stateDir, 'running-stack.json');
    await writeStackState(stackStateOf(stack), stateFile);

    // When the command runs in another process
    const { code, stdout } = await npmRun('smoke', [], stateFile);

    // Then it passes, printing each step
    expect(stdout).toContain('Smoke check passed');
    expect(code).toBe(0);
    for (const [index, name] of STEPS.entries()) expect(stdout).toContain(`PASS ${index + 1}/${STEPS.length} ${name}`);
  }, CHECK_TIMEOUT_MS);
});
