import * as path from 'node:path';
import { Duration, Expiration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { apiLimits } from '../core/config/api-limits';
import { environment } from '../core/config/environment';
import { topology, type PublishMutation } from '../core/config/topology';
import { ApiFirewall } from './api-firewall';
import { appSyncJsModule } from './appsync-js-module';
import { deployedSchema } from './deployed-schema';
import { appointmentsFunction, LOG_RETENTION } from './appointments-function';
import { InsuredUserPool } from './insured-user-pool';
import { deployedFunctions, repositoryRoot } from './bundling';
import { grantOnFreeSlotIndexes, grantOnSlotTable } from './slot-read-model-grants';

/** The one schema file: AppSync serves it with the auth directives of the API's modes (infra/deployed-schema.ts). */
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
  /** The slot read model (infra/slot-read-model.ts): availableSlots, catalog and withdrawSlot read it. */
  readonly slots: dynamodb.ITable;
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
  /** Who signs in: insured people and staff, the default mode's user pool. */
  readonly users: InsuredUserPool;
  readonly firewall: ApiFirewall;

  constructor(scope: Construct, id: string, props: AppointmentsApiProps) {
    super(scope, id);

    // Id `Default`: CDK leaves it out of logical ids, so the pool, its clients, group and trigger keep the
    // ids they had before they became a construct of their own. A new logical id would make CloudFormation
    // replace the pool: a new, empty one, every insured person's account left behind in the retained old one.
    this.users = new InsuredUserPool(this, 'Default');

    this.api = this.graphqlApi(props.development);
    this.apiKeyId = (this.api.node.tryFindChild('DefaultApiKey') as appsync.CfnApiKey | undefined)?.attrApiKeyId;
    this.logErrors();
    this.firewall = new ApiFirewall(this, 'Firewall', { api: this.api });
    this.lambdaResolvers(resolverAccess(props));
    for (const publish of topology.publishMutations) this.publishMutation(publish);
  }

  /** Users of the pool by default, the pipeline's functions with IAM, and an API key only in a development deployment. */
  private graphqlApi(development: boolean): appsync.GraphqlApi {
    const developerKey: appsync.AuthorizationMode = {
      authorizationType: appsync.AuthorizationType.API_KEY,
      apiKeyConfig: {
        description: 'Development key',
        // The longest AppSync allows, counted from each synth: every deploy pushes the expiry out again.
        expires: Expiration.after(Duration.days(365)),
      },
    };
    // Insured people and staff; a field that names no mode gets this one only.
    const defaultAuthorization: appsync.AuthorizationMode = {
      authorizationType: appsync.AuthorizationType.USER_POOL,
      userPoolConfig: { userPool: this.users.userPool },
    };
    const additionalAuthorizationModes: appsync.AuthorizationMode[] = [
      // The pipeline's functions (SigV4), on the fields the schema marks @aws_iam.
      { authorizationType: appsync.AuthorizationType.IAM },
      ...(development ? [developerKey] : []),
    ];
    const modes = [defaultAuthorization, ...additionalAuthorizationModes].map((mode) => mode.authorizationType);
    return new appsync.GraphqlApi(this, 'Api', {
      name: `${Stack.of(this).stackName}-appointments`,
      // schema.graphql with the auth directives of these modes only: no @aws_api_key without the development flag.
      definition: appsync.Definition.fromSchema(deployedSchema(schemaFile, modes)),
      authorizationConfig: { defaultAuthorization, additionalAuthorizationModes },
      // Explorers and codegen need it in development; elsewhere it would only map the API out for a stranger.
      introspectionConfig: development ? appsync.IntrospectionConfig.ENABLED : appsync.IntrospectionConfig.DISABLED,
      queryDepthLimit: apiLimits.queryDepthLimit,
      resolverCountLimit: apiLimits.resolverCountLimit,
      xrayEnabled: true,
    });
  }

  /** A function per client field, given what it touches, behind its field's resolver. */
  private lambdaResolvers(access: ResolverAccess): void {
    for (const resolver of deployedFunctions.resolvers) {
      const fn = appointmentsFunction(this, resolver, {
        description: `Direct Lambda resolver for ${resolver.id}`,
        timeout: Duration.seconds(resolver.timeoutSeconds),
      });
      access[resolver.id as ResolverId](fn);
      this.directLambdaResolver(resolver.id, resolver.typeName, resolver.fieldName, fn);
    }
  }

  /**
   * An internal mutation a worker calls (the completion worker after each stored status change, the slot projector
   * after each slot's new state). The NONE data source returns the change as sent, and AppSync pushes that result
   * to the subscriptions that name the mutation in @aws_subscribe, filtered by their arguments.
   */
  private publishMutation({ typeName, fieldName, code }: PublishMutation): void {
    const id = `${typeName}.${fieldName}`;
    const dataSource = new appsync.NoneDataSource(this, `${id}DataSource`, {
      api: this.api,
      description: `Returns the ${fieldName} argument as is, for AppSync to push to the subscribers`,
    });
    dataSource.createResolver(`${id}Resolver`, {
      typeName,
      fieldName,
      runtime: appsync.FunctionRuntime.JS_1_0_0,
      code: appsync.Code.fromInline(appSyncJsModule(code)),
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
    dataSource.createResolver(`${id}Resolver`, {
      typeName,
      fieldName,
      runtime: appsync.FunctionRuntime.JS_1_0_0,
      code: lambdaResolverCode(),
    });
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
      reason:
        "Field errors are logged (ERROR); verbose content is left out on purpose: it would copy request headers and the insured person's arguments into the logs.",
    });
  }
}

