import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { localLogger } from '../../local/log';
import { LocalOneTimeSchedules, type DeadLetterEvent, type LocalOneTimeSchedulesOptions } from '../../local/scheduler/one-time-schedules';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:appointment-reminder';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/scheduler-invokes-reminder';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:reminders-dlq';
// The stand-in's clock stands still here, days before every schedule: its real timers never fire during a test.
const CLOCK = new Date('2027-01-10T12:00:00Z');

interface Harness {
  readonly schedules: LocalOneTimeSchedules;
  readonly client: SchedulerClient;
  readonly invocations: { targetArn: string; input: unknown }[];
  readonly logLines: Record<string, unknown>[];
}

const started: Harness[] = [];

async function start(options: Partial<LocalOneTimeSchedulesOptions> = {}): Promise<Harness> {
  const invocations: Harness['invocations'] = [];
  const logLines: Record<string, unknown>[] = [];
  const schedules = new LocalOneTimeSchedules({
    invoke: (targetArn, input) => {
      invocations.push({ targetArn, input });
      return Promise.resolve();
    },
    logger: localLogger('local-one-time-schedules', (line) => logLines.push(JSON.parse(line) as Record<string, unknown>)),
    now: () => CLOCK,
    retryDelayMs: 1,
    ...options,
  });
  const url = await schedules.listen();
  const client = new SchedulerClient({
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const harness = { schedules, client, invocations, logLines };
  started.push(harness);
  return harness;
}

afterEach(async () => {
  for (const { schedules, client } of started.splice(0)) {
    client.destroy();
    await schedules.stop();
  }
});

const reminder = (overrides: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput => ({
  Name: 'reminder-01JD00000000000000000000AA',
  GroupName: 'appointment-reminders',
  ScheduleExpression: 'at(2027-01-15T09:30:00)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: JSON.stringify({ appointmentId: '01JD00000000000000000000AA' }) },
  ...overrides,
});

/** The error a call failed with, for its `name`. */
async function failure(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('The call succeeded');
}

describe('one-time schedules through the real SchedulerClient (LocalOneTimeSchedules)', () => {
  it('given a schedule at 09:30:00 UTC, when time reaches 09:29:59, then nothing fires; at 09:30:00 its target gets its input once', async () => {
    const { schedules, client, invocations } = await start();

    const created = await client.send(new CreateScheduleCommand(reminder()));

    expect(created.ScheduleArn).toBe(
      'arn:aws:scheduler:us-east-1:000000000000:schedule/appointment-reminders/reminder-01JD00000000000000000000AA',
    );
    await expect(schedules.fireDue(new Date('2027-01-15T09:29:59Z'))).resolves.toBe(0);
    expect(invocations).toEqual([]);
    await expect(schedules.fireDue(new Date('2027-01-15T09:30:00Z'))).resolves.toBe(1);
    expect(invocations).toEqual([{ targetArn: FUNCTION_ARN, input: { appointmentId: '01JD00000000000000000000AA' } }]);
    await expect(schedules.fireDue(new Date('2027-01-16T00:00:00Z'))).resolves.toBe(0);
    expect(invocations).toHaveLength(1);
  });

  it('given a schedule, when created again under the same name and group, then ConflictException; another group takes the name', async () => {
    const { client, schedules } = await start();
    await client.send(new CreateScheduleCommand(reminder()));

    const error = await failure(client.send(new CreateScheduleCommand(reminder({ ScheduleExpression: 'at(2027-01-16T09:30:00)' }))));

    expect(error.name).toBe('ConflictException');
    await client.send(new CreateScheduleCommand(reminder({ GroupName: 'other-group' })));
    expect(schedules.schedules().map((schedule) => schedule.group)).toEqual(['appointment-reminders', 'other-group']);
  });

  it('given a schedule, when updated to a later time, then it does not fire at the old time but at the new one', async () => {
    const { client, schedules, invocations } = await start();
    await client.send(new CreateScheduleCommand(reminder()));

    await client.send(new UpdateScheduleCommand(reminder({ ScheduleExpression: 'at(2027-01-20T16:00:00)' })));

    const read = await client.send(new GetScheduleCommand({ Name: reminder().Name, GroupName: 'appointment-reminders' }));
    expect(read).toMatchObject({ ScheduleExpression: 'at(2027-01-20T16:00:00)', ScheduleExpressionTimezone: 'UTC', State: 'ENABLED' });
    expect(read.CreationDate).toEqual(CLOCK);
    await expect(schedules.fireDue(new Date('2027-01-15T09:30:00Z'))).resolves.toBe(0);
    await expect(schedules.fireDue(new Date('2027-01-20T16:00:00Z'))).resolves.toBe(1);
    expect(invocations).toHaveLength(1);
  });

  it('given no such schedule, when updated, then ResourceNotFoundException', async () => {
    const { client } = await start();

    const error = await failure(client.send(new UpdateScheduleCommand(reminder())));

    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('given a schedule, when deleted, then it is gone and never fires; a second delete gets ResourceNotFoundException', async () => {
    const { client, schedules, invocations } = await start();
    await client.send(new CreateScheduleCommand(reminder()));
    const name = { Name: reminder().Name, GroupName: 'appointment-reminders' };

    await client.send(new DeleteScheduleCommand(name));

    expect(schedules.schedules()).toEqual([]);
    expect((await failure(client.send(new GetScheduleCommand(name)))).name).toBe('ResourceNotFoundException');
    expect((await failure(client.send(new DeleteScheduleCommand(name)))).name).toBe('ResourceNotFoundException');
    await expect(schedules.fireDue(new Date('2027-02-01T00:00:00Z'))).resolves.toBe(0);
    expect(invocations).toEqual([]);
  });

  it('given ActionAfterCompletion DELETE, when it has fired, then the schedule is gone', async () => {
    const { client, schedules } = await start();
    await client.send(new CreateScheduleCommand(reminder({ ActionAfterCompletion: 'DELETE' })));

    await schedules.fireDue(new Date('2027-01-15T09:30:00Z'));

    expect(schedules.schedules()).toEqual([]);
    const error = await failure(client.send(new GetScheduleCommand({ Name: reminder().Name, GroupName: 'appointment-reminders' })));
    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('given ActionAfterCompletion NONE (the default), when it has fired, then it is kept, done, and does not fire again', async () => {
    const { client, schedules, invocations } = await start();
    await client.send(new CreateScheduleCommand(reminder()));

    await schedules.fireDue(new Date('2027-01-15T09:30:00Z'));

    expect(schedules.schedules()).toMatchObject([{ name: reminder().Name, actionAfterCompletion: 'NONE', fired: true }]);
    const read = await client.send(new GetScheduleCommand({ Name: reminder().Name, GroupName: 'appointment-reminders' }));
    expect(read.ActionAfterCompletion).toBe('NONE');
    await expect(schedules.fireDue(new Date('2027-12-31T00:00:00Z'))).resolves.toBe(0);
    expect(invocations).toHaveLength(1);
  });

  it('given 10:30:15 in Santiago and in Lima in January, then they fire at 13:30:15Z (UTC-3, Chilean summer) and 15:30:15Z (UTC-5)', async () => {
    const { client, schedules, invocations } = await start();
    const at = 'at(2027-01-15T10:30:15)';
    await client.send(
      new CreateScheduleCommand(reminder({ Name: 'cl', ScheduleExpression: at, ScheduleExpressionTimezone: 'America/Santiago' })),
    );
    await client.send(
      new CreateScheduleCommand(reminder({ Name: 'pe', ScheduleExpression: at, ScheduleExpressionTimezone: 'America/Lima' })),
    );

    expect(schedules.schedules().map(({ name, at: instant }) => [name, instant?.toISOString()])).toEqual([
      ['cl', '2027-01-15T13:30:15.000Z'],
      ['pe', '2027-01-15T15:30:15.000Z'],
    ]);
    await expect(schedules.fireDue(new Date('2027-01-15T13:30:14Z'))).resolves.toBe(0);
    await expect(schedules.fireDue(new Date('2027-01-15T13:30:15Z'))).resolves.toBe(1);
    await expect(schedules.fireDue(new Date('2027-01-15T15:30:14Z'))).resolves.toBe(0);
    await expect(schedules.fireDue(new Date('2027-01-15T15:30:15Z'))).resolves.toBe(1);
    expect(invocations).toHaveLength(2);
  });

  it('given a target whose invocation keeps failing (throttled), when it fires, then it is retried MaximumRetryAttempts times and dead-lettered with the failure', async () => {
    let calls = 0;
    const deadLetters: { queueArn: string; message: DeadLetterEvent }[] = [];
    const { client, schedules, logLines } = await start({
      invoke: () => {
        calls += 1;
        return Promise.reject(Object.assign(new Error('function error'), { name: 'TooManyRequestsException' }));
      },
      sendDeadLetter: (queueArn, message) => deadLetters.push({ queueArn, message }),
    });
    const target = { ...reminder().Target!, RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: DLQ_ARN } };
    await client.send(new CreateScheduleCommand(reminder({ Target: target, ActionAfterCompletion: 'DELETE' })));

    await schedules.fireDue(new Date('2027-01-15T09:30:00Z'));

    expect(calls).toBe(3);
    expect(logLines.filter((line) => line.level === 'WARN')).toHaveLength(2);
    expect(logLines.filter((line) => line.level === 'ERROR')).toEqual([
      expect.objectContaining({ schedule: reminder().Name, attempt: 3, error: 'function error', deadLetterQueue: DLQ_ARN }),
    ]);
    // The dead-letter event: the target's input as the body, the failure in attributes
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.queueArn).toBe(DLQ_ARN);
    expect(deadLetters[0]?.message.body).toBe(reminder().Target!.Input);
    const { EXECUTION_ID: executionId, ...attributes } = Object.fromEntries(
      Object.entries(deadLetters[0]!.message.attributes).map(([name, value]) => [name, value.stringValue]),
    );
    expect(executionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(attributes).toEqual({
      ERROR_CODE: 'TooManyRequestsException',
      ERROR_MESSAGE: 'function error',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      IS_PAYLOAD_TRUNCATED: 'false',
      RETRY_ATTEMPTS: '2',
      SCHEDULED_TIME: '2027-01-15T09:30:00Z',
      SCHEDULE_ARN: `arn:aws:scheduler:us-east-1:000000000000:schedule/appointment-reminders/${reminder().Name}`,
      TARGET_ARN: reminder().Target!.Arn,
    });
    // Done either way: DELETE removes it after the last attempt.
    expect(schedules.schedules()).toEqual([]);
  });

  it('given a target that does not exist, when it fires, then it is not retried: dead-lettered at once, with no retry condition', async () => {
    let calls = 0;
    const deadLetters: { queueArn: string; message: DeadLetterEvent }[] = [];
    const { client, schedules } = await start({
      invoke: () => {
        calls += 1;
        return Promise.reject(Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' }));
      },
      sendDeadLetter: (queueArn, message) => deadLetters.push({ queueArn, message }),
    });
    const target = { ...reminder().Target!, RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: DLQ_ARN } };
    await client.send(new CreateScheduleCommand(reminder({ Target: target })));

    await schedules.fireDue(new Date('2027-01-15T09:30:00Z'));

    expect(calls).toBe(1);
    const attributes = Object.fromEntries(
      Object.entries(deadLetters[0]!.message.attributes).map(([name, value]) => [name, value.stringValue]),
    );
    expect(attributes).toMatchObject({ ERROR_CODE: 'ResourceNotFoundException', RETRY_ATTEMPTS: '0' });
    expect(attributes).not.toHaveProperty('EXHAUSTED_RETRY_CONDITION');
  });

  it('given no RetryPolicy (AWS: 185 retries), when invoke keeps failing, then the local cap of 3 retries applies', async () => {
    let calls = 0;
    const { client, schedules } = await start({
      invoke: () => {
        calls += 1;
        return Promise.reject(new Error('function error'));
      },
    });
    await client.send(new CreateScheduleCommand(reminder()));

    await schedules.fireDue(new Date('2027-01-15T09:30:00Z'));

    expect(calls).toBe(4);
  });

  it('given an invoke that fails once, when it fires, then the retry delivers it and nothing is dropped', async () => {
    let calls = 0;
    const { client, schedules, logLines } = await start({
      invoke: () => (++calls === 1 ? Promise.reject(new Error('throttled')) : Promise.resolve()),
    });
    await client.send(new CreateScheduleCommand(reminder()));

    await schedules.fireDue(new Date('2027-01-15T09:30:00Z'));

    expect(calls).toBe(2);
    expect(logLines.filter((line) => line.level === 'ERROR')).toEqual([]);
  });

  it('given a rate() or malformed expression, a bad zone or date, when created, then ValidationException naming the expression', async () => {
    const { client } = await start();

    const rate = await failure(client.send(new CreateScheduleCommand(reminder({ ScheduleExpression: 'rate(5 minutes)' }))));
    const badDate = await failure(client.send(new CreateScheduleCommand(reminder({ ScheduleExpression: 'at(2027-02-30T10:00:00)' }))));
    const badZone = await failure(client.send(new CreateScheduleCommand(reminder({ ScheduleExpressionTimezone: 'America/Nowhere' }))));

    expect(rate).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('rate(5 minutes)') as unknown });
    expect(badDate).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('at(2027-02-30T10:00:00)') as unknown });
    expect(badZone).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('America/Nowhere') as unknown });
  });

  it('given 00:30 on the Sunday Chile moves its clocks forward, when created, then it is held with no instant, warned about, and never fires', async () => {
    const { client, schedules, invocations, logLines } = await start();

    await client.send(
      new CreateScheduleCommand(
        reminder({ ScheduleExpression: 'at(2026-09-06T00:30:00)', ScheduleExpressionTimezone: 'America/Santiago' }),
      ),
    );

    expect(schedules.schedules()).toMatchObject([{ name: reminder().Name, at: undefined }]);
    expect(logLines.filter((line) => line.level === 'WARN')).toHaveLength(1);
    await expect(schedules.fireDue(new Date('2027-12-31T00:00:00Z'))).resolves.toBe(0);
    expect(invocations).toEqual([]);
  });

  it('given a disabled schedule, when its time passes, then it does not fire', async () => {
    const { client, schedules, invocations } = await start();
    await client.send(new CreateScheduleCommand(reminder({ State: 'DISABLED' })));

    await expect(schedules.fireDue(new Date('2027-02-01T00:00:00Z'))).resolves.toBe(0);

    expect(invocations).toEqual([]);
    // stop() may be called more than once (the stack's cleanups, then afterEach here).
    await schedules.stop();
    await expect(schedules.stop()).resolves.toBeUndefined();
  });

  it('given the real timers and a clock 50 ms before the schedule, when the time comes, then it fires without fireDue', async () => {
    const fireAt = new Date('2027-01-15T09:30:00Z').getTime();
    const startedAt = Date.now();
    const { client, invocations } = await start({ now: () => new Date(fireAt - 50 + (Date.now() - startedAt)) });

    await client.send(new CreateScheduleCommand(reminder()));

    for (let waited = 0; invocations.length === 0 && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(invocations).toHaveLength(1);
  });
});
