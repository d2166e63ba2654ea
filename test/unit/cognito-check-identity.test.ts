import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  VerifySoftwareTokenCommand,
  type AdminRespondToAuthChallengeCommandInput,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { UnsecuredJWT } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { INSURED_ID_CLAIM, INSURED_ID_LOOKUP_ATTRIBUTE, STAFF_GROUP } from '../../core/domain/caller';
import { deploymentChecks } from '../../core/domain/reserved-check-slots';
import { optionalStackOutputs, stackOutputs } from '../../infra/stack-outputs';
import { CognitoCheckIdentity, LEFTOVER_CHECK_ACCOUNT_AFTER_MS, type TotpClock } from '../../local/operators/cognito-check-identity';
import type { NotificationWorkerLog } from '../../local/operators/confirmation-email';
import type { OperatorIo } from '../../local/operators/operator-io';
import {
  DELETE_USERS_STEP,
  deployedEmailEvidence,
  deployedOutputs,
  smokeMain,
  smokeSteps,
  type DeployedAdapters,
} from '../../local/operators/smoke';

/** `npm run smoke -- --outputs …` against a deployed stack: the Cognito calls it makes only in AWS, with the SDK mocked. */

const pool = { userPoolId: 'us-east-1_Checks', clientId: 'smoke-check-client', staffGroupName: STAFF_GROUP };
const secret = new Secret({ size: 20 });
const authenticator = new TOTP({ secret, algorithm: 'SHA1', digits: 6, period: 30 });
const accessToken = (claims: Record<string, unknown>) => new UnsecuredJWT({ token_use: 'access', ...claims }).encode();

