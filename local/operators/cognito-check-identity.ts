import { randomBytes } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  ListUsersCommand,
  VerifySoftwareTokenCommand,
  type AdminInitiateAuthCommandOutput,
  type AttributeType,
  type CognitoIdentityProviderClient,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { Secret, TOTP } from 'otpauth';
import { INSURED_ID_CLAIM, INSURED_ID_LOOKUP_ATTRIBUTE } from '../../core/domain/caller';
import { deploymentChecks } from '../../core/domain/reserved-check-slots';
import { checkUsernames, type CheckIdentity, type CheckUser, type CheckUsers } from './check-identity';

/** The deployed user pool, as the stack outputs name it. */
export interface CognitoCheckPool {
  readonly userPoolId: string;
  /** The app client meant for checks (SmokeCheckClient): ADMIN_USER_PASSWORD_AUTH only. */
  readonly clientId: string;
  readonly staffGroupName: string;
}

/** Time for the TOTP codes; the tests give a clock of their own. */
export interface TotpClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemClock: TotpClock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** RFC 6238 defaults, which Cognito's software tokens use. */
const TOTP_PERIOD_SECONDS = 30;
/** How many challenges a sign-in may meet: MFA_SETUP, then possibly SOFTWARE_TOKEN_MFA. */
const MAX_CHALLENGES = 3;
/** `.invalid` is reserved (RFC 2606): nothing is ever delivered there, and Cognito sends nothing anyway (SUPPRESS). */
const CHECK_EMAIL_DOMAIN = 'checks.invalid';
/**
 * A check account older than this was left by a run that never deleted it (killed, crashed): a run
 * takes a few minutes, its email proof at most ten of them. A younger one may be another run's.
 */
export const LEFTOVER_CHECK_ACCOUNT_AFTER_MS = 30 * 60_000;
/** ListUsers' largest page; far more than the one account a check keeps at a time. */
const LIST_USERS_LIMIT = 60;
const INSURED_ID_ATTRIBUTE: AttributeType = { Name: INSURED_ID_CLAIM, Value: deploymentChecks.insuredId };

/**
 * Throwaway users in the deployed user pool, through Cognito's admin API: created with
 * no invitation, given a random permanent password, signed in on the check app client
 * with ADMIN_USER_PASSWORD_AUTH, and their required TOTP MFA set up on the way
 * (AssociateSoftwareToken, VerifySoftwareToken, then the MFA_SETUP answer), as AWS's
 * "TOTP software token MFA" page describes:
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html
 */
export class CognitoCheckIdentity implements CheckIdentity {
  /** Every user AdminCreateUser made, kept from the moment it answered, so a later failure still deletes it. */
  private readonly created: string[] = [];

  /**
   * `insuredAddress`: the address the operator reads (`npm run smoke -- --email`). Given, the insured
   * person's account is the one the notification worker writes to: that address, verified, and the check
   * insuredId in the lookup attribute too (core/adapters/cognito-address-book.ts). Without it the account
   * has an undeliverable address and no lookup attribute, so the worker finds nobody and sends nothing.
   */
  constructor(
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly pool: CognitoCheckPool,
    private readonly clock: TotpClock = systemClock,
    private readonly insuredAddress?: string,
  ) {}

  get description(): string {
    return `Cognito user pool ${this.pool.userPoolId} (app client ${this.pool.clientId})`;
  }

  async createUsers(runId: string): Promise<CheckUsers> {
    const names = checkUsernames(runId);
    const { insured, leftoversRemoved } = this.insuredAddress
      ? await this.createAddressee(this.insuredAddress)
      : { insured: await this.createUser(`${names.insured}@${CHECK_EMAIL_DOMAIN}`, [INSURED_ID_ATTRIBUTE]), leftoversRemoved: [] };
    const staff = await this.createUser(`${names.staff}@${CHECK_EMAIL_DOMAIN}`, [], this.pool.staffGroupName);
    return { insured, staff, ...(leftoversRemoved.length > 0 ? { leftoversRemoved } : {}) };
  }

