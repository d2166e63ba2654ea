import { deploymentChecks } from '../../core/domain/reserved-check-slots';
import type { LocalTokenIssuer } from '../identity/issuer';

/** A throwaway user of a deployment check, signed in. */
export interface CheckUser {
  readonly username: string;
  /** The access token: what Amplify JS sends to AppSync, so what the check sends too. */
  readonly accessToken: string;
}

export interface CheckUsers {
  /** Linked to the insuredId reserved for checks. */
  readonly insured: CheckUser;
  /** In the staff group. */
  readonly staff: CheckUser;
  /** Accounts of earlier runs removed on the way, for the report. */
  readonly leftoversRemoved?: readonly string[];
}

/**
 * The "identity" port of `npm run smoke`: where its throwaway users come from. The
 * local user pool in the local stack, Cognito's admin API in AWS; the steps are the same.
 */
export interface CheckIdentity {
  /** Where the users live, for the report. */
  readonly description: string;
  /** Creates and signs in a throwaway insured person (the check insuredId) and a throwaway staff member. */
  createUsers(runId: string): Promise<CheckUsers>;
  /** Removes every user `createUsers` made, also one it left half made when it failed; says what it did. */
  deleteUsers(): Promise<string>;
}

/** The check's tokens live no longer than the check: 5 minutes, the shortest a Cognito app client allows. */
export const CHECK_TOKEN_LIFETIME_SECONDS = 300;

/** Usernames of a run's users: `smoke-<run>-…` tells an operator at a glance what made them. */
export function checkUsernames(runId: string): { readonly insured: string; readonly staff: string } {
  return { insured: `smoke-${runId}-insured`, staff: `smoke-${runId}-staff` };
}

/**
 * The local user pool only signs tokens (local/identity/issuer.ts): it keeps no accounts,
 * so "creating" a user is issuing its tokens and there is nothing to delete afterwards.
 */
export class LocalCheckIdentity implements CheckIdentity {
  readonly description = 'the local user pool (it signs tokens and keeps no accounts)';

  constructor(private readonly issuer: LocalTokenIssuer) {}

  async createUsers(runId: string): Promise<CheckUsers> {
    const names = checkUsernames(runId);
    const lifetimeSeconds = CHECK_TOKEN_LIFETIME_SECONDS;
    const [insured, staff] = await Promise.all([
      this.issuer.issue({ username: names.insured, insuredId: deploymentChecks.insuredId, lifetimeSeconds }),
      this.issuer.issue({ username: names.staff, staff: true, lifetimeSeconds }),
    ]);
    return { insured: { username: names.insured, accessToken: insured }, staff: { username: names.staff, accessToken: staff } };
  }

  deleteUsers(): Promise<string> {
    return Promise.resolve(
      `nothing to delete: the local user pool keeps no accounts (the tokens expire within ${CHECK_TOKEN_LIFETIME_SECONDS / 60} min)`,
    );
  }
}