/** A clock the sign-in may wait on without the test waiting. */
function fakeClock(startMs: number): TotpClock & { slept: number[] } {
  let now = startMs;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

describe('the Cognito identity of deployment checks', () => {
  const cognito = mockClient(CognitoIdentityProviderClient);
  const client = () => new CognitoIdentityProviderClient({ region: 'us-east-1' });

  /** A user pool that requires TOTP: the first sign-in meets MFA_SETUP; `thenAsksForCode` adds a SOFTWARE_TOKEN_MFA challenge after it. */
  function givenAPoolRequiringTotp({ thenAsksForCode = false, insuredIdClaim = true } = {}) {
    cognito.on(AdminCreateUserCommand).resolves({});
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    cognito.on(AdminSetUserPasswordCommand).resolves({});
    cognito.on(AdminDeleteUserCommand).resolves({});
    cognito.on(ListUsersCommand).resolves({ Users: [] });
    cognito.on(AdminInitiateAuthCommand).callsFake((input: { AuthParameters: { USERNAME: string } }) => ({
      ChallengeName: 'MFA_SETUP',
      Session: `setup-session-of-${input.AuthParameters.USERNAME}`,
      ChallengeParameters: { USER_ID_FOR_SRP: `uuid-of-${input.AuthParameters.USERNAME}` },
    }));
    cognito
      .on(AssociateSoftwareTokenCommand)
      .callsFake((input: { Session: string }) => ({ SecretCode: secret.base32, Session: `${input.Session}/associated` }));
    cognito
      .on(VerifySoftwareTokenCommand)
      .callsFake((input: { Session: string }) => ({ Status: 'SUCCESS', Session: `${input.Session}/verified` }));
    cognito.on(AdminRespondToAuthChallengeCommand).callsFake((input: AdminRespondToAuthChallengeCommandInput) => {
      const user = input.ChallengeResponses?.USERNAME ?? '';
      if (input.ChallengeName === 'MFA_SETUP' && thenAsksForCode)
        return { ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'code-session', ChallengeParameters: { USER_ID_FOR_SRP: user } };
      const isInsured = user.includes('insured');
      return {
        AuthenticationResult: {
          AccessToken: accessToken({
            username: user,
            ...(isInsured && insuredIdClaim ? { [INSURED_ID_CLAIM]: deploymentChecks.insuredId } : {}),
          }),
        },
      };
    });
  }

  afterEach(() => cognito.reset());

  it('given the pool, when the check creates its users, then an insured person with the check insuredId and a staff member are created without any invitation, the staff one in the staff group', async () => {
    givenAPoolRequiringTotp();

    const users = await new CognitoCheckIdentity(client(), pool, fakeClock(Date.now())).createUsers('run1');

    const created = cognito.commandCalls(AdminCreateUserCommand).map((call) => call.args[0].input);
    expect(created).toEqual([
      {
        UserPoolId: pool.userPoolId,
        Username: 'smoke-run1-insured@checks.invalid',
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: 'smoke-run1-insured@checks.invalid' },
          { Name: 'email_verified', Value: 'true' },
          { Name: INSURED_ID_CLAIM, Value: deploymentChecks.insuredId },
        ],
      },
      {
        UserPoolId: pool.userPoolId,
        Username: 'smoke-run1-staff@checks.invalid',
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: 'smoke-run1-staff@checks.invalid' },
          { Name: 'email_verified', Value: 'true' },
        ],
      },
    ]);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand).map((call) => call.args[0].input)).toEqual([
      { UserPoolId: pool.userPoolId, Username: 'smoke-run1-staff@checks.invalid', GroupName: STAFF_GROUP },
    ]);
    // Each with a permanent password of its own that meets the pool's policy, used to sign in on the check client
    const passwords = cognito.commandCalls(AdminSetUserPasswordCommand).map((call) => call.args[0].input);
    expect(passwords.map((input) => input.Permanent)).toEqual([true, true]);
    for (const { Password } of passwords) expect(Password).toMatch(/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z0-9]).{12,}$/);
    expect(passwords[0]?.Password).not.toBe(passwords[1]?.Password);
    expect(cognito.commandCalls(AdminInitiateAuthCommand).map((call) => call.args[0].input)).toEqual(
      passwords.map(({ Username, Password }) => ({
        UserPoolId: pool.userPoolId,
        ClientId: pool.clientId,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: Username, PASSWORD: Password },
      })),
    );
    expect(users.insured.username).toBe('smoke-run1-insured@checks.invalid');
    expect(users.staff.username).toBe('smoke-run1-staff@checks.invalid');
  });

  it('given MFA is required, when a user signs in the first time, then the TOTP is set up with the secret Cognito gives and the MFA_SETUP challenge answered with the verified session', async () => {
    givenAPoolRequiringTotp();
    const clock = fakeClock(Date.UTC(2026, 10, 29, 12, 0, 10));

    const users = await new CognitoCheckIdentity(client(), pool, clock).createUsers('run2');

    const insured = 'smoke-run2-insured@checks.invalid';
    expect(cognito.commandCalls(AssociateSoftwareTokenCommand)[0]?.args[0].input).toEqual({ Session: `setup-session-of-${insured}` });
    expect(cognito.commandCalls(VerifySoftwareTokenCommand)[0]?.args[0].input).toEqual({
      Session: `setup-session-of-${insured}/associated`,
      UserCode: authenticator.generate({ timestamp: clock.now() }),
      FriendlyDeviceName: 'npm run smoke',
    });
    expect(cognito.commandCalls(AdminRespondToAuthChallengeCommand)[0]?.args[0].input).toEqual({
      UserPoolId: pool.userPoolId,
      ClientId: pool.clientId,
      ChallengeName: 'MFA_SETUP',
      Session: `setup-session-of-${insured}/associated/verified`,
      ChallengeResponses: { USERNAME: `uuid-of-${insured}` },
    });
    expect(users.insured.accessToken).toContain('.');
  });

  it('given Cognito then asks for a TOTP code, when it is answered, then with a code of the next period, not the one just used to verify', async () => {
    givenAPoolRequiringTotp({ thenAsksForCode: true });
    const clock = fakeClock(Date.UTC(2026, 10, 29, 12, 0, 10));

    await new CognitoCheckIdentity(client(), pool, clock).createUsers('run3');

    const [verified] = cognito.commandCalls(VerifySoftwareTokenCommand).map((call) => call.args[0].input.UserCode);
    const answered = cognito
      .commandCalls(AdminRespondToAuthChallengeCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.ChallengeName === 'SOFTWARE_TOKEN_MFA');
    expect(answered?.ChallengeResponses?.SOFTWARE_TOKEN_MFA_CODE).toMatch(/^\d{6}$/);
    expect(answered?.ChallengeResponses?.SOFTWARE_TOKEN_MFA_CODE).not.toBe(verified);
    expect(answered?.Session).toBe('code-session');
    expect(clock.slept[0]).toBeLessThanOrEqual(30_100);
  });

  it('given the staff member cannot be put in the staff group, when the users are deleted, then both the insured person and the half-made staff member go', async () => {
    givenAPoolRequiringTotp();
    cognito.on(AdminAddUserToGroupCommand).rejects(new Error('ResourceNotFoundException: group not found'));
    const identity = new CognitoCheckIdentity(client(), pool, fakeClock(Date.now()));

    await expect(identity.createUsers('run4')).rejects.toThrow('group not found');
    const report = await identity.deleteUsers();

    expect(cognito.commandCalls(AdminDeleteUserCommand).map((call) => call.args[0].input)).toEqual([
      { UserPoolId: pool.userPoolId, Username: 'smoke-run4-insured@checks.invalid' },
      { UserPoolId: pool.userPoolId, Username: 'smoke-run4-staff@checks.invalid' },
    ]);
    expect(report).toBe('deleted smoke-run4-insured@checks.invalid, smoke-run4-staff@checks.invalid');
  });

  it('given Cognito refuses a deletion, when the users are deleted, then the error names the user left behind and how to remove it', async () => {
    givenAPoolRequiringTotp();
    const identity = new CognitoCheckIdentity(client(), pool, fakeClock(Date.now()));
    await identity.createUsers('run5');
    cognito.on(AdminDeleteUserCommand, { Username: 'smoke-run5-staff@checks.invalid' }).rejects(new Error('throttled'));

    await expect(identity.deleteUsers()).rejects.toThrow(
      /could not delete smoke-run5-staff@checks\.invalid \(Error: throttled\): aws cognito-idp admin-delete-user --user-pool-id us-east-1_Checks/,
    );
  });

  describe("with the operator's address (npm run smoke -- --email)", () => {
    const OPERATOR = 'operator+smoke@example.com';
    const lookup = { UserPoolId: pool.userPoolId, Filter: `preferred_username = "${deploymentChecks.insuredId}"`, Limit: 60 };

    /** An account a check made, as ListUsers answers it: Cognito's own username (a UUID) and its attributes. */
    function checkAccount(email: string, createdAt: Date): UserType {
      const attributes = {
        email,
        email_verified: 'true',
        [INSURED_ID_CLAIM]: deploymentChecks.insuredId,
        [INSURED_ID_LOOKUP_ATTRIBUTE]: deploymentChecks.insuredId,
      };
      return {
        Username: `uuid-of-${email}`,
        Enabled: true,
        UserCreateDate: createdAt,
        Attributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
      };
    }

    it('given an address, when the check creates its insured person, then the account is the one the notification worker writes to: that address verified, the check insuredId also as preferred_username', async () => {
      givenAPoolRequiringTotp();

      await new CognitoCheckIdentity(client(), pool, fakeClock(Date.now()), OPERATOR).createUsers('run6');

      // The account the worker's lookup finds (core/adapters/cognito-address-book.ts), named by the address
      expect(cognito.commandCalls(AdminCreateUserCommand)[0]?.args[0].input).toEqual({
        UserPoolId: pool.userPoolId,
        Username: OPERATOR,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: OPERATOR },
          { Name: 'email_verified', Value: 'true' },
          { Name: INSURED_ID_CLAIM, Value: deploymentChecks.insuredId },
          { Name: INSURED_ID_LOOKUP_ATTRIBUTE, Value: deploymentChecks.insuredId },
        ],
      });
      // The staff member stays undeliverable and out of the lookup
      expect(cognito.commandCalls(AdminCreateUserCommand)[1]?.args[0].input.UserAttributes).toEqual([
        { Name: 'email', Value: 'smoke-run6-staff@checks.invalid' },
        { Name: 'email_verified', Value: 'true' },
      ]);
      // The lookup the worker makes was made before the account was created and after it
      expect(cognito.commandCalls(ListUsersCommand).map((call) => call.args[0].input)).toEqual([lookup, lookup]);
    });

    it('given an account a crashed check left behind over half an hour ago, when the check creates its users, then it is deleted first, so the worker cannot pick it, and the report says so', async () => {
      const now = Date.UTC(2026, 10, 29, 12, 0, 0);
      const leftover = checkAccount('someone-else@example.com', new Date(now - LEFTOVER_CHECK_ACCOUNT_AFTER_MS - 60_000));
      givenAPoolRequiringTotp();
      cognito
        .on(ListUsersCommand)
        .resolvesOnce({ Users: [leftover] })
        .resolves({ Users: [checkAccount(OPERATOR, new Date(now))] });

      const users = await new CognitoCheckIdentity(client(), pool, fakeClock(now), OPERATOR).createUsers('run7');

      expect(cognito.commandCalls(AdminDeleteUserCommand).map((call) => call.args[0].input)).toEqual([
        { UserPoolId: pool.userPoolId, Username: 'uuid-of-someone-else@example.com' },
      ]);
      const sent = cognito.calls().map((call) => call.args[0]);
      expect(sent.findIndex((command) => command instanceof AdminDeleteUserCommand)).toBeLessThan(
        sent.findIndex((command) => command instanceof AdminCreateUserCommand),
      );
      expect(users.leftoversRemoved).toEqual([
        `someone-else@example.com (created ${new Date(now - LEFTOVER_CHECK_ACCOUNT_AFTER_MS - 60_000).toISOString()})`,
      ]);
    });

    it('given a recent account of another check that may still be running, when the check creates its users, then it stops before creating anyone, says why and how to remove it, and leaves that account alone', async () => {
      const now = Date.UTC(2026, 10, 29, 12, 0, 0);
      givenAPoolRequiringTotp();
      cognito.on(ListUsersCommand).resolves({ Users: [checkAccount('colleague@example.com', new Date(now - 2 * 60_000))] });
      const identity = new CognitoCheckIdentity(client(), pool, fakeClock(now), OPERATOR);

      await expect(identity.createUsers('run8')).rejects.toThrow(
        /colleague@example\.com .* another check may still be using it: with two, the worker's lookup could pick either.*aws cognito-idp admin-delete-user --user-pool-id us-east-1_Checks --username uuid-of-colleague@example\.com/,
      );
      expect(cognito.commandCalls(AdminCreateUserCommand)).toHaveLength(0);
      expect(cognito.commandCalls(AdminDeleteUserCommand)).toHaveLength(0);
      expect(await identity.deleteUsers()).toBe('no user was created');
    });

    it('given another check creates its account at the same moment, when the lookup is made again after creating, then the check stops and its own account is still deleted at the end', async () => {
      const now = Date.UTC(2026, 10, 29, 12, 0, 0);
      givenAPoolRequiringTotp();
      cognito
        .on(ListUsersCommand)
        .resolvesOnce({ Users: [] })
        .resolves({ Users: [checkAccount(OPERATOR, new Date(now)), checkAccount('colleague@example.com', new Date(now))] });
      const identity = new CognitoCheckIdentity(client(), pool, fakeClock(now), OPERATOR);

      await expect(identity.createUsers('run9')).rejects.toThrow(
        /another account \(colleague@example\.com\) also receives the email of insuredId 99999/,
      );
      expect(await identity.deleteUsers()).toBe(`deleted ${OPERATOR}`);
    });

    it('given the address already has an account in the pool (the sign-in name), when the check creates it, then it says to give an address of its own', async () => {
      givenAPoolRequiringTotp();
      cognito
        .on(AdminCreateUserCommand, { Username: OPERATOR })
        .rejects(Object.assign(new Error('An account with the given email already exists.'), { name: 'UsernameExistsException' }));

      await expect(new CognitoCheckIdentity(client(), pool, fakeClock(Date.now()), OPERATOR).createUsers('run10')).rejects.toThrow(
        `${OPERATOR} already has an account in the pool (An account with the given email already exists.): give --email an address of its own`,
      );
    });
  });

  describe('npm run smoke -- --outputs, with a deployed pool', () => {
    let scratch: string;
    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'smoke-outputs-'));
    });
    afterAll(() => rm(scratch, { recursive: true, force: true }));

    const LOG_GROUP = '/aws/lambda/MedicalAppointments-EmailsnotificationWorker';

    async function givenDeployOutputs({ sendsEmails = false } = {}): Promise<string> {
      const file = join(scratch, `outputs-${sendsEmails ? 'with' : 'without'}-emails.json`);
      const outputs = {
        ...(sendsEmails ? { [optionalStackOutputs.notificationWorkerLogGroup]: LOG_GROUP } : {}),
        [stackOutputs.graphqlUrl]: 'https://example1234.appsync-api.us-east-1.amazonaws.com/graphql',
        [stackOutputs.realtimeUrl]: 'wss://example1234.appsync-realtime-api.us-east-1.amazonaws.com/graphql',
        [stackOutputs.region]: 'us-east-1',
        [stackOutputs.userPoolId]: pool.userPoolId,
        [stackOutputs.smokeCheckClientId]: pool.clientId,
        [stackOutputs.staffGroupName]: STAFF_GROUP,
      };
      await writeFile(file, JSON.stringify({ AppointmentsStack: outputs }));
      return file;
    }

    async function smoke(argv: string[], adapters?: DeployedAdapters) {
      const printed = { stdout: '', stderr: '' };
      const io: OperatorIo = {
        stack: () => Promise.reject(new Error('a deployed check reads no local stack')),
        stdout: (text) => (printed.stdout += text),
        stderr: (text) => (printed.stderr += text),
      };
      return { code: await smokeMain(argv, io, adapters), ...printed };
    }

    /** A worker log that records where it was opened and is never read (these checks stop before the email step). */
    function recordingLogs() {
      const opened: { region: string; logGroupName: string }[] = [];
      const adapters: DeployedAdapters = {
        notificationWorkerLog: (region, logGroupName): NotificationWorkerLog => {
          opened.push({ region, logGroupName });
          return { logGroupName, linesMentioning: () => Promise.resolve([]) };
        },
      };
      return { opened, adapters };
    }

    it('given the pre-token-generation trigger is not attached (no insuredId in the access token), when the check runs, then it exits 1 naming that step, and both users are deleted all the same', async () => {
      givenAPoolRequiringTotp({ insuredIdClaim: false });
      const outputs = await givenDeployOutputs();

      const { code, stdout, stderr } = await smoke(['--outputs', outputs]);

      expect(code).toBe(1);
      expect(stdout).toMatch(new RegExp(`PASS 1/8 ${smokeSteps[0]?.name}`));
      expect(stdout).toMatch(/FAIL 2\/8 .*custom:insuredId.*pre-token-generation trigger/);
      expect(stdout).toMatch(/SKIP 3\/8/);
      expect(stdout).toMatch(
        new RegExp(
          `PASS 8/8 ${DELETE_USERS_STEP} \\(\\d+ ms\\): deleted smoke-\\w+-insured@checks.invalid, smoke-\\w+-staff@checks.invalid`,
        ),
      );
      expect(stderr).toBe(`Smoke check FAILED at step "${smokeSteps[1]?.name}".\n`);
      expect(cognito.commandCalls(AdminDeleteUserCommand)).toHaveLength(2);
    });

    it("given --email, when the check runs, then the insured person gets that address, the worker log it will read is the output's log group, and a failure still deletes both users", async () => {
      givenAPoolRequiringTotp({ insuredIdClaim: false });
      const outputs = await givenDeployOutputs({ sendsEmails: true });
      const { opened, adapters } = recordingLogs();

      const { code, stdout } = await smoke(['--outputs', outputs, '--email', 'operator@example.com'], adapters);

      expect(code).toBe(1);
      expect(opened).toEqual([{ region: 'us-east-1', logGroupName: LOG_GROUP }]);
      expect(cognito.commandCalls(AdminCreateUserCommand)[0]?.args[0].input).toMatchObject({
        Username: 'operator@example.com',
        UserAttributes: expect.arrayContaining([{ Name: INSURED_ID_LOOKUP_ATTRIBUTE, Value: deploymentChecks.insuredId }]) as unknown,
      });
      expect(stdout).toMatch(/SKIP 7\/8 SES accepted/);
      expect(stdout).toMatch(
        new RegExp(`PASS 8/8 ${DELETE_USERS_STEP} \\(\\d+ ms\\): deleted operator@example.com, smoke-\\w+-staff@checks.invalid`),
      );
    });

    it('given a stack deployed without emails, when the check runs with --email, then it says the email cannot be proven there and creates nobody', async () => {
      const outputs = await givenDeployOutputs({ sendsEmails: false });

      const { code, stderr } = await smoke(['--outputs', outputs, '--email', 'operator@example.com'], recordingLogs().adapters);

      expect(code).toBe(1);
      expect(stderr).toBe(
        `--email cannot be proven: stack AppointmentsStack has no ${optionalStackOutputs.notificationWorkerLogGroup} output: it was deployed without -c senderEmail (it sends no email), or before this version.\n`,
      );
      expect(cognito.commandCalls(AdminCreateUserCommand)).toHaveLength(0);
    });

    it.each([
      [['--email', 'operator@example.com'], '--email is for a deployed stack (--outputs)'],
      [['--outputs', 'cdk.out/outputs.json', '--email', 'operator'], '--email operator is not an email address.'],
    ])('given %j, when the check starts, then it exits 2 saying how --email is used', async (argv, problem) => {
      const { code, stderr } = await smoke(argv);

      expect(code).toBe(2);
      expect(stderr.split('\n')[0]).toContain(problem);
      expect(stderr).toContain('--email ADDRESS');
    });

    it('given a stack that sends emails, when the check runs without --email, then its email step is to be skipped, saying why and how to prove it (with the rights that takes)', async () => {
      const { outputs } = await deployedOutputs(await givenDeployOutputs({ sendsEmails: true }));

      const evidence = deployedEmailEvidence('AppointmentsStack', outputs, undefined, recordingLogs().adapters);

      expect(evidence).toEqual({ skipped: expect.stringContaining("the check's insured person has no verified address") as unknown });
      expect('skipped' in evidence && evidence.skipped).toMatch(
        new RegExp(`run again with --email .*cognito-idp:ListUsers on the pool and logs:FilterLogEvents on ${LOG_GROUP}`),
      );
    });

    it('given an outputs file without the check client, when the check runs, then it says to deploy this version and creates nobody', async () => {
      const file = join(scratch, 'old-outputs.json');
      await writeFile(file, JSON.stringify({ AppointmentsStack: { [stackOutputs.graphqlUrl]: 'https://example.com/graphql' } }));

      const { code, stderr } = await smoke(['--outputs', file]);

      expect(code).toBe(1);
      expect(stderr).toContain('deploy this version first');
      expect(cognito.commandCalls(AdminCreateUserCommand)).toHaveLength(0);
    });
  });
});