  async deleteUsers(): Promise<string> {
    const usernames = this.created.splice(0);
    const results = await Promise.allSettled(
      usernames.map((Username) => this.cognito.send(new AdminDeleteUserCommand({ UserPoolId: this.pool.userPoolId, Username }))),
    );
    const left = usernames.filter((_, index) => results[index]?.status === 'rejected');
    if (left.length > 0) {
      const reasons = results.flatMap((result) => (result.status === 'rejected' ? [messageOf(result.reason)] : []));
      this.created.push(...left);
      throw new Error(
        `could not delete ${left.join(', ')} (${reasons.join('; ')}): aws cognito-idp admin-delete-user --user-pool-id ${this.pool.userPoolId} --username <user>`,
      );
    }
    return usernames.length === 0 ? 'no user was created' : `deleted ${usernames.join(', ')}`;
  }

  /** The insured person the notification worker writes to, made the only one it can find. */
  private async createAddressee(address: string): Promise<{ insured: CheckUser; leftoversRemoved: string[] }> {
    const leftoversRemoved = await this.removeLeftoverAddressees();
    const insured = await this.createUser(address, [
      INSURED_ID_ATTRIBUTE,
      { Name: INSURED_ID_LOOKUP_ATTRIBUTE, Value: deploymentChecks.insuredId },
    ]).catch((error: unknown) => {
      // The address is the pool's sign-in name: one account per address.
      if (error instanceof Error && error.name === 'UsernameExistsException') {
        throw new Error(
          `${address} already has an account in the pool (${error.message}): give --email an address of its own, such as you+smoke@example.com`,
          { cause: error },
        );
      }
      throw error;
    });
    await this.checkOnlyAddresseeIs(address);
    return { insured, leftoversRemoved };
  }

  /**
   * The worker writes to the first account its lookup finds that holds the check insuredId with a verified
   * address, in an order Cognito does not document; its log names no address. An account left by an
   * earlier run could therefore take this run's email unseen. Old ones are deleted; a recent one may be a
   * check still running, whose account is not this run's to delete: the run stops instead.
   */
  private async removeLeftoverAddressees(): Promise<string[]> {
    const removed: string[] = [];
    for (const account of await this.addressees()) {
      const createdAt = account.UserCreateDate?.getTime() ?? 0;
      const label = `${attribute(account, 'email') ?? account.Username} (created ${new Date(createdAt).toISOString()})`;
      if (this.clock.now() - createdAt < LEFTOVER_CHECK_ACCOUNT_AFTER_MS) {
        throw new Error(
          `the account ${label} already receives the email of insuredId ${deploymentChecks.insuredId}, and another check may still be using it: ` +
            `with two, the worker's lookup could pick either. Run again once it is ${LEFTOVER_CHECK_ACCOUNT_AFTER_MS / 60_000} min old (then it is removed), ` +
            `or remove it now: aws cognito-idp admin-delete-user --user-pool-id ${this.pool.userPoolId} --username ${account.Username}`,
        );
      }
      await this.cognito.send(new AdminDeleteUserCommand({ UserPoolId: this.pool.userPoolId, Username: account.Username }));
      removed.push(label);
    }
    return removed;
  }

  /** After creating the account: nobody else has appeared meanwhile (another run starting at the same moment). */
  private async checkOnlyAddresseeIs(address: string): Promise<void> {
    const others = (await this.addressees()).filter((account) => attribute(account, 'email') !== address);
    if (others.length > 0) {
      const names = others.map((account) => attribute(account, 'email') ?? account.Username).join(', ');
      throw new Error(
        `another account (${names}) also receives the email of insuredId ${deploymentChecks.insuredId}: is another check running? The worker's lookup could pick either.`,
      );
    }
  }

  /** The accounts the notification worker's lookup would write to for the check insuredId: enabled, linked to it, with a verified address. */
  private async addressees(): Promise<UserType[]> {
    const { Users = [] } = await this.cognito.send(
      new ListUsersCommand({
        UserPoolId: this.pool.userPoolId,
        Filter: `${INSURED_ID_LOOKUP_ATTRIBUTE} = "${deploymentChecks.insuredId}"`,
        Limit: LIST_USERS_LIMIT,
      }),
    );
    return Users.filter(
      (account) =>
        account.Enabled !== false &&
        attribute(account, INSURED_ID_CLAIM) === deploymentChecks.insuredId &&
        attribute(account, 'email_verified') === 'true',
    );
  }

