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
  VerifySoftwareTokenCommand,
  type AdminRespondToAuthChallengeCommandInput,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { UnsecuredJWT } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { INSURED_ID_CLAIM, STAFF_GROUP } from '../../core/caller';
import { deploymentChecks } from '../../core/deployment-checks';
import { stackOutputs } from '../../infra/stack-outputs';
import { CognitoCheckIdentity, type TotpClock } from '../../local/operators/cognito-check-identity';
import type { OperatorIo } from '../../local/operators/operator-io';
import { DELETE_USERS_STEP, smokeMain, smokeSteps } from '../../local/operators/smoke';

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
    cognito.on(AdminInitiateAuthCommand).callsFake((input: { AuthParameters: { USERNAME: string } }) => ({
      ChallengeName: 'MFA_SETUP',
      Session: `setup-session-of-${input.AuthParameters.USERNAME}`,
      ChallengeParameters: { USER_ID_FOR_SRP: `uuid-of-${input.AuthParameters.USERNAME}` },
    }));
    cognito.on(AssociateSoftwareTokenCommand).callsFake((input: { Session: string }) => ({ SecretCode: secret.base32, Session: `${input.Session}/associated` }));
    cognito.on(VerifySoftwareTokenCommand).callsFake((input: { Session: string }) => ({ Status: 'SUCCESS', Session: `${input.Session}/verified` }));
    cognito.on(AdminRespondToAuthChallengeCommand).callsFake((input: AdminRespondToAuthChallengeCommandInput) => {
      const user = input.ChallengeResponses?.USERNAME ?? '';
      if (input.ChallengeName === 'MFA_SETUP' && thenAsksForCode) return { ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'code-session', ChallengeParameters: { USER_ID_FOR_SRP: user } };
      const isInsured = user.includes('insured');
      return { AuthenticationResult: { AccessToken: accessToken({ username: user, ...(isInsured && insuredIdClaim ? { [INSURED_ID_CLAIM]: deploymentChecks.insuredId } : {}) }) } };
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
      passwords.map(({ Username, Password }) => ({ UserPoolId: pool.userPoolId, ClientId: pool.clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: Username, PASSWORD: Password } })),
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
    const answered = cognito.commandCalls(AdminRespondToAuthChallengeCommand).map((call) => call.args[0].input).find((input) => input.ChallengeName === 'SOFTWARE_TOKEN_MFA');
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

    await expect(identity.deleteUsers()).rejects.toThrow(/could not delete smoke-run5-staff@checks\.invalid \(Error: throttled\): aws cognito-idp admin-delete-user --user-pool-id us-east-1_Checks/);
  });

  describe('npm run smoke -- --outputs, with a deployed pool', () => {
    let scratch: string;
    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'smoke-outputs-'));
    });
    afterAll(() => rm(scratch, { recursive: true, force: true }));

    async function givenDeployOutputs(): Promise<string> {
      const file = join(scratch, 'outputs.json');
      const outputs = {
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

    async function smoke(argv: string[]) {
      const printed = { stdout: '', stderr: '' };
      const io: OperatorIo = {
        stack: () => Promise.reject(new Error('a deployed check reads no local stack')),
        stdout: (text) => (printed.stdout += text),
        stderr: (text) => (printed.stderr += text),
      };
      return { code: await smokeMain(argv, io), ...printed };
    }

    it('given the pre-token-generation trigger is not attached (no insuredId in the access token), when the check runs, then it exits 1 naming that step, and both users are deleted all the same', async () => {
      givenAPoolRequiringTotp({ insuredIdClaim: false });
      const outputs = await givenDeployOutputs();

      const { code, stdout, stderr } = await smoke(['--outputs', outputs]);

      expect(code).toBe(1);
      expect(stdout).toMatch(new RegExp(`PASS 1/7 ${smokeSteps[0]?.name}`));
      expect(stdout).toMatch(/FAIL 2\/7 .*custom:insuredId.*pre-token-generation trigger/);
      expect(stdout).toMatch(/SKIP 3\/7/);
      expect(stdout).toMatch(new RegExp(`PASS 7/7 ${DELETE_USERS_STEP} \\(\\d+ ms\\): deleted smoke-\\w+-insured@checks.invalid, smoke-\\w+-staff@checks.invalid`));
      expect(stderr).toBe(`Smoke check FAILED at step "${smokeSteps[1]?.name}".\n`);
      expect(cognito.commandCalls(AdminDeleteUserCommand)).toHaveLength(2);
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
