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
import { environment } from '../core/environment';
import type { topology } from '../core/topology';
import { appointmentsFunction, LOG_RETENTION } from './appointments-function';
import { deployedFunctions, repositoryRoot } from './bundling';

/** The schema file AppSync serves, deployed byte for byte. */
export const schemaFile = path.join(repositoryRoot, 'schema.graphql');

type DeclaredResolver = (typeof topology.resolvers)[number];
/** `Type.field` of every resolver the topology declares. */
type ResolverId = DeclaredResolver extends infer R
  ? R extends { typeName: infer T extends string; fieldName: infer F extends string }
    ? `${T}.${F}`
    : never
  : never;

export interface AppointmentsApiProps {
  readonly appointments: dynamodb.ITable;
  readonly appointmentRequests: sns.ITopic;
}

/**
 * The GraphQL API: AppSync serving schema.graphql with an API key (default, for
 * development), Cognito user pools and IAM, each field answered by its own Lambda
 * function through a direct Lambda resolver (no mapping templates).
 */
export class AppointmentsApi extends Construct {
  readonly api: appsync.GraphqlApi;
  readonly apiKeyId: string;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: AppointmentsApiProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
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
        reason: 'Threat protection (advanced security) needs the Cognito Plus plan, billed per user; the API key is the development mode and there are no end users yet.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'Same as COG3: the Plus plan is bought when real users sign in with Cognito; MFA and a strong password policy are on already.',
      },
    );
    this.userPoolClient = this.userPool.addClient('ApiClient', {
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
    });

    this.api = new appsync.GraphqlApi(this, 'Api', {
      name: `${Stack.of(this).stackName}-appointments`,
      definition: appsync.Definition.fromFile(schemaFile),
      authorizationConfig: {
        defaultAuthorization: {
          authorizationType: appsync.AuthorizationType.API_KEY,
          apiKeyConfig: {
            description: 'Development key',
            // The longest AppSync allows, counted from each synth: every deploy pushes the expiry out again.
            expires: Expiration.after(Duration.days(365)),
          },
        },
        additionalAuthorizationModes: [
          { authorizationType: appsync.AuthorizationType.USER_POOL, userPoolConfig: { userPool: this.userPool } },
          { authorizationType: appsync.AuthorizationType.IAM },
        ],
      },
      xrayEnabled: true,
    });
    this.apiKeyId = (this.api.node.findChild('DefaultApiKey') as appsync.CfnApiKey).attrApiKeyId;
    this.logErrors();

    // What each resolver's function touches: a resolver added to the topology does not compile until it is listed here.
    const resolverAccess: { readonly [R in ResolverId]: (fn: NodejsFunction) => void } = {
      'Mutation.createAppointment': (fn) => {
        fn.addEnvironment(environment.appointmentsTableName, props.appointments.tableName);
        fn.addEnvironment(environment.appointmentRequestsTopicArn, props.appointmentRequests.topicArn);
        // Puts the PENDING item, and deletes it again if the request cannot be published.
        props.appointments.grant(fn, 'dynamodb:PutItem', 'dynamodb:DeleteItem');
        // sns:Publish alone: the topic's AWS managed key (aws/sns) lets any account principal allowed to publish use it through SNS.
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.appointmentRequests.topicArn] }));
      },
      'Query.appointments': (fn) => {
        fn.addEnvironment(environment.appointmentsTableName, props.appointments.tableName);
        // One Query on the base table, by insuredId.
        props.appointments.grant(fn, 'dynamodb:Query');
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
    // No request or response mapping template: a direct Lambda resolver.
    dataSource.createResolver(`${id}Resolver`, { typeName, fieldName });
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
