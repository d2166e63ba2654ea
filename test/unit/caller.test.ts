import { callerFrom, authorizeFor, INSURED_ID_CLAIM, STAFF_GROUP, GROUPS_CLAIM, type InsuredAction } from '../../core/domain/caller';
import { UnauthorizedError, ValidationError } from '../../core/domain/errors';
import { followAppointmentStatus } from '../../core/use-cases/follow-appointment-status';
import { cognitoIdentity, iamIdentity } from '../../local/lambda/aws-events';

/** Who may touch whose appointments, from `event.identity` exactly as AppSync sends it for each auth mode. */
const insured00012 = cognitoIdentity({ username: 'ana', claims: { [INSURED_ID_CLAIM]: '00012' }, groups: null });
const staffInAws = cognitoIdentity({ username: 'agent-rosa', claims: { [GROUPS_CLAIM]: [STAFF_GROUP] }, groups: [STAFF_GROUP] });
// An identity without `groups` (AppSync's own always has it): membership is read from the claim.
const staffWithoutGroups = cognitoIdentity({ username: 'agent-rosa', claims: { [GROUPS_CLAIM]: [STAFF_GROUP] } });
const unlinkedUser = cognitoIdentity({ username: 'nobody', claims: {}, groups: null });
const actions: InsuredAction[] = ['book', 'list', 'follow'];

describe('the authorization rule, for each caller and action', () => {
  it.each(actions)('given an insured person, when they %s their own appointments, then they may', (action) => {
    expect(() => authorizeFor(callerFrom(insured00012), '00012', action)).not.toThrow();
  });

  it.each(actions)("given an insured person, when they %s another insured person's appointments, then they get Unauthorized", (action) => {
    const refusal = () => authorizeFor(callerFrom(insured00012), '00013', action);

    expect(refusal).toThrow(UnauthorizedError);
    expect(refusal).toThrow(/another insured person/);
  });

  it('given an Unauthorized refusal, then its errorType (the error name) is AppSync\'s own "Unauthorized"', () => {
    expect(new UnauthorizedError('x').name).toBe('Unauthorized');
  });

  it.each([
    ['staff (AWS identity with groups)', staffInAws],
    ['staff (identity without groups, membership only in the claim)', staffWithoutGroups],
    ['a developer with the API key (no identity)', null],
  ])('given %s, when they act for any insured person, then they may', (_who, identity) => {
    for (const action of actions) expect(() => authorizeFor(callerFrom(identity), '00999', action)).not.toThrow();
  });

  it('given a signed-in user linked to no insured person and not staff, when they act for anyone, then they get Unauthorized', () => {
    expect(() => authorizeFor(callerFrom(unlinkedUser), '00012', 'list')).toThrow(/not linked to an insured person/);
  });

  it("given an IAM caller (the pipeline's functions), when it uses a client field, then it gets Unauthorized: IAM is for internal fields", () => {
    expect(callerFrom(iamIdentity())).toEqual({ kind: 'service', principal: expect.stringContaining('assumed-role') as unknown });
    expect(() => authorizeFor(callerFrom(iamIdentity()), '00012', 'book')).toThrow(/internal fields only/);
  });

  it('given a staff member whose token also carries an insuredId, then they act as staff', () => {
    const both = cognitoIdentity({
      username: 'agent-who-is-insured',
      claims: { [INSURED_ID_CLAIM]: '00012', [GROUPS_CLAIM]: [STAFF_GROUP] },
      groups: [STAFF_GROUP],
    });

    expect(() => authorizeFor(callerFrom(both), '00777', 'list')).not.toThrow();
  });
});

describe('subscribing to status changes (the subscription resolver at subscribe time)', () => {
  it('given an insured person, when they subscribe to their own insuredId, then the subscription starts (null)', () => {
    expect(followAppointmentStatus({ insuredId: '00012' }, callerFrom(insured00012))).toBeNull();
  });

  it('given an insured person, when they subscribe to another insuredId, then it is refused whether or not that person has appointments', () => {
    expect(() => followAppointmentStatus({ insuredId: '00013' }, callerFrom(insured00012))).toThrow(UnauthorizedError);
  });

  it('given an insuredId that is not 5 digits, when anyone subscribes, then it is a ValidationError', () => {
    expect(() => followAppointmentStatus({ insuredId: '12' }, callerFrom(staffInAws))).toThrow(ValidationError);
  });
});
