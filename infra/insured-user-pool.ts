import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { INSURED_ID_CLAIM, STAFF_GROUP } from '../core/domain/caller';
import { appointmentsFunction } from './appointments-function';
import { deployedFunctions } from './bundling';

/** The user pool attribute behind INSURED_ID_CLAIM: Cognito calls a custom attribute `custom:<name>` in tokens and trigger events. */
const insuredIdAttribute = customAttributeName(INSURED_ID_CLAIM);
/** Characters of an insuredId: exactly the 5 digits core's insuredIdSchema accepts, leading zeros included. */
const INSURED_ID_LENGTH = 5;
/** Cognito fails the sign-in when a trigger has not answered within 5 seconds. */
const COGNITO_TRIGGER_TIMEOUT = Duration.seconds(5);

/**
 * Who signs in to the API: insured people (their insuredId fixed at account creation and put
 * into the access token by a pre-token-generation trigger) and call-centre staff (a group).
 * Accounts are made by staff only; MFA and a strong password are required. Two app clients:
 * the apps' (SRP) and the deployment checks' (admin sign-in only).
 */
export class InsuredUserPool extends Construct {
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  /** The app client of deployment checks (`npm run smoke`): admin sign-in only, for an operator with IAM rights on the pool. */
  readonly smokeCheckClient: cognito.UserPoolClient;
  readonly staffGroup: cognito.UserPoolGroup;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.userPool = createUserPool(this);
    this.userPoolClient = this.userPool.addClient('ApiClient', {
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      readAttributes: readableAttributes(),
      // Left out on purpose: the insuredId, which decides whose appointments a user may touch, and
      // preferred_username, which repeats it for the email worker's lookup (core/adapters/cognito-address-book.ts).
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
    });
    // Checks sign their throwaway users in with AdminInitiateAuth, which needs IAM rights on the pool:
    // nothing a user of the public client can call. Short-lived tokens, no hosted UI, no attribute writes.
    this.smokeCheckClient = this.userPool.addClient('SmokeCheckClient', {
      authFlows: { adminUserPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.minutes(5),
      idTokenValidity: Duration.minutes(5),
      refreshTokenValidity: Duration.minutes(60),
      readAttributes: readableAttributes(),
      writeAttributes: new cognito.ClientAttributes(),
    });
    this.staffGroup = this.userPool.addGroup('Staff', {
      groupName: STAFF_GROUP,
      description: 'Call-centre staff: may book, list and follow the appointments of any insured person',
    });
    this.addAccessTokenClaims();
  }

  /** The trigger that copies the insuredId into the access token, the token Amplify JS sends to AppSync. */
  private addAccessTokenClaims(): void {
    const accessTokenClaims = appointmentsFunction(this, deployedFunctions.preTokenGeneration, {
      description: `Cognito pre-token-generation trigger: copies ${INSURED_ID_CLAIM} into the access token`,
      timeout: COGNITO_TRIGGER_TIMEOUT,
    });
    // V2_0: the event version that may change the access token.
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, accessTokenClaims, cognito.LambdaVersion.V2_0);
  }
}

function createUserPool(scope: Construct): cognito.UserPool {
  const userPool = new cognito.UserPool(scope, 'Users', {
    // Essentials: the plan whose pre-token-generation trigger may customise access tokens (event V2_0).
    featurePlan: cognito.FeaturePlan.ESSENTIALS,
    selfSignUpEnabled: false,
    signInAliases: { email: true },
    customAttributes: {
      // Set once by staff at account creation; nobody can change it afterwards, the user least of all.
      [insuredIdAttribute]: new cognito.StringAttribute({ minLen: INSURED_ID_LENGTH, maxLen: INSURED_ID_LENGTH, mutable: false }),
    },
    // A changed e-mail address replaces the old one only once the user has verified it.
    keepOriginal: { email: true },
    passwordPolicy: {
      minLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireDigits: true,
      requireSymbols: true,
    },
    mfa: cognito.Mfa.REQUIRED,
    mfaSecondFactor: { otp: true, sms: false },
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(userPool).acknowledge(
    {
      id: 'AwsSolutions-COG3',
      reason:
        'Threat protection (advanced security) needs the Cognito Plus plan, billed per active user; accounts are created by staff only (no self sign-up) and MFA plus a strong password policy are required.',
    },
    {
      id: 'AwsSolutions-COG8',
      reason:
        'Same as COG3: Essentials already gives the access-token customisation the API needs; the Plus plan is bought when the user base justifies its per-user price.',
    },
  );
  return userPool;
}

/** What both app clients may read: the email and the insuredId, the claim the API authorizes by. */
function readableAttributes(): cognito.ClientAttributes {
  return new cognito.ClientAttributes()
    .withStandardAttributes({ email: true, emailVerified: true })
    .withCustomAttributes(insuredIdAttribute);
}

function customAttributeName(claim: string): string {
  const name = /^custom:(\w+)$/.exec(claim)?.[1];
  if (!name) throw new Error(`${claim} is not a custom attribute claim (custom:<name>)`);
  return name;
}
