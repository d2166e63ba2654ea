import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { slotReadModel } from '../../core/config/slot-read-model';
import { countryRoute, topology } from '../../core/config/topology';
import { localDynamoDbClient } from '../../local/dynamodb/dynalite';
import { startThrowawayMysql, type MysqlServer } from '../../local/mysql/mysql-server';
import type { OperatorIo } from '../../local/operators/operator-io';
import { reconcileMain } from '../../local/operators/reconcile';
import { redriveMain } from '../../local/operators/redrive';
import type { RouterEvent } from '../../local/router/router';
import type { LocalStack } from '../../local/stack';
import { NoRunningStackError, readStackState, stackStateOf, writeStackState, type LocalStackState } from '../../local/stack-state';
import { given } from '../steps';
import { npmRun } from '../support/operator-commands';
import {
  bookAppointments,
  describeWithOwnMysql,
  printCounts,
  publishTheSlotsToBook,
  startReliabilityStack,
  type SuiteCounts,
} from './support';

/** A tool's main run against `stack`, with what it printed. */
async function run(
  main: (argv: readonly string[], io: OperatorIo) => Promise<number>,
  argv: string[],
  stack: () => Promise<LocalStackState>,
) {
  const printed = { stdout: '', stderr: '' };
  const io: OperatorIo = { stack, stdout: (text) => (printed.stdout += text), stderr: (text) => (printed.stderr += text) };
  const code = await main(argv, io);
  return { code, ...printed };
}

