import * as path from 'node:path';
import { Duration, Expiration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { apiLimits } from '../core/config/api-limits';
import { INSURED_ID_CLAIM, STAFF_GROUP } from '../core/domain/caller';
import { environment } from '../core/config/environment';
import { topology } from '../core/config/topology';
import { ApiFirewall } from './api-firewall';
import { appSyncJsModule } from './appsync-js-module';
import { deployedSchema } from './deployed-schema';
import { appointmentsFunction, LOG_RETENTION } from './appointments-function';
import { deployedFunctions, repositoryRoot } from './bundling';

/** The one schema file: AppSync serves it with the auth directives of the API's modes (infra/deployed-schema.ts). */
export const schemaFile = path.join(repositoryRoot, 'schema.graphql');

type DeclaredResolver = (typeof topology.resolvers)[number];
/** `Type.field` of every resolver the topology declares. */
type ResolverId = DeclaredResolver extends infer R
  ? R extends { typeName: infer T extends string; fieldName: infer F extends string }
    ? `${T}.${F}`
    : never
  : never;

/** The user pool attribute behind INSURED_ID_CLAIM: Cognito calls a custom attribute `custom:<name>` in tokens and trigger events. */
const insuredIdAttribute = customAttributeName(INSURED_ID_CLAIM);
/** Characters of an insuredId: exactly the 5 digits core's insuredIdSchema accepts, leading zeros included. */
const INSURED_ID_LENGTH = 5;
/** Cognito fails the sign-in when a trigger has not answered within 5 seconds. */
const COGNITO_TRIGGER_TIMEOUT = Duration.seconds(5);

export interface AppointmentsApiProps {
  readonly appointments: dynamodb.ITable;
  readonly appointmentRequests: sns.ITopic;
  /** The deployment's development flag: an API key mode (the developer, acting as staff) and introspection. */
  readonly development: boolean;
}

/**
 * The GraphQL API: AppSync serving schema.graphql to insured people and staff
 * signed in with Cognito (the default mode), to the pipeline's functions with IAM
 * (internal fields only) and, in a development deployment only, to an API key.
 * Each client field is answered by its own Lambda function, invoked by one APPSYNC_JS
 * resolver that turns the function's answer into the field's value or error; the status-change publish mutation by a NONE
 * data source, so AppSync hands each change to the subscribers with no function
 * on the way. A WAF web ACL limits the request rate per source IP.
 */
export class AppointmentsApi extends Construct {
  readonly api: appsync.GraphqlApi;
  /** The development API key's id; undefined unless deployed with the development flag. */
  readonly apiKeyId: string | undefined;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  /** The app client of deployment checks (`npm run smoke`): admin sign-in only, for an operator with IAM rights on the pool. */
  readonly smokeCheckClient: cognito.UserPoolClient;
  readonly staffGroup: cognito.UserPoolGroup;
  readonly firewall: ApiFirewall;

  constructor(scope: Construct, id: string, props: AppointmentsApiProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'Users', {
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
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG3',
        reason: 'Threat protection (advanced security) needs the Cognito Plus plan, billed per active user; accounts are created by staff only (no self sign-up) and MFA plus a strong password policy are required.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'Same as COG3: Essentials already gives the access-token customisation the API needs; the Plus plan is bought when the user base justifies its per-user price.',
      },
    );
    this.userPoolClient = this.userPool.addClient('ApiClient', {
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(insuredIdAttribute),
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
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(insuredIdAttribute),
      writeAttributes: new cognito.ClientAttributes(),
    });
    this.staffGroup = this.userPool.addGroup('Staff', {
      groupName: STAFF_GROUP,
      description: 'Call-centre staff: may book, list and follow the appointments of any insured person',
    });
    const accessTokenClaims = appointmentsFunction(this, deployedFunctions.preTokenGeneration, {
      description: `Cognito pre-token-generation trigger: copies ${INSURED_ID_CLAIM} into the access token`,
      timeout: COGNITO_TRIGGER_TIMEOUT,
    });
    // V2_0: the event version that may change the access token, the one Amplify JS sends to AppSync.
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, accessTokenClaims, cognito.LambdaVersion.V2_0);

    const developerKey: appsync.AuthorizationMode = {
      authorizationType: appsync.AuthorizationType.API_KEY,
      apiKeyConfig: {
        description: 'Development key',
        // The longest AppSync allows, counted from each synth: every deploy pushes the expiry out again.
        expires: Expiration.after(Duration.days(365)),
      },
    };
    // Insured people and staff; a field that names no mode gets this one only.
    const defaultAuthorization: appsync.AuthorizationMode = { authorizationType: appsync.AuthorizationType.USER_POOL, userPoolConfig: { userPool: this.userPool } };
    const additionalAuthorizationModes: appsync.AuthorizationMode[] = [
      // The pipeline's functions (SigV4), on the fields the schema marks @aws_iam.
      { authorizationType: appsync.AuthorizationType.IAM },
      ...(props.development ? [developerKey] : []),
    ];
    const modes = [defaultAuthorization, ...additionalAuthorizationModes].map((mode) => mode.authorizationType);
    this.api = new appsync.GraphqlApi(this, 'Api', {
      name: `${Stack.of(this).stackName}-appointments`,
      // schema.graphql with the auth directives of these modes only: no @aws_api_key without the development flag.
      definition: appsync.Definition.fromSchema(deployedSchema(schemaFile, modes)),
      authorizationConfig: { defaultAuthorization, additionalAuthorizationModes },
      // Explorers and codegen need it in development; elsewhere it would only map the API out for a stranger.
      introspectionConfig: props.development ? appsync.IntrospectionConfig.ENABLED : appsync.IntrospectionConfig.DISABLED,
      queryDepthLimit: apiLimits.queryDepthLimit,
      resolverCountLimit: apiLimits.resolverCountLimit,
      xrayEnabled: true,
    });
    this.apiKeyId = (this.api.node.tryFindChild('DefaultApiKey') as appsync.CfnApiKey | undefined)?.attrApiKeyId;
    this.logErrors();
    this.firewall = new ApiFirewall(this, 'Firewall', { api: this.api });

    // What each resolver's function touches: a resolver added to the topology does not compile until it is listed here.
    const resolverAccess: { readonly [R in ResolverId]: (fn: NodejsFunction) => void } = {
      'Mutation.createAppointment': (fn) => {
        fn.addEnvironment(environment.appointmentsTableName, props.appointments.tableName);
        fn.addEnvironment(environment.appointmentRequestsTopicArn, props.appointmentRequests.topicArn);
        // Puts the PENDING item and its slot claim, reads an earlier claim's appointment on a retry,
        // and deletes a duplicate, or the item when the request cannot be published.
        props.appointments.grant(fn, 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem');
        // sns:Publish alone: the topic's AWS managed key (aws/sns) lets any account principal allowed to publish use it through SNS.
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.appointmentRequests.topicArn] }));
      },
      'Mutation.cancelAppointment': (fn) => {
        fn.addEnvironment(environment.appointmentsTableName, props.appointments.tableName);
        fn.addEnvironment(environment.appointmentRequestsTopicArn, props.appointmentRequests.topicArn);
        // One conditional UpdateItem; a GetItem when the condition fails (already cancelled, or rejected).
        props.appointments.grant(fn, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
        // The cancellation travels to the country on the same topic as bookings.
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.appointmentRequests.topicArn] }));
      },
      'Query.appointments': (fn) => {
        fn.addEnvironment(environment.appointmentsTableName, props.appointments.tableName);
        // One Query on the base table, by insuredId.
        props.appointments.grant(fn, 'dynamodb:Query');
      },
      'Subscription.onAppointmentStatusChanged': () => {
        // Decides from the caller's identity alone whether they may follow this insuredId: no table, no topic.
      },
    };

    for (const resolver of deployedFunctions.resolvers) {
      const fn = appointmentsFunction(this, resolver, {
        description: `Direct Lambda resolver for ${resolver.id}`,
        timeout: Duration.seconds(resolver.timeoutSeconds),
      });
      resolverAccess[resolver.id as ResolverId](fn);
      this.directLambdaResolver(resolver.id, resolver.typeName, resolver.fieldName, fn);
    }
    this.statusChangePublisher();
  }

  /**
   * The internal mutation the completion worker calls after each stored status change.
   * The NONE data source returns the change as sent, and AppSync pushes that result to the
   * subscriptions that name the mutation in @aws_subscribe, filtered by their arguments.
   */
  private statusChangePublisher(): void {
    const { typeName, fieldName } = topology.statusChanges;
    const id = `${typeName}.${fieldName}`;
    const dataSource = new appsync.NoneDataSource(this, `${id}DataSource`, {
      api: this.api,
      description: `Returns the ${fieldName} argument as is, for AppSync to push to the subscribers`,
    });
    dataSource.createResolver(`${id}Resolver`, {
      typeName,
      fieldName,
      runtime: appsync.FunctionRuntime.JS_1_0_0,
      code: appsync.Code.fromInline(appSyncJsModule(topology.statusChanges.code)),
    });
  }

  private directLambdaResolver(id: string, typeName: string, fieldName: string, fn: NodejsFunction): void {
    // AppSync calls the function's unqualified ARN; LambdaDataSource's own grant adds `<arn>:*` (every version) too,
    // so it gets a role it cannot change and the one statement it needs.
    const role = new iam.Role(this, `${id}DataSourceRole`, {
      assumedBy: new iam.ServicePrincipal('appsync.amazonaws.com'),
      description: `AppSync invokes the ${id} resolver function`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
    const dataSource = new appsync.LambdaDataSource(this, `${id}DataSource`, {
      api: this.api,
      lambdaFunction: fn,
      serviceRole: role.withoutPolicyUpdates(),
      description: `Direct Lambda resolver function for ${id}`,
    });
    dataSource.node.addDependency(role);
    // An APPSYNC_JS resolver, not a direct one: AppSync would hand the client a thrown error as
    // `Lambda:Unhandled` whatever its name, so the function answers errors as values and this code
    // raises each under its own errorType (resolvers/lambda-data-source.ts).
    dataSource.createResolver(`${id}Resolver`, { typeName, fieldName, runtime: appsync.FunctionRuntime.JS_1_0_0, code: lambdaResolverCode() });
  }

  /**
   * Field errors to CloudWatch Logs. Set on the CloudFormation resource because the
   * construct's logConfig adds a LogRetention custom-resource function; here the
   * stack owns the log group and AppSync's role may write that group only.
   */
  private logErrors(): void {
    const logGroup = new logs.LogGroup(this, 'ApiLogs', {
      logGroupName: `/aws/appsync/apis/${this.api.apiId}`,
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'ApiLogsRole', {
      assumedBy: new iam.ServicePrincipal('appsync.amazonaws.com'),
      description: 'AppSync writes the API field errors to its log group',
    });
    logGroup.grantWrite(role);
    const cfnApi = this.api.node.defaultChild as appsync.CfnGraphQLApi;
    cfnApi.logConfig = { cloudWatchLogsRoleArn: role.roleArn, fieldLogLevel: appsync.FieldLogLevel.ERROR, excludeVerboseContent: true };
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-ASC3',
      reason: 'Field errors are logged (ERROR); verbose content is left out on purpose: it would copy request headers and the insured person\'s arguments into the logs.',
    });
  }
}

/** The APPSYNC_JS code of every Lambda-backed field: bundled once, the same text for each resolver. */
let lambdaResolverModule: string | undefined;
function lambdaResolverCode(): appsync.Code {
  lambdaResolverModule ??= appSyncJsModule(topology.lambdaResolverCode);
  return appsync.Code.fromInline(lambdaResolverModule);
}

function customAttributeName(claim: string): string {
  const name = /^custom:(\w+)$/.exec(claim)?.[1];
  if (!name) throw new Error(`${claim} is not a custom attribute claim (custom:<name>)`);
  return name;
}