  private async createUser(email: string, attributes: AttributeType[], group?: string): Promise<CheckUser> {
    const UserPoolId = this.pool.userPoolId;
    await this.cognito.send(
      new AdminCreateUserCommand({
        UserPoolId,
        Username: email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }, ...attributes],
      }),
    );
    this.created.push(email);
    if (group) await this.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: email, GroupName: group }));
    const password = throwawayPassword();
    await this.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId, Username: email, Password: password, Permanent: true }));
    return { username: email, accessToken: await this.signIn(email, password) };
  }

  private async signIn(username: string, password: string): Promise<string> {
    const { userPoolId: UserPoolId, clientId: ClientId } = this.pool;
    let answer: AdminInitiateAuthCommandOutput = await this.cognito.send(
      new AdminInitiateAuthCommand({
        UserPoolId,
        ClientId,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    const totp: { authenticator?: TOTP; lastCode?: string } = {};
    for (let challenges = 0; !answer.AuthenticationResult && challenges < MAX_CHALLENGES; challenges++) {
      answer = await this.answerChallenge(username, answer, totp);
    }
    const accessToken = answer.AuthenticationResult?.AccessToken;
    if (!accessToken) throw new Error(`Cognito gave ${username} no tokens (last challenge: ${answer.ChallengeName ?? 'none'})`);
    return accessToken;
  }

  private async answerChallenge(
    username: string,
    answer: AdminInitiateAuthCommandOutput,
    totp: { authenticator?: TOTP; lastCode?: string },
  ): Promise<AdminInitiateAuthCommandOutput> {
    const { userPoolId: UserPoolId, clientId: ClientId } = this.pool;
    // Cognito names the user by its own username (a UUID when the email is the sign-in alias).
    const USERNAME = answer.ChallengeParameters?.USER_ID_FOR_SRP ?? username;
    switch (answer.ChallengeName) {
      case 'MFA_SETUP': {
        const associated = await this.cognito.send(new AssociateSoftwareTokenCommand({ Session: answer.Session }));
        if (!associated.SecretCode) throw new Error(`Cognito gave ${username} no TOTP secret`);
        totp.authenticator = new TOTP({
          secret: Secret.fromBase32(associated.SecretCode),
          algorithm: 'SHA1',
          digits: 6,
          period: TOTP_PERIOD_SECONDS,
        });
        totp.lastCode = totp.authenticator.generate({ timestamp: this.clock.now() });
        const verified = await this.cognito.send(
          new VerifySoftwareTokenCommand({ Session: associated.Session, UserCode: totp.lastCode, FriendlyDeviceName: 'npm run smoke' }),
        );
        if (verified.Status !== 'SUCCESS')
          throw new Error(`Cognito did not accept ${username}'s TOTP code (${verified.Status ?? 'no status'})`);
        return this.cognito.send(
          new AdminRespondToAuthChallengeCommand({
            UserPoolId,
            ClientId,
            ChallengeName: 'MFA_SETUP',
            Session: verified.Session,
            ChallengeResponses: { USERNAME },
          }),
        );
      }
      case 'SOFTWARE_TOKEN_MFA': {
        if (!totp.authenticator) throw new Error(`Cognito asked ${username} for a TOTP code before one was set up`);
        const code = await this.freshCode(totp.authenticator, totp.lastCode);
        totp.lastCode = code;
        return this.cognito.send(
          new AdminRespondToAuthChallengeCommand({
            UserPoolId,
            ClientId,
            ChallengeName: 'SOFTWARE_TOKEN_MFA',
            Session: answer.Session,
            ChallengeResponses: { USERNAME, SOFTWARE_TOKEN_MFA_CODE: code },
          }),
        );
      }
      default:
        throw new Error(`Cognito asked ${username} for ${answer.ChallengeName ?? 'an unnamed challenge'}, which the check does not answer`);
    }
  }

  /** A code other than the one just used: an authenticator app would not offer the same code twice either. */
  private async freshCode(authenticator: TOTP, used: string | undefined): Promise<string> {
    const code = authenticator.generate({ timestamp: this.clock.now() });
    if (code !== used) return code;
    const periodMs = TOTP_PERIOD_SECONDS * 1000;
    await this.clock.sleep(periodMs - (this.clock.now() % periodMs) + 100);
    return authenticator.generate({ timestamp: this.clock.now() });
  }
}

/** Random, and meets the pool's policy (12 or more characters; lower and upper case, digit, symbol). */
function throwawayPassword(): string {
  return `${randomBytes(24).toString('base64url')}aA1!`;
}

function attribute(account: UserType, name: string): string | undefined {
  return account.Attributes?.find((candidate) => candidate.Name === name)?.Value;
}

function messageOf(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
}
