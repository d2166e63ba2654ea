import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppointmentStatus, type Appointment, type CountryISO } from '../../core/domain/appointment';
import { AssetStaging } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { coldInvocation } from '../../local/bench/cold-invocations';
import { targets } from '../../local/bench/report';
import { bundleLikeTheStack, invokeFresh, measureFreshLoad, type Bundle } from '../../local/bench/cold-start';
import { LOCAL_REGION } from '../../local/dynamodb/dynalite';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { describeWithMysql, testMysqlUrl } from '../support/mysql';
import { given, type FreeSlots } from '../steps';
import { SENDER_EMAIL, synthesizeAppointmentsApp, SYNTHESIS_TIMEOUT_MS } from '../infra/synthesized-app';
import { apiClient, newInsuredId, pollUntil } from './client';

/**
 * The functions as `cdk deploy` ships them (infra/bundling.ts), not as the local stack runs them:
 * what a bundle leaves out (the `@aws-sdk/*` packages, all that the Lambda runtime promises, and the
 * parts of mysql2 our pool options never reach) must never be reached, and each bundle stays small.
 * Each fresh node sees `@aws-sdk` alone at the top level, so a bundle reaching for a `@smithy/*`
 * package, which no runtime promises, fails here.
 */
describeWithMysql('the functions as cdk deploy bundles them', () => {
  // The benchmark's budget, the one figure both check (local/bench/report.ts says why it is what it is).
  const BUNDLE_LIMIT_KB = targets.bundleKB;
  let stack: LocalStack;
  let bundleDir: string;
  let bundles: Bundle[];
  const completed = new Map<CountryISO, Appointment>();
  /** Free slots of the stack's catalogs: one in each country for the appointments it completes, and two of Lima's for each cold invocation (one it books, one it withdraws). */
  let slots: FreeSlots;
  const freshSlots = () => ({ toBook: slots.next('PE').scheduleId, toWithdraw: slots.next('PE').scheduleId });

  beforeAll(async () => {
    stack = await startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, mysqlUrl: testMysqlUrl });
    bundleDir = await mkdtemp(join(tmpdir(), 'deployed-bundles-'));
    bundles = await bundleLikeTheStack(bundleDir);
    slots = await given.freeSlotsIn(stack, { PE: 4 * bundles.length + 1, CL: 1 });
    // Given one appointment the local stack booked and completed in each country.
    const api = apiClient(stack);
    for (const countryISO of ['PE', 'CL'] as const) {
      const insuredId = newInsuredId();
      const booked = (await api.createAppointment({ insuredId, ...slots.next(countryISO) })).data?.createAppointment;
      if (!booked) throw new Error(`The ${countryISO} booking was refused`);
      const listed = await pollUntil(
        async () => (await api.appointments(insuredId)).data?.appointments.items[0],
        (item) => item?.status === AppointmentStatus.COMPLETED,
        20_000,
      );
      if (listed?.status !== AppointmentStatus.COMPLETED) throw new Error(`The ${countryISO} booking did not complete`);
      completed.set(countryISO, listed);
    }
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  });

  it(`given every deployed function, when bundled as the stack bundles it, then each bundle is at most ${BUNDLE_LIMIT_KB} KB`, () => {
    const oversized = bundles
      .filter((bundle) => bundle.bytes > BUNDLE_LIMIT_KB * 1024)
      .map((bundle) => `${bundle.id}: ${(bundle.bytes / 1024).toFixed(1)} KB`);
    expect(bundles.length).toBeGreaterThanOrEqual(9);
    expect(oversized).toEqual([]);
  });

  it(
    'given cdk synth bundling every function, when its assets are compared with the bundles checked here, then each is the same file, byte for byte',
    async () => {
      // With emails on, so that the stack bundles every function, the notification worker included.
      const synthesized = synthesizeAppointmentsApp({
        context: { 'aws:cdk:bundling-stacks': ['**'], senderEmail: SENDER_EMAIL },
        validateAgainstCloudFormationRules: false,
      });
      try {
        const functions = synthesized.stack.node
          .findAll()
          .filter((construct): construct is NodejsFunction => construct instanceof NodejsFunction);
        const compared: string[] = [];
        for (const fn of functions) {
          const staging = fn.node.findAll().find((construct): construct is AssetStaging => construct instanceof AssetStaging);
          const bundle = bundles.find((candidate) => candidate.id === fn.node.id);
          if (!staging || !bundle) continue;
          expect({
            id: fn.node.id,
            same: (await readFile(join(staging.absoluteStagedPath, 'index.js'))).equals(await readFile(bundle.file)),
          }).toEqual({ id: fn.node.id, same: true });
          compared.push(fn.node.id);
        }
        expect(compared.sort()).toEqual(bundles.map((bundle) => bundle.id).sort());
      } finally {
        synthesized.cleanup();
      }
    },
    SYNTHESIS_TIMEOUT_MS,
  );

  it('given each bundle, when a fresh node loads it with only @aws-sdk/* beside it, then it loads', async () => {
    for (const bundle of bundles) {
      const env = coldInvocation(bundle, stack, completed, freshSlots())?.env ?? { AWS_REGION: LOCAL_REGION };
      await expect(measureFreshLoad(bundle, env, 1)).resolves.toEqual({
        loadMs: expect.any(Number) as unknown,
        bareSdkLoadMs: expect.any(Number) as unknown,
      });
    }
  }, 60_000);

  it('given the functions the local stack runs, when a fresh node answers one invocation of each bundle against its stores, then none fails', async () => {
    const answered: string[] = [];
    for (const bundle of bundles) {
      const invocation = coldInvocation(bundle, stack, completed, freshSlots());
      // rescheduleAppointment has none (local/bench/cold-invocations.ts): its load is checked above.
      if (invocation?.event === undefined) continue;
      // The country workers book and read back through real MySQL; the completion worker signs its publish to AppSync.
      await invokeFresh(bundle, invocation.event, invocation.env);
      answered.push(bundle.id);
    }
    expect(answered.sort()).toEqual(
      [
        'Mutation.cancelAppointment',
        'Mutation.createAppointment',
        'Mutation.publishSlots',
        'Mutation.withdrawSlot',
        'Query.appointments',
        'Query.availableSlots',
        'Query.catalog',
        'Subscription.onAppointmentStatusChanged',
        'completionWorker',
        'countryWorker-CL',
        'countryWorker-PE',
        'notificationWorker',
        'reconciler',
        'reminderWorker',
        'slotProjector',
      ].sort(),
    );
  }, 60_000);
});
