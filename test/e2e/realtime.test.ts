import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import type { LocalStack } from '../../local/stack';
import { startLocalStack } from '../../local/stack';
import { describeWithMysql, testMysqlUrl } from '../support/mysql';
import { given, type FreeSlots } from '../steps';
import { newInsuredId, pollUntil } from './client';

const AMPLIFY_APP = resolve(__dirname, 'amplify-subscriber.ts');
type AppLine = {
  event: string;
  subscribedId?: string;
  change?: { appointmentId: string; status: string };
  appointment?: { appointmentId: string; status: string };
  errors?: { errorType?: string }[];
};

/** Runs the Amplify JS app in its own Node process, trusting the stack's CA as any Node app would, until `done` or the deadline. */
async function runAmplifyApp(
  stack: LocalStack,
  args: string[],
  done: (lines: AppLine[]) => boolean,
  deadlineMs: number,
): Promise<AppLine[]> {
  const app = spawn(process.execPath, ['--import', 'tsx', AMPLIFY_APP, stack.graphqlTlsUrl, stack.apiKey, ...args], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: stack.caCertificateFile, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: AppLine[] = [];
  const finished = new Promise<void>((resolveFinished) => {
    const deadline = setTimeout(resolveFinished, deadlineMs);
    createInterface({ input: app.stdout }).on('line', (line) => {
      lines.push(JSON.parse(line) as AppLine);
      if (done(lines)) {
        clearTimeout(deadline);
        resolveFinished();
      }
    });
  });
  await finished;
  app.kill();
  return lines;
}

describeWithMysql("real time: subscribers hear their appointments' status changes as they are stored", () => {
  let stack: LocalStack;
  /** The Amplify app's two bookings: A's in Lima, B's in Santiago. */
  let slots: FreeSlots;

  beforeAll(async () => {
    stack = await startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, mysqlUrl: testMysqlUrl });
    slots = await given.freeSlotsIn(stack, { PE: 1, CL: 1 });
  }, 90_000);
  afterAll(() => stack?.stop());

  it('an Amplify JS v6 app over TLS books PENDING, hears COMPLETED for its insured person only, and cannot call the internal publish mutation', async () => {
    // Given an Amplify JS v6 app configured with the TLS endpoint, subscribed for insured A and insured B
    const [a, b] = [newInsuredId(), newInsuredId()];

    // When it books a slot for A, hears it, then books for B (its sentinel) and hears that too
    const heardBsOwn = (lines: AppLine[]) =>
      lines.some((line) => line.event === 'data' && line.subscribedId === b && line.change?.status === 'COMPLETED');
    const slotsOfTheApp = [slots.next('PE'), slots.next('CL')].map((slot) => String(slot.scheduleId));
    const lines = await runAmplifyApp(stack, [a, b, ...slotsOfTheApp], heardBsOwn, 30_000);

    // Then the booking answered PENDING, A's subscription heard that appointment COMPLETED, and B's heard
    // only B's own booking: a leak of A's change would have reached B before B's own later change
    const booked = lines.find((line) => line.event === 'booked')?.appointment;
    const bookedForB = lines.find((line) => line.event === 'booked-other')?.appointment;
    expect(booked).toEqual({ appointmentId: expect.any(String) as unknown, status: 'PENDING' });
    const heard = lines.filter((line) => line.event === 'data');
    expect(heard).toEqual([
      expect.objectContaining({
        subscribedId: a,
        change: expect.objectContaining({ appointmentId: booked?.appointmentId, status: 'COMPLETED', insuredId: a }) as unknown,
      }),
      expect.objectContaining({
        subscribedId: b,
        change: expect.objectContaining({ appointmentId: bookedForB?.appointmentId, status: 'COMPLETED', insuredId: b }) as unknown,
      }),
    ]);
    // And the app's try at the IAM-only publish mutation was refused
    expect(lines).toContainEqual(
      expect.objectContaining({ event: 'publish-refused', errors: [expect.objectContaining({ errorType: 'Unauthorized' })] }),
    );
    expect(lines.filter((line) => line.event === 'subscription-error')).toEqual([]);
  }, 45_000);

  it("over plain ws:// with the header query parameter (Apollo's subscription link), an insured person may follow only their own insuredId", async () => {
    // Given an insured person's token, sent as AppSync's realtime protocol carries it in the URL
    const insuredId = newInsuredId();
    const token = await stack.issuer.issue({ insuredId });
    const auth = { host: new URL(stack.graphqlUrl).host, Authorization: token };
    const socket = new WebSocket(`${stack.realtimeUrl}?header=${Buffer.from(JSON.stringify(auth)).toString('base64')}&payload=e30=`, [
      'graphql-ws',
    ]);
    const messages: { type: string; id?: string; payload?: { errors?: { errorType?: string }[] } }[] = [];
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as (typeof messages)[number]));
    await new Promise((opened) => socket.once('open', opened));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    const start = (id: string, subscribedId: string) =>
      socket.send(
        JSON.stringify({
          id,
          type: 'start',
          payload: {
            data: JSON.stringify({
              query: `subscription { onAppointmentStatusChanged(insuredId: "${subscribedId}") { appointmentId status } }`,
            }),
            extensions: { authorization: auth },
          },
        }),
      );

    // When they subscribe to their own insuredId and to someone else's
    start('own', insuredId);
    start('other', newInsuredId());
    await pollUntil(
      () => Promise.resolve(messages),
      (seen) =>
        seen.some((message) => message.type === 'start_ack' && message.id === 'own') &&
        seen.some((message) => message.type === 'error' && message.id === 'other'),
      10_000,
    );
    socket.close();

    // Then the connection is acknowledged, their own subscription starts, and the other is refused as Unauthorized
    expect(messages).toContainEqual(expect.objectContaining({ type: 'connection_ack' }));
    expect(messages).toContainEqual({ type: 'start_ack', id: 'own' });
    expect(messages).toContainEqual(
      expect.objectContaining({
        type: 'error',
        id: 'other',
        payload: { errors: [expect.objectContaining({ errorType: 'Unauthorized' })] },
      }),
    );
  });

  it('a realtime connection with a forged token is refused at connection_init', async () => {
    // Given a token that is not signed by the stack's user pool
    const auth = { host: new URL(stack.graphqlUrl).host, Authorization: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' };
    const socket = new WebSocket(`${stack.realtimeUrl}?header=${Buffer.from(JSON.stringify(auth)).toString('base64')}&payload=e30=`, [
      'graphql-ws',
    ]);
    const messages: { type: string; payload?: { errors?: { errorType?: string }[] } }[] = [];
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as (typeof messages)[number]));
    await new Promise((opened) => socket.once('open', opened));

    // When the client initialises the connection
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((closed) => socket.once('close', closed));

    // Then it gets a connection_error naming UnauthorizedException and the socket closes
    expect(messages).toEqual([
      { type: 'connection_error', payload: { errors: [expect.objectContaining({ errorType: 'UnauthorizedException' })] } },
    ]);
  });
});
