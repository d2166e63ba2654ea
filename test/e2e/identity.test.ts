import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { LOCAL_ISSUER, LocalTokenIssuer } from '../../local/identity/issuer';
import type { LocalStack } from '../../local/stack';
import { startLocalStack } from '../../local/stack';
import { describeWithMysql, testMysqlUrl } from '../support/mysql';
import { apiClient, newInsuredId, publishedDuring, storedItems } from './client';
import { newScheduleId } from '../support/slots';

/**
 * Who may call what, over HTTP against the local stack as clients call it: each
 * caller with its own credential, tokens from the stack's own user pool.
 */
describeWithMysql('identity: every caller sees and changes only what is theirs', () => {
  let stack: LocalStack;
  let scratch: string;

  beforeAll(async () => {
    stack = await startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, mysqlUrl: testMysqlUrl });
    scratch = await mkdtemp(join(tmpdir(), 'identity-test-'));
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  const asInsured = async (insuredId: string) => apiClient(stack, { token: await stack.issuer.issue({ insuredId }) });
  const asStaff = async () => apiClient(stack, { token: await stack.issuer.issue({ staff: true }) });

  it('an insured person books and lists their own appointments with their token', async () => {
    // Given an insured person signed in
    const insuredId = newInsuredId();
    const me = await asInsured(insuredId);

    // When they book for themselves and list
    const booked = await me.createAppointment({ insuredId, scheduleId: newScheduleId(), countryISO: 'PE' });
    const listed = await me.appointments(insuredId);

    // Then both are answered
    expect(booked.errors).toBeUndefined();
    expect(listed.data?.appointments.items).toEqual([expect.objectContaining({ appointmentId: booked.data?.createAppointment?.appointmentId })]);
  });

  it('an insured person cannot list another insured person\'s appointments, and the answer is the same whether that person has any', async () => {
    // Given insured A, insured B with an appointment, and insured C with none
    const [a, b, c] = [newInsuredId(), newInsuredId(), newInsuredId()];
    await (await asStaff()).createAppointment({ insuredId: b, scheduleId: newScheduleId(), countryISO: 'CL' });
    const insuredA = await asInsured(a);

    // When A lists B's and C's appointments
    const ofB = await insuredA.appointments(b);
    const ofC = await insuredA.appointments(c);

    // Then both are refused with errorType Unauthorized and no data, identically
    expect(ofB.data ?? null).toBeNull();
    expect(ofB.errors).toEqual([expect.objectContaining({ errorType: 'Unauthorized', message: expect.stringContaining('another insured person') as unknown })]);
    expect(ofC).toEqual(ofB);
  });

  it('an insured person cannot book in another\'s name: Unauthorized, nothing stored, nothing published', async () => {
    // Given insured A and insured B
    const [a, b] = [newInsuredId(), newInsuredId()];
    const insuredA = await asInsured(a);

    // When A books a slot for B
    let answer: Awaited<ReturnType<typeof insuredA.createAppointment>> | undefined;
    const published = await publishedDuring(stack, async () => {
      answer = await insuredA.createAppointment({ insuredId: b, scheduleId: newScheduleId(), countryISO: 'PE' });
    });

    // Then it is refused, and nothing was stored or handed to the pipeline
    expect(answer?.errors).toEqual([expect.objectContaining({ errorType: 'Unauthorized', path: ['createAppointment'] })]);
    expect(await storedItems(stack, b)).toEqual([]);
    expect(published).toEqual([]);
  });

  it.each([
    ['staff (agents group)', async () => asStaff()],
    ['the API key (developer)', () => Promise.resolve(apiClient(stack))],
  ])('%s may book and list for any insured person', async (_who, client) => {
    // Given someone acting for an insured person who is not them
    const insuredId = newInsuredId();
    const api = await client();

    // When they book and list for that person
    const booked = await api.createAppointment({ insuredId, scheduleId: newScheduleId(), countryISO: 'CL' });
    const listed = await api.appointments(insuredId);

    // Then both succeed
    expect(booked.errors).toBeUndefined();
    expect(listed.data?.appointments.items).toHaveLength(1);
  });

  describe('forged and stale tokens are refused before anything runs (HTTP 401, UnauthorizedException)', () => {
    const forgedTokens: [string, () => Promise<string>][] = [
      ['signed by another key', async () => (await LocalTokenIssuer.open(join(scratch, 'other-key.json'))).issue({ insuredId: '00012' })],
      ['unsigned (alg: none)', () => Promise.resolve(new UnsecuredJWT({ token_use: 'access', client_id: 'appointments-local-client', 'custom:insuredId': '00012' }).setIssuer(LOCAL_ISSUER).setExpirationTime('1h').encode())],
      [
        'with a changed claim (insuredId swapped, signature kept)',
        async () => {
          const [header, payload, signature] = (await stack.issuer.issue({ insuredId: '00012' })).split('.');
          const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
          return [header, Buffer.from(JSON.stringify({ ...claims, 'custom:insuredId': '00099' })).toString('base64url'), signature].join('.');
        },
      ],
      ['expired', () => stack.issuer.issue({ insuredId: '00012', lifetimeSeconds: -60 })],
      [
        'for another app client (audience)',
        async () => {
          const { kid, privateJwk } = JSON.parse(await readFile(stack.issuer.signingKeyFile, 'utf8')) as { kid: string; privateJwk: JWK };
          return new SignJWT({ token_use: 'id', aud: 'some-other-client', 'custom:insuredId': '00012' })
            .setProtectedHeader({ alg: 'RS256', kid })
            .setIssuer(LOCAL_ISSUER)
            .setIssuedAt()
            .setExpirationTime('1h')
            .sign(await importJWK(privateJwk, 'RS256'));
        },
      ],
    ];

    it.each(forgedTokens)('a token %s', async (_how, forge) => {
      // Given a token that AppSync would not accept
      const token = await forge();
      const insuredId = '00012';
      const storedBefore = (await storedItems(stack, insuredId)).length;

      // When it is used to book and to list
      const booking = await apiClient(stack, { token }).createAppointment({ insuredId, scheduleId: newScheduleId(), countryISO: 'PE' });
      const listing = await apiClient(stack, { token }).appointments(insuredId);

      // Then both are refused with 401 and nothing is stored
      for (const answer of [booking, listing]) {
        expect(answer.status).toBe(401);
        expect(answer.errors).toEqual([expect.objectContaining({ errorType: 'UnauthorizedException' })]);
      }
      expect(await storedItems(stack, insuredId)).toHaveLength(storedBefore);
    });
  });
});