// Reconciliation reads whole country schemas, so this suite has a MariaDB of its own.
describeWithOwnMysql('reliability: the operator tools, npm run redrive and npm run reconcile', () => {
  const startedAt = Date.now();
  const counts: SuiteCounts = { sent: 0, completed: 0, rows: 0, inDlq: 0, redriven: 0 };
  let mysql: MysqlServer;
  let stack: LocalStack;
  let state: () => Promise<LocalStackState>;
  let stateDir: string;
  /** Queues whose function is down: every invocation fails, as if it could not reach its database. */
  const down = new Set<string>();

  beforeAll(async () => {
    const started = await startThrowawayMysql();
    if (!started) throw new Error('This suite starts its own MariaDB from the binaries on PATH, and found none');
    mysql = started;
    stack = await startReliabilityStack({
      mysqlUrl: mysql.url,
      hooks: {
        aroundInvoke: (queue: string, event: SQSEvent, invoke: (event: SQSEvent) => Promise<unknown>) =>
          down.has(queue) ? Promise.reject(new Error(`The function of ${queue} is down (fault injected)`)) : invoke(event),
      },
    });
    // The slots of the suite's five bookings (indexes 0 to 4)
    await publishTheSlotsToBook(stack, { bookings: 5 });
    state = () => Promise.resolve(stackStateOf(stack));
    stateDir = await mkdtemp(join(tmpdir(), 'appointments-operator-'));
  }, 90_000);

  afterAll(async () => {
    counts.inDlq = [...topology.countryRoutes, topology.confirmations].reduce(
      (sum, queue) => sum + (stack?.router.deadLetters(queue.queueName).length ?? 0),
      0,
    );
    await stack?.stop();
    await mysql?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
    printCounts('operator-tools', counts, startedAt);
  });

  const deadLettered = (queue: string, appointmentId: string) =>
    stack.router.waitFor(
      (event: RouterEvent) => event.type === 'dead-lettered' && event.queue === queue && event.body.includes(appointmentId),
      20_000,
    );

  it('reconcile lists what is stuck, redrive moves it back, and reconcile then finds nothing', async () => {
    // Given one appointment completed, one stuck because its country worker is down, one because the completion worker is
    const [completed] = (await bookAppointments(stack, 1, 1)).accepted;
    await stack.router.waitForIdle(15_000);
    const countryDown = countryRoute('CL');
    const countryUp = countryRoute('PE');
    down.add(countryDown.queueName);
    down.add(topology.confirmations.queueName);
    const { accepted } = await bookAppointments(stack, 2, 2, { firstIndex: 1 });
    const stuckInCountry = accepted.find((appointment) => appointment.countryISO === countryDown.countryISO);
    const stuckUnconfirmed = accepted.find((appointment) => appointment.countryISO === countryUp.countryISO);
    if (!completed || !stuckInCountry || !stuckUnconfirmed) throw new Error('A booking was refused');
    await Promise.all([
      deadLettered(countryDown.queueName, stuckInCountry.appointmentId),
      deadLettered(topology.confirmations.queueName, stuckUnconfirmed.appointmentId),
    ]);
    down.clear();
    counts.sent += 3;

    // When reconcile runs with its default threshold, then with none
    const young = await run(reconcileMain, [], state);
    const found = await run(reconcileMain, ['--older-than', '0s'], state);

    // Then by default it leaves them alone: they are younger than the pipeline keeps retrying
    expect(young.code).toBe(0);
    expect(young.stdout).toMatch(/Checked 3 appointments .* against 2 country rows/);
    expect(young.stdout).toContain('Nothing to reconcile');
    // And with no threshold it lists both stuck appointments, and the SCHEDULED row whose appointment is not COMPLETED, and exits 1
    expect(found.code).toBe(1);
    const [pendingSection, rowSection] = found.stdout.split('Country rows whose appointment disagrees');
    expect(pendingSection).toContain(stuckInCountry.appointmentId);
    expect(pendingSection).toContain(stuckUnconfirmed.appointmentId);
    expect(rowSection).toMatch(new RegExp(`${stuckUnconfirmed.appointmentId} +${stuckUnconfirmed.countryISO} .* appointment PENDING`));
    expect(rowSection).not.toContain(stuckInCountry.appointmentId);
    expect(found.stdout).not.toContain(completed.appointmentId);
    expect(found.stdout).toContain('Found 3 to look into.');

    // When the workers are back and an operator redrives the country queue (by its own name) and the confirmation DLQ (by the DLQ's name)
    const countryRedrive = await run(redriveMain, [countryDown.queueName], state);
    const confirmationRedrive = await run(redriveMain, [topology.confirmations.deadLetterQueueName], state);
    await stack.router.waitForIdle(15_000);
    counts.redriven += 2;

    // Then each says what it moved, from where to where
    expect(countryRedrive).toMatchObject({ code: 0, stderr: '' });
    expect(countryRedrive.stdout).toContain(`Moved 1 message from ${countryDown.deadLetterQueueName} back to ${countryDown.queueName}:`);
    expect(countryRedrive.stdout).toContain(`appointment ${stuckInCountry.appointmentId}`);
    expect(confirmationRedrive.stdout).toContain(
      `Moved 1 message from ${topology.confirmations.deadLetterQueueName} back to ${topology.confirmations.queueName}:`,
    );
    expect(confirmationRedrive.stdout).toContain(`appointment ${stuckUnconfirmed.appointmentId}`);

    // And reconcile finds nothing any more, and exits 0
    const clean = await run(reconcileMain, ['--older-than', '0'], state);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/Checked 3 appointments .* against 3 country rows/);
    expect(clean.stdout).toContain('Nothing to reconcile');
    counts.completed += 3;
    counts.rows += 3;
  }, 90_000);

  it('redrive lists the DLQs when given no queue, says when there is nothing to move, and names the queues it knows', async () => {
    const listing = await run(redriveMain, [], state);
    const empty = await run(redriveMain, [topology.confirmations.queueName], state);
    const unknown = await run(redriveMain, ['appointments-xx'], state);

    expect(listing.code).toBe(2);
    for (const queue of [...topology.countryRoutes, topology.confirmations])
      expect(listing.stdout).toMatch(new RegExp(`${queue.deadLetterQueueName} +0 messages +\\(from ${queue.queueName}\\)`));
    expect(empty).toMatchObject({ code: 0, stdout: `Nothing to move: ${topology.confirmations.deadLetterQueueName} is empty.\n` });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No queue named appointments-xx; known: ');
    expect(unknown.stderr).toContain(topology.confirmations.deadLetterQueueName);
  });

  it('both tools tell the operator to run npm start when no stack is running', async () => {
    const noStack = () => Promise.reject(new NoRunningStackError('No local stack is running: start one with `npm start`.'));
    for (const main of [redriveMain, reconcileMain]) {
      const { code, stderr } = await run(main, main === redriveMain ? [topology.confirmations.queueName] : [], noStack);
      expect(code).toBe(1);
      expect(stderr).toContain('npm start');
    }
  });

  it('a state file left by a stack that was killed is not taken for a running stack', async () => {
    // Given the state file of an `npm start` whose process has exited without removing it
    const exited = spawn(process.execPath, ['-e', '']);
    await new Promise((done) => exited.once('exit', done));
    const stateFile = join(stateDir, 'left-behind.json');
    await writeStackState({ ...stackStateOf(stack), pid: exited.pid ?? 0 }, stateFile);

    // Then reading it says that stack has exited and how to start one
    await expect(readStackState(stateFile)).rejects.toThrow(
      new RegExp(`left by process ${exited.pid}, which has exited. Start one with \`npm start\``),
    );
  });

  it('npm run redrive and npm run reconcile find the running stack through its state file', async () => {
    // Given the state file `npm start` writes, describing this stack, and an appointment stuck in a DLQ
    const stateFile = join(stateDir, 'running-stack.json');
    await writeStackState(stackStateOf(stack), stateFile);
    const route = countryRoute('PE');
    down.add(route.queueName);
    const [stuck] = (await bookAppointments(stack, 1, 1, { firstIndex: 4 })).accepted;
    await deadLettered(route.queueName, stuck?.appointmentId ?? '');
    down.delete(route.queueName);
    counts.sent += 1;

    // When the operator runs the commands from another process
    const stuckFound = await npmRun('reconcile', ['--older-than', '0'], stateFile);
    const redrive = await npmRun('redrive', [route.deadLetterQueueName], stateFile);
    await stack.router.waitForIdle(15_000);
    const clean = await npmRun('reconcile', ['--older-than', '0'], stateFile);
    const noStack = await npmRun('reconcile', [], join(stateDir, 'no-such-file.json'));

    // Then they reached this stack: reconcile found the appointment, redrive moved it back, and it completed
    expect(stuckFound.code).toBe(1);
    expect(stuckFound.stdout).toContain(stuck?.appointmentId);
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toContain(
      `Moved 1 message from ${route.deadLetterQueueName} back to ${route.queueName}:\n  appointment ${stuck?.appointmentId}`,
    );
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/Checked 4 appointments .* against 4 country rows/);
    counts.redriven += 1;
    counts.completed += 1;
    counts.rows += 1;
    // And without a stack they say how to start one
    expect(noStack.code).toBe(1);
    expect(noStack.stderr).toContain('npm start');
  }, 60_000);

  it('reconcile lists slots whose read model has drifted from their country (missing, shown otherwise, an older version) once their change is older than the threshold', async () => {
    // Given three free slots of Peru's catalog, published by staff and stored by the pipeline in MySQL and the read model
    const [missing, shownTaken, older] = await given.catalogSlots(stack, 'PE', 3);
    if (!missing || !shownTaken || !older) throw new Error('Three slots were asked for');
    const documents = DynamoDBDocumentClient.from(localDynamoDbClient(stack.dynamodbEndpoint));
    const table = stack.slotsTableName;
    const Key = (scheduleId: number) => ({
      [slotReadModel.partitionKey]: `${slotReadModel.slotPrefix}PE#${scheduleId}`,
      [slotReadModel.sortKey]: slotReadModel.slotSortKey,
    });
    const itemOf = async (scheduleId: number): Promise<Record<string, unknown> | undefined> =>
      (await documents.send(new GetCommand({ TableName: table, Key: Key(scheduleId) }))).Item;
    const originals = await Promise.all([missing, shownTaken, older].map((slot) => itemOf(slot.scheduleId)));
    expect(originals.map((item) => [item?.availability, item?.version])).toEqual([
      ['FREE', 1],
      ['FREE', 1],
      ['FREE', 1],
    ]);
    try {
      // When something other than the pipeline writes the read model: one slot's item deleted, one shown TAKEN, one set a version back
      await documents.send(new DeleteCommand({ TableName: table, Key: Key(missing.scheduleId) }));
      await documents.send(new PutCommand({ TableName: table, Item: { ...originals[1], availability: 'TAKEN' } }));
      await documents.send(new PutCommand({ TableName: table, Item: { ...originals[2], version: 0 } }));
      const young = await run(reconcileMain, [], state);
      const found = await run(reconcileMain, ['--older-than', '0s'], state);

      // Then by default it leaves them alone: the slots were published moments ago, and a snapshot may still be on its way
      expect(young.code).toBe(0);
      expect(young.stdout).toMatch(/Checked \d+ slots of the read model \(DynamoDB\) against \d+ catalog slots\./);
      expect(young.stdout).toContain('Nothing to reconcile');
      // And with no threshold it lists each slot with both states and what differs, and exits 1
      expect(found.code).toBe(1);
      const [, slotSection] = found.stdout.split('Slots whose read model disagrees with their country (3)');
      expect(slotSection).toContain(topology.slotAvailability.deadLetterQueueName);
      expect(slotSection).toMatch(
        new RegExp(`PE  schedule ${missing.scheduleId}  country FREE v1 since \\S+  read model MISSING \\(missing\\)`),
      );
      expect(slotSection).toMatch(
        new RegExp(`PE  schedule ${shownTaken.scheduleId}  country FREE v1 since \\S+  read model TAKEN v1 \\(availability\\)`),
      );
      expect(slotSection).toMatch(
        new RegExp(`PE  schedule ${older.scheduleId}  country FREE v1 since \\S+  read model FREE v0 \\(version\\)`),
      );
    } finally {
      // The read model as the pipeline left it: reconcile agrees again
      await Promise.all(originals.map((item) => documents.send(new PutCommand({ TableName: table, Item: item }))));
      documents.destroy();
    }
    const clean = await run(reconcileMain, ['--older-than', '0s'], state);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('and the read model agrees with every catalog slot');
  }, 60_000);
});
