import { createHash } from 'node:crypto';
import { CustomResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IDependable } from 'constructs';
import { countries } from '../core/domain/countries';
import type { CountryISO } from '../core/graphql/types.generated';
import { environment } from '../core/config/environment';
import { databaseUsers, RECONCILER_USER_NAME } from '../core/mysql/database-users';
import { countrySchemaMigrations } from '../core/mysql/migrations';
import { appointmentsFunction, LOG_RETENTION, type FunctionNetwork } from './appointments-function';
import { deployedFunctions } from './bundling';

export interface CountryDatabaseProps {
  readonly deletionProtection: boolean;
  readonly multiAz: boolean;
}

/** Connections one country worker instance may open: with the topology's maxConcurrency it bounds each country's share. */
export const MYSQL_CONNECTIONS_PER_WORKER = 2;

/** How often Secrets Manager gives each database user a new password (its default, made explicit). */
export const PASSWORD_ROTATION_PERIOD = Duration.days(30);

/**
 * The MySQL that holds each country's scheduled appointments (schema per country),
 * in isolated subnets of its own VPC, with the country schemas migrated on deploy.
 *
 * The VPC has no internet route at all: functions reach Secrets Manager and
 * EventBridge through interface endpoints instead of a NAT gateway. Two endpoints
 * cost about what one NAT gateway does, need no public subnet, and leave the
 * functions that hold the database credentials no way out to the internet.
 */
export class CountryDatabase extends Construct {
  readonly vpc: ec2.Vpc;
  readonly instance: rds.DatabaseInstance;
  /** The master user's generated credentials (JSON host, port, username, password): the schema migrations' alone. */
  readonly masterSecret: secretsmanager.ISecret;
  /**
   * Each country worker's own database user's generated credentials, attached to the instance (so
   * they carry its host and port) and rotated: a worker gets its country's ARN, never a value.
   */
  readonly countryUserSecrets: ReadonlyMap<CountryISO, secretsmanager.ISecret>;
  /** The read-only reconciler's credentials, likewise generated, attached and rotated. */
  readonly reconcilerSecret: secretsmanager.ISecret;
  /** The schema migrations, which also create the database users: whoever signs in as one depends on it. */
  readonly migrated: IDependable;
  /** Where database clients (country workers, schema migrations) attach: allowed to MySQL and the endpoints, nothing else. */
  readonly clientNetwork: FunctionNetwork;

