import {
  ListUsersCommand,
  type AttributeType,
  type CognitoIdentityProviderClient,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { INSURED_ID_CLAIM, INSURED_ID_LOOKUP_ATTRIBUTE } from '../domain/caller';
import type { InsuredAddressBook } from '../ports';

/**
 * The insured person's address, read from the user pool when each email is sent: a changed address is
 * used as soon as the person has verified it (until then Cognito keeps the old one). An account counts
 * only if it is enabled and its `custom:insuredId` is that insuredId too, so a mistyped lookup attribute
 * never sends one person's appointment to another.
 */
export class CognitoAddressBook implements InsuredAddressBook {
  constructor(
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async verifiedAddressOf(insuredId: string): Promise<string | undefined> {
    const { Users = [] } = await this.cognito.send(
      new ListUsersCommand({
        UserPoolId: this.userPoolId,
        // insuredId is 5 digits (validated upstream): nothing in it needs escaping in the filter.
        Filter: `${INSURED_ID_LOOKUP_ATTRIBUTE} = "${insuredId}"`,
        Limit: 10,
      }),
    );
    return Users.filter((user) => holdsInsuredId(user, insuredId))
      .map(verifiedEmail)
      .find((email) => email !== undefined);
  }
}

function holdsInsuredId(user: UserType, insuredId: string): boolean {
  return user.Enabled !== false && attribute(user.Attributes, INSURED_ID_CLAIM) === insuredId;
}

function verifiedEmail(user: UserType): string | undefined {
  return attribute(user.Attributes, 'email_verified') === 'true' ? attribute(user.Attributes, 'email') : undefined;
}

function attribute(attributes: readonly AttributeType[] | undefined, name: string): string | undefined {
  return attributes?.find((candidate) => candidate.Name === name)?.Value;
}
