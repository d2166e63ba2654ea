import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { LOCAL_ISSUER, LocalTokenIssuer } from '../../local/identity/issuer';
import type { LocalStack } from '../../local/stack';
import { describeWithMysql } from '../support/mysql';
import { given, http, then, when, type FreeSlots } from '../steps';
import { storedItems } from './client';

/**
 * Who may call what, over HTTP against the local stack as clients call it: each
 * caller with its own credential, tokens from the stack's own user pool.
 */
describeWithMysql('identity: every caller sees and changes only what is theirs', () => {
  let stack: LocalStack;
  let scratch: string;
  /** Each test's slot: in Lima for the owner's booking, the one in another's name and each forged token (7), in Santiago for staff's and the API key's (3). */
  let slots: FreeSlots;

  beforeAll(async () => {
    stack = await given.aLocalStack();
    slots = await given.freeSlotsIn(stack, { PE: 7, CL: 3 });
    scratch = await mkdtemp(join(tmpdir(), 'identity-test-'));
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  const asInsured = (insuredId: string) => when.over(http(stack, given.aSignedInInsuredPerson(stack, insuredId)));
  const asStaff = () => when.over(http(stack, given.staff(stack)));

  it('an insured person books and lists their own appointments with their token', async () => {
    // Given an insured person signed in
    const insuredId = given.anInsuredPerson();
    const me = asInsured(insuredId);

    // When they book for themselves and list
    const booked = await me.bookAppointment({ insuredId, ...slots.next('PE') });
    const listed = await me.listAppointments(insuredId);

    // Then both are answered
    const appointment = then.accepted(booked);
    expect(then.listed(listed).items).toEqual([expect.objectContaining({ appointmentId: appointment.appointmentId })]);
  });

  it("an insured person cannot list another insured person's appointments, and the answer is the same whether that person has any", async () => {
    // Given insured A, insured B with an appointment staff booked, and insured C with none, as staff list them
    const [a, b, c] = given.insuredPeople(3) as [string, string, string];
    const staff = asStaff();
    const bsAppointment = await given.aBooking(staff, { insuredId: b, ...slots.next('CL') });
    await then.theirAppointmentsAre(staff, b, [bsAppointment]);
    await then.theirAppointmentsAre(staff, c, []);
    const insuredA = asInsured(a);

    // When A lists B's and C's appointments
    const ofB = await insuredA.listAppointments(b);
    const ofC = await insuredA.listAppointments(c);

    // Then both are refused with errorType Unauthorized and no data, identically
    then.refusedWith(ofB, 'Unauthorized', { message: 'another insured person' });
    expect(ofC).toEqual(ofB);
  });

  it("an insured person cannot book in another's name: Unauthorized, nothing stored, nothing published", async () => {
    // Given insured A and insured B
    const [a, b] = given.insuredPeople(2) as [string, string];
    const insuredA = asInsured(a);

    // When A books a slot for B
    const { answer, published } = await when.watchingThePipeline(stack, () =>
      insuredA.bookAppointment({ insuredId: b, ...slots.next('PE') }),
    );

    // Then it is refused, and nothing was stored or handed to the pipeline
    then.refusedWith(answer, 'Unauthorized', { path: ['createAppointment'] });
    then.nothingWasStoredOrPublished({ stored: await storedItems(stack, b), published });
  });

  it.each([
    ['staff (agents group)', () => asStaff()],
    ['the API key (developer)', () => when.over(http(stack))],
  ])('%s may book and list for any insured person', async (_who, caller) => {
    // Given someone acting for an insured person who is not them
    const insuredId = given.anInsuredPerson();
    const api = caller();

    // When they book and list for that person
    const booked = await api.bookAppointment({ insuredId, ...slots.next('CL') });
    const listed = await api.listAppointments(insuredId);

    // Then both succeed
    then.accepted(booked);
    expect(then.listed(listed).items).toHaveLength(1);
  });

  describe('forged and stale tokens are refused before anything runs (HTTP 401, UnauthorizedException)', () => {
    const forgedTokens: [string, () => Promise<string>][] = [
      ['signed by another key', async () => (await LocalTokenIssuer.open(join(scratch, 'other-key.json'))).issue({ insuredId: '00012' })],
      [
        'unsigned (alg: none)',
        () =>
          Promise.resolve(
            new UnsecuredJWT({ token_use: 'access', client_id: 'appointments-local-client', 'custom:insuredId': '00012' })
              .setIssuer(LOCAL_ISSUER)
              .setExpirationTime('1h')
              .encode(),
          ),
      ],
      [
        'with a changed claim (insuredId swapped, signature kept)',
        async () => {
          const [header, payload, signature] = (await stack.issuer.issue({ insuredId: '00012' })).split('.');
          const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
          return [header, Buffer.from(JSON.stringify({ ...claims, 'custom:insuredId': '00099' })).toString('base64url'), signature].join(
            '.',
          );
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
      const booking = await when.over(http(stack, token)).bookAppointment({ insuredId, ...slots.next('PE') });
      const listing = await when.over(http(stack, token)).listAppointments(insuredId);

      // Then both are refused with 401 and nothing is stored
      for (const answer of [booking, listing]) {
        expect(answer.httpStatus).toBe(401);
        then.refusedWith(answer, 'UnauthorizedException');
      }
      expect(await storedItems(stack, insuredId)).toHaveLength(storedBefore);
    });
  });
});
