import type { AppSyncIdentity } from 'aws-lambda';
import { UnauthorizedError } from './errors';

/**
 * Who is calling, read from the identity AppSync puts in the resolver event, and
 * the one rule that decides whose appointments they may touch. Every resolver
 * hands its event's identity to its use case, and the use case asks `authorizeFor`.
 */

/** The custom attribute that carries an insured person's id. Immutable in the user pool; the app client cannot write it. */
export const INSURED_ID_CLAIM = 'custom:insuredId';

/**
 * The standard attribute each insured person's account repeats its insuredId in: ListUsers filters on
 * standard attributes only, never on `custom:insuredId`. No app client may write it, so only staff set it.
 */
export const INSURED_ID_LOOKUP_ATTRIBUTE = 'preferred_username';

/** The Cognito group of call-centre staff, who act for any insured person. */
export const STAFF_GROUP = 'agents';
/** Cognito puts group membership in both tokens under this claim (read when an identity comes without `groups`). */
export const GROUPS_CLAIM = 'cognito:groups';

export type Caller =
  /** API key: a developer (always locally; in AWS only when deployed with the development flag). Acts as staff. */
  | { readonly kind: 'developer' }
  /** A signed-in member of the staff group. */
  | { readonly kind: 'staff'; readonly username: string }
  /** A signed-in insured person, whose token carries their insuredId. */
  | { readonly kind: 'insured'; readonly username: string; readonly insuredId: string }
  /** A signed-in user who is neither staff nor linked to an insuredId: may touch no appointment. */
  | { readonly kind: 'unlinked-user'; readonly username: string }
  /** IAM (SigV4): the pipeline's own functions, for internal fields only. */
  | { readonly kind: 'service'; readonly principal: string };

/** What a caller wants to do with an insured person's appointments, for the error message. */
export type InsuredAction = 'book' | 'list' | 'follow' | 'cancel' | 'reschedule';

export function callerFrom(identity: AppSyncIdentity): Caller {
  if (identity === null || identity === undefined) return { kind: 'developer' };
  if ('userArn' in identity) return { kind: 'service', principal: identity.userArn };
  if ('claims' in identity) {
    const claims = (identity.claims ?? {}) as Record<string, unknown>;
    const username = 'username' in identity && typeof identity.username === 'string' ? identity.username : String(identity.sub);
    const groups = ('groups' in identity ? identity.groups : null) ?? groupsOf(claims[GROUPS_CLAIM]);
    if (groups.includes(STAFF_GROUP)) return { kind: 'staff', username };
    const insuredId = claims[INSURED_ID_CLAIM];
    if (typeof insuredId === 'string' && insuredId !== '') return { kind: 'insured', username, insuredId };
    return { kind: 'unlinked-user', username };
  }
  // A Lambda authorizer's identity: this API configures none.
  return { kind: 'unlinked-user', username: 'lambda-authorized' };
}

/**
 * Throws UnauthorizedError unless the caller may act on this insured person's
 * appointments. The answer depends only on who asks and for whom, never on what
 * is stored, so it tells nothing about another person's appointments.
 */
export function authorizeFor(caller: Caller, insuredId: string, action: InsuredAction): void {
  switch (caller.kind) {
    case 'developer':
    case 'staff':
      return;
    case 'insured':
      if (caller.insuredId === insuredId) return;
      throw new UnauthorizedError(
        `Not authorized to ${action} appointments of another insured person: you may ${action} only your own (insuredId ${caller.insuredId}).`,
      );
    case 'unlinked-user':
      throw new UnauthorizedError(
        `Not authorized to ${action} appointments: this account is not linked to an insured person and is not in the ${STAFF_GROUP} group.`,
      );
    case 'service':
      throw new UnauthorizedError(`Not authorized to ${action} appointments: IAM callers may use the internal fields only.`);
  }
}

// The claim is a list in a real token; a hand-built identity may carry it as one string.
function groupsOf(claim: unknown): readonly string[] {
  if (Array.isArray(claim)) return claim.filter((group): group is string => typeof group === 'string');
  if (typeof claim === 'string') return claim.split(/[,\s]+/).filter(Boolean);
  return [];
}

/**
 * Throws UnauthorizedError unless the caller is signed-in staff: only the call centre changes a country's
 * catalog. Not the API key either (a developer's key must never reshape what insured people can book).
 */
export function authorizeCatalogChange(caller: Caller, action: 'publish slots' | 'withdraw slots'): void {
  if (caller.kind === 'staff') return;
  throw new UnauthorizedError(`Not authorized to ${action}: only signed-in members of the ${STAFF_GROUP} group may change the catalog.`);
}
