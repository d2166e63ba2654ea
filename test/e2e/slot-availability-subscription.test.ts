import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { CountryISO, PublishSlotsInput, SlotAvailabilityChange } from '../../core/graphql/types.generated';
import { connectRealtime, type RealtimeConnection } from '../../local/realtime-client';
import type { LocalStack } from '../../local/stack';
import { given } from '../steps';
import { apiClient, pollUntil } from './client';

const AMPLIFY_APP = resolve(__dirname, 'amplify-availability-subscriber.ts');
const HEARD_WITHIN_MS = 20_000;

/** What one subscriber heard, in arrival order. */
interface Listener {
  readonly heard: SlotAvailabilityChange[];
  /** The changes heard of one doctor's slots, as `scheduleId availability` lines. */
  of(doctorId: string): string[];
}

const listener = (heard: SlotAvailabilityChange[]): Listener => ({
  heard,
  of: (doctorId) => heard.filter((change) => change.doctorId === doctorId).map((change) => `${change.scheduleId} ${change.availability}`),
});

/** The Amplify JS app in its own Node process over TLS, trusting the stack's CA as any Node app would; resolves once it is connected. */
async function anAmplifyApp(stack: LocalStack, countryISO: CountryISO, specialtyId: string): Promise<Listener & { app: ChildProcess }> {
  const app = spawn(process.execPath, ['--import', 'tsx', AMPLIFY_APP, stack.graphqlTlsUrl, stack.apiKey, countryISO, specialtyId], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: stack.caCertificateFile, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const heard: SlotAvailabilityChange[] = [];
  const connected = new Promise<void>((resolveConnected, reject) => {
    const deadline = setTimeout(() => reject(new Error('The Amplify app did not connect within 30 s')), 30_000);
    createInterface({ input: app.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as { event: string; change?: SlotAvailabilityChange; error?: string };
      if (line.event === 'connected') {
        clearTimeout(deadline);
        resolveConnected();
      } else if (line.event === 'data' && line.change) heard.push(line.change);
      else if (line.event === 'subscription-error') reject(new Error(`The Amplify app's subscription failed: ${line.error}`));
    });
  });
  try {
    await connected;
  } catch (error) {
    app.kill();
    throw error;
  }
  return { ...listener(heard), app };
}

/** A subscriber on AppSync's realtime protocol (the `?header=` query parameter), resolved once AppSync acknowledged it. */
async function aRealtimeSubscriber(
  connection: RealtimeConnection,
  variables: { countryISO: CountryISO; specialtyId?: string },
): Promise<Listener> {
  const heard: SlotAvailabilityChange[] = [];
  // specialtyId left out of the document, not sent as null: a null argument would hear nothing (see schema.graphql).
  const query = `subscription OnAvailability($countryISO: CountryISO!${variables.specialtyId ? ', $specialtyId: ID' : ''}) {
    onSlotAvailabilityChanged(countryISO: $countryISO${variables.specialtyId ? ', specialtyId: $specialtyId' : ''}) {
      countryISO specialtyId scheduleId availability startsAt centreId doctorId version
    }
  }`;
  await connection.subscribe<{ onSlotAvailabilityChanged?: SlotAvailabilityChange | null }>({ query, variables }, (data) => {
    if (data.onSlotAvailabilityChanged) heard.push(data.onSlotAvailabilityChanged);
  });
  return listener(heard);
}

/**
 * onSlotAvailabilityChanged over the local stack, as open availability views hear it: an Amplify JS app with the API
 * key following one specialty in Peru, an insured person's app with their token following all of Peru, and one
 * following Chile. Staff publish, someone books and cancels, and each view hears what it follows as it happens.
 * One stack on the test MySQL for the file; the specialty is this run's own, so only this file's slots are heard.
 */
describe('following slot availability in real time', () => {
  const specialty = { specialtyId: `esp-${randomUUID().slice(0, 8)}`, name: 'Cardiología (prueba)' };
  let stack: LocalStack;
  let staff: ReturnType<typeof apiClient>;
  let amplify: Listener & { app: ChildProcess };
  let insured: { insuredId: string; token: string; connection: RealtimeConnection; peru: Listener; chile: Listener };

  beforeAll(async () => {
    stack = await given.aLocalStack();
    staff = apiClient(stack, { token: await given.staff(stack) });
    const insuredId = given.anInsuredPerson();
    const token = await given.aSignedInInsuredPerson(stack, insuredId);
    const connection = await connectRealtime(stack, { Authorization: token });
    insured = {
      insuredId,
      token,
      connection,
      peru: await aRealtimeSubscriber(connection, { countryISO: 'PE' }),
      chile: await aRealtimeSubscriber(connection, { countryISO: 'CL' }),
    };
    amplify = await anAmplifyApp(stack, 'PE', specialty.specialtyId);
  }, 120_000);
  afterAll(async () => {
    amplify?.app.kill();
    await insured?.connection.close();
    await stack?.stop();
  });

  /** A doctor of this test alone: one morning session at a Lima centre, 10 days ahead (09:00, 09:20, 09:40). */
  function aDoctorsMorning(): PublishSlotsInput & { date: string } {
    const date = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const doctorId = `dr-${randomUUID().slice(0, 8)}`;
    return {
      date,
      countryISO: 'PE',
      centre: { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', peru: { district: 'Miraflores' } },
      specialty,
      doctor: { doctorId, name: `Dra. Prueba ${doctorId}` },
      sessions: [{ date, from: '09:00', to: '10:00', everyMinutes: 20 }],
    };
  }

  const hearing = (who: Listener, doctorId: string, count: number) =>
    pollUntil(
      () => Promise.resolve(who.of(doctorId)),
      (heard) => heard.length >= count,
      HEARD_WITHIN_MS,
    );

  it("given open availability views, when staff publish a doctor's morning, then the API key's Amplify app and the insured person's app hear each slot FREE at its Lima start, and the view of Chile hears none", async () => {
    // Given a doctor's morning in Lima
    const { date, ...morning } = aDoctorsMorning();

    // When staff publish it
    const published = await staff.publishSlots(morning);
    expect(published.errors).toBeUndefined();
    await hearing(amplify, morning.doctor.doctorId, 3);
    await hearing(insured.peru, morning.doctor.doctorId, 3);
    await stack.router.waitForIdle();

    // Then both Peruvian views hear the three slots FREE, with the ids and the start an app shows
    for (const view of [amplify, insured.peru]) {
      const heard = view.heard.filter((change) => change.doctorId === morning.doctor.doctorId);
      expect(heard.map((change) => change.startsAt).sort()).toEqual([
        `${date}T09:00:00-05:00`,
        `${date}T09:20:00-05:00`,
        `${date}T09:40:00-05:00`,
      ]);
      expect(heard).toEqual(
        Array.from({ length: 3 }, (): unknown =>
          expect.objectContaining({
            countryISO: 'PE',
            specialtyId: specialty.specialtyId,
            availability: 'FREE',
            centreId: 'pe-clinica-miraflores',
            version: 1,
          }),
        ),
      );
    }
    // And the view of Chile hears nothing of Peru's slots
    expect(insured.chile.heard).toEqual([]);
  });

  it('given a published slot, when an insured person books it and then cancels, then the views hear it TAKEN, then FREE again, and nothing of the slots left alone', async () => {
    // Given a doctor's morning, heard FREE
    const { date: _date, ...morning } = aDoctorsMorning();
    const { doctorId } = morning.doctor;
    await staff.publishSlots(morning);
    const [first] = await hearing(insured.peru, doctorId, 3);
    const scheduleId = Number(first?.split(' ')[0]);
    const insuredApi = apiClient(stack, { token: insured.token });

    // When the insured person books one of its slots
    const booked = await insuredApi.createAppointment({ insuredId: insured.insuredId, scheduleId, countryISO: 'PE' });
    expect(booked.errors).toBeUndefined();
    await hearing(insured.peru, doctorId, 4);
    await hearing(amplify, doctorId, 4);

    // And cancels it once heard taken
    const cancelled = await insuredApi.cancelAppointment(insured.insuredId, booked.data?.createAppointment?.appointmentId ?? '');
    expect(cancelled.errors).toBeUndefined();
    await hearing(insured.peru, doctorId, 5);
    await hearing(amplify, doctorId, 5);
    await stack.router.waitForIdle();

    // Then both views heard that slot FREE, TAKEN, FREE, in that order and newer each time, and the other two only FREE
    for (const view of [amplify, insured.peru]) {
      const ofBooked = view.heard.filter((change) => change.doctorId === doctorId && change.scheduleId === scheduleId);
      expect(ofBooked.map((change) => `${change.availability} v${change.version}`)).toEqual(['FREE v1', 'TAKEN v2', 'FREE v3']);
      expect(view.of(doctorId).filter((line) => !line.startsWith(`${scheduleId} `))).toEqual([
        expect.stringMatching(/ FREE$/),
        expect.stringMatching(/ FREE$/),
      ]);
    }
    expect(insured.chile.heard).toEqual([]);
  });
});