/** What each resolver's function touches: a resolver added to the topology does not compile until it is listed here. */
type ResolverAccess = { readonly [R in ResolverId]: (fn: NodejsFunction) => void };

function resolverAccess({ appointments, slots, appointmentRequests }: AppointmentsApiProps): ResolverAccess {
  const publishesRequests = (fn: NodejsFunction) => {
    fn.addEnvironment(environment.appointmentRequestsTopicArn, appointmentRequests.topicArn);
    // sns:Publish alone: the topic's AWS managed key (aws/sns) lets any account principal allowed to publish use it through SNS.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [appointmentRequests.topicArn] }));
  };
  return {
    'Mutation.createAppointment': (fn) => {
      fn.addEnvironment(environment.appointmentsTableName, appointments.tableName);
      // Puts the PENDING item and its slot claim, reads an earlier claim's appointment on a retry and marks it
      // answered (so it is never discarded under that client), and deletes a duplicate, or the item when the
      // request cannot be published.
      appointments.grant(fn, 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
      fn.addEnvironment(environment.slotsTableName, slots.tableName);
      // A consistent GetItem of the slot booked: a scheduleId the catalog lacks, or a slot begun, is refused at once.
      grantOnSlotTable(slots, fn, 'dynamodb:GetItem');
      // The booking travels to its country on the requests topic.
      publishesRequests(fn);
    },
    'Mutation.cancelAppointment': (fn) => {
      fn.addEnvironment(environment.appointmentsTableName, appointments.tableName);
      // One conditional UpdateItem; a GetItem when the condition fails (already cancelled, or rejected).
      appointments.grant(fn, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
      // The cancellation travels to the country on the same topic as bookings.
      publishesRequests(fn);
    },
    'Mutation.rescheduleAppointment': (fn) => {
      fn.addEnvironment(environment.appointmentsTableName, appointments.tableName);
      // Reads the appointment (the notice rules need its start), then one conditional UpdateItem records the pending move.
      appointments.grant(fn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
      fn.addEnvironment(environment.slotsTableName, slots.tableName);
      // A consistent GetItem of the slot asked for: one the catalog lacks, withdrawn or begun is refused at once.
      grantOnSlotTable(slots, fn, 'dynamodb:GetItem');
      // The move travels to the country on the same topic as bookings; the country decides.
      publishesRequests(fn);
    },
    'Query.appointments': (fn) => {
      fn.addEnvironment(environment.appointmentsTableName, appointments.tableName);
      // One Query on the base table, by insuredId.
      appointments.grant(fn, 'dynamodb:Query');
    },
    'Query.availableSlots': (fn) => {
      fn.addEnvironment(environment.slotsTableName, slots.tableName);
      // One Query per page on the sparse free-slot index its filters pick; it never reads the base table,
      // so the right is on the indexes alone, each by name.
      grantOnFreeSlotIndexes(slots, fn, 'dynamodb:Query');
    },
    'Query.catalog': (fn) => {
      fn.addEnvironment(environment.slotsTableName, slots.tableName);
      // A country's catalog entries are one partition of the base table: a Query there (paged), no index.
      grantOnSlotTable(slots, fn, 'dynamodb:Query');
    },
    'Mutation.publishSlots': (fn) => {
      // Checks the publication and hands it to its country on the requests topic; the country stores the slots
      // and announces them, so this function touches no table.
      publishesRequests(fn);
    },
    'Mutation.withdrawSlot': (fn) => {
      fn.addEnvironment(environment.slotsTableName, slots.tableName);
      // A consistent GetItem of the slot: refused at once when the read model has no such slot or shows it held.
      grantOnSlotTable(slots, fn, 'dynamodb:GetItem');
      // The withdrawal travels to the country on the same topic as bookings; the country decides.
      publishesRequests(fn);
    },
    'Subscription.onAppointmentStatusChanged': () => {
      // Decides from the caller's identity alone whether they may follow this insuredId: no table, no topic.
    },
  };
}

/** The APPSYNC_JS code of every Lambda-backed field: bundled once, the same text for each resolver. */
let lambdaResolverModule: string | undefined;
function lambdaResolverCode(): appsync.Code {
  lambdaResolverModule ??= appSyncJsModule(topology.lambdaResolverCode);
  return appsync.Code.fromInline(lambdaResolverModule);
}