  constructor(scope: Construct, id: string, props: CountryDatabaseProps) {
    super(scope, id);

    const isolated: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    this.vpc = new ec2.Vpc(this, 'Network', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });
    this.vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogsGroup', { retention: LOG_RETENTION, removalPolicy: RemovalPolicy.DESTROY }),
      ),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    const clients = new ec2.SecurityGroup(this, 'DatabaseClients', {
      vpc: this.vpc,
      description: 'Functions that use the country database',
      allowAllOutbound: false,
    });
    this.clientNetwork = { vpc: this.vpc, subnets: isolated, securityGroup: clients };

    const [secretsManagerEndpoint, eventBridgeEndpoint] = [
      { id: 'SecretsManagerEndpoint', service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER },
      { id: 'EventBridgeEndpoint', service: ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE },
    ].map(({ id: endpointId, service }) => {
      const endpoint = this.vpc.addInterfaceEndpoint(endpointId, { service, subnets: isolated, privateDnsEnabled: true, open: false });
      endpoint.connections.allowDefaultPortFrom(clients, 'HTTPS from database clients');
      return endpoint;
    }) as [ec2.InterfaceVpcEndpoint, ec2.InterfaceVpcEndpoint];

    // 8.4, the LTS line: RDS for MySQL 8.0 left standard support on 31 July 2026 and now bills Extended Support.
    // A full version because CloudFormation's validation rejects a bare major; RDS still applies minor upgrades.
    const engine = rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_4_10 });
    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.MICRO),
      vpc: this.vpc,
      vpcSubnets: isolated,
      credentials: rds.Credentials.fromGeneratedSecret('appointments_admin'),
      parameterGroup: new rds.ParameterGroup(this, 'Parameters', {
        engine,
        description: 'Country appointments: TLS required',
        // The workers connect with TLS, trusting the RDS CAs of the Lambda runtime's bundle; refuse anything else.
        parameters: { require_secure_transport: 'ON' },
      }),
      allocatedStorage: 20,
      maxAllocatedStorage: 100,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      multiAz: props.multiAz,
      backupRetention: Duration.days(7),
      deletionProtection: props.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      autoMinorVersionUpgrade: true,
      publiclyAccessible: false,
    });
    this.instance.connections.allowDefaultPortFrom(clients, 'MySQL from database clients');
    if (!this.instance.secret) throw new Error('The database instance has no generated secret');
    this.masterSecret = this.instance.secret;
    this.countryUserSecrets = new Map(
      Object.values(countries).map((country) => [
        country.iso,
        // Generated by Secrets Manager; the migrations read it to CREATE USER / ALTER USER with this password.
        new rds.DatabaseSecret(this, `${country.iso}WorkerCredentials`, { username: country.mysqlUser }).attach(this.instance),
      ]),
    );
    this.reconcilerSecret = new rds.DatabaseSecret(this, 'ReconcilerCredentials', { username: RECONCILER_USER_NAME }).attach(this.instance);

    this.acknowledgeDatabaseFindings(props);
    // The instance's own resource and its security group rules, not the whole construct: the master secret's rotation is below it.
    const databaseReady = [this.instance.node.defaultChild as Construct, ...this.instance.connections.securityGroups];
    this.migrated = this.migrateCountrySchemasOnDeploy([...databaseReady, clients, secretsManagerEndpoint, eventBridgeEndpoint]);
    this.rotatePasswords(isolated, secretsManagerEndpoint, databaseReady);
  }

  /**
   * Secrets Manager's hosted single-user rotation for every secret: it signs in as the user and
   * changes its own password. Its function runs in the isolated subnets and calls only Secrets
   * Manager (through the endpoint) and MySQL, so its security group allows those two and nothing else.
   */
  private rotatePasswords(
    isolated: ec2.SubnetSelection,
    secretsManagerEndpoint: ec2.InterfaceVpcEndpoint,
    databaseReady: readonly Construct[],
  ): void {
    const rotation = new ec2.SecurityGroup(this, 'PasswordRotation', {
      vpc: this.vpc,
      description: 'The hosted functions that rotate the database passwords',
      allowAllOutbound: false,
    });
    this.instance.connections.allowDefaultPortFrom(rotation, 'MySQL from the password rotation');
    secretsManagerEndpoint.connections.allowDefaultPortFrom(rotation, 'HTTPS from the password rotation');
    const rotated = [
      { id: 'MasterPasswordRotation', secret: this.masterSecret },
      ...[...this.countryUserSecrets].map(([iso, secret]) => ({ id: `${iso}WorkerPasswordRotation`, secret })),
      { id: 'ReconcilerPasswordRotation', secret: this.reconcilerSecret },
    ];
    for (const { id, secret } of rotated) {
      const schedule = secret.addRotationSchedule(id, {
        hostedRotation: secretsmanager.HostedRotation.mysqlSingleUser({ vpc: this.vpc, vpcSubnets: isolated, securityGroups: [rotation] }),
        automaticallyAfter: PASSWORD_ROTATION_PERIOD,
      });
      // The first rotation starts as soon as the schedule exists: the user must exist, the network
      // must be open, and the migrations must not be signing in as the master meanwhile.
      schedule.node.addDependency(this.migrated, ...databaseReady, rotation, secretsManagerEndpoint);
    }
  }

  /** Runs `migrateCountrySchemas` on every deploy that changes the migrations, the countries or the database users. */
  private migrateCountrySchemasOnDeploy(networkReady: readonly Construct[]): CustomResource {
    const migrate = appointmentsFunction(this, deployedFunctions.migrateCountrySchemas, {
      description: 'Creates the country schemas in MySQL and applies their migrations (CloudFormation custom resource)',
      // Cold start in the VPC plus the migration lock's 60 s wait, with room to spare.
      timeout: Duration.minutes(5),
      memorySize: 256,
      environment: { [environment.mysqlSecretArn]: this.masterSecret.secretArn },
      network: this.clientNetwork,
    });
    // The master's credentials to sign in, each user's to set its password.
    for (const secret of [this.masterSecret, ...this.countryUserSecrets.values(), this.reconcilerSecret]) secret.grantRead(migrate);

    // The provider framework's role, granted by hand: its default grant adds `<function>:*` (versions) it never calls.
    const frameworkLogs = new logs.LogGroup(this, 'CountrySchemasProviderLogs', {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const frameworkRole = new iam.Role(this, 'CountrySchemasProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the CloudFormation provider framework that calls the country schema migrations',
    });
    frameworkLogs.grantWrite(frameworkRole);
    frameworkRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction', 'lambda:GetFunction'], resources: [migrate.functionArn] }),
    );
    const provider = new cr.Provider(this, 'CountrySchemasProvider', {
      onEventHandler: migrate,
      frameworkOnEventRole: frameworkRole.withoutPolicyUpdates(),
      logGroup: frameworkLogs,
    });

    const countrySchemas = new CustomResource(this, 'CountrySchemas', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CountrySchemas',
      properties: {
        // A change here is what makes CloudFormation call the migrations again.
        migrationsHash: createHash('sha256').update(JSON.stringify(countrySchemaMigrations)).digest('hex'),
        mysqlSchemas: Object.values(countries).map((country) => country.mysqlSchema),
        databaseUsers: [
          ...[...this.countryUserSecrets].map(([iso, secret]) => ({ username: countries[iso].mysqlUser, secretArn: secret.secretArn })),
          { username: RECONCILER_USER_NAME, secretArn: this.reconcilerSecret.secretArn },
        ],
        databaseUsersHash: createHash('sha256').update(JSON.stringify(databaseUsers())).digest('hex'),
      },
    });
    // The migrations need the instance up, the security group rules, the endpoints and the framework's grants.
    countrySchemas.node.addDependency(...networkReady, frameworkRole);
    return countrySchemas;
  }

  private acknowledgeDatabaseFindings(props: CountryDatabaseProps): void {
    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'A non-default port hides nothing here: the instance sits in isolated subnets and only the database clients security group may connect.',
    });
    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-RDS6',
      reason:
        'Clients authenticate with the RDS-generated credentials in Secrets Manager; IAM tokens expire every 15 minutes, which a long-lived mysql2 pool does not renew.',
    });
    if (!props.multiAz) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason:
          'Single-AZ by deployment setting (context multiAz=false) to halve the cost; while MySQL is down the requests wait in the country queues and then their DLQs, from which they are redriven.',
      });
    }
    if (!props.deletionProtection) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: 'Deletion protection turned off by deployment setting (context deletionProtection=false), for a disposable environment.',
      });
    }
  }
}
