import { topology } from '../../core/config/topology';
import type { CfnElement } from 'aws-cdk-lib';
import { SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { createHash } from 'node:crypto';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { countries } from '../../core/domain/countries';
import { environment } from '../../core/config/environment';
import { countrySchemaMigrations } from '../../core/mysql/migrations';
import {
  environmentOf,
  referencedLogicalId,
  resourcesOfType,
  SENDER_EMAIL,
  type SynthesizedApp,
  synthesizeAppointmentsApp,
  SYNTHESIS_TIMEOUT_MS,
} from './synthesized-app';

/** Actions AWS does not let a policy narrow to a resource. */
const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  // Lambda attaching a function to the VPC (what AWSLambdaVPCAccessExecutionRole grants).
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

let synthesized: SynthesizedApp;
beforeAll(() => {
  // The full synthesis `cdk synth` runs (cdk-nag and CloudFormation's own rules), with emails on so that every
  // resource the stack can have is checked; the variants below check the stack without them.
  synthesized = synthesizeAppointmentsApp({ context: { senderEmail: SENDER_EMAIL } });
}, SYNTHESIS_TIMEOUT_MS);
afterAll(() => synthesized.cleanup());

describe('cdk-nag AwsSolutions', () => {
  it('given the synthesized app, when AwsSolutions checks it, then there is no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(synthesized.app);

    expect(
      report.violations.map(
        (violation) =>
          `${violation.ruleName} (${violation.severity}) at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('given the acknowledged findings, when they are read, then each names one exact rule or finding and says why', () => {
    const acknowledgements = synthesized.app.node
      .findAll()
      .flatMap((construct) => construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      // aws-cdk-lib acknowledges some CloudFormation-Validate warnings of its own constructs.
      .filter(([id]) => id.replace(/^annotation::/i, '').startsWith('AwsSolutions'));

    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgements) {
      expect(id.replace(/^annotation::/i, '')).toMatch(/^AwsSolutions-[A-Z]+\d+(\[[^\]]+\])?$/);
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});

describe('secrets', () => {
  const functions = () => resourcesOfType(synthesized.template, 'AWS::Lambda::Function');

  it('given any function, when its environment is read, then it holds no credential, only the ARN of a database secret', () => {
    const databaseSecretIds = resourcesOfType(synthesized.template, 'AWS::SecretsManager::SecretTargetAttachment').map(([id]) => id);

    for (const [, fn] of functions()) {
      const variables = environmentOf(fn);
      // A dynamic reference would put the password itself in the function's configuration.
      expect(JSON.stringify(variables)).not.toMatch(/resolve:secretsmanager|resolve:ssm-secure/);
      expect(variables).not.toHaveProperty(environment.mysqlUrl);
      for (const [name, value] of Object.entries(variables)) {
        if (/PASSWORD|SECRET|TOKEN|CREDENTIAL|API_KEY/i.test(name)) {
          expect(name).toBe(environment.mysqlSecretArn);
          expect(databaseSecretIds).toContain(referencedLogicalId(value));
        }
        if (typeof value === 'string') {
          // Written-out values are names, ISO codes, flags and the sender address, never key material.
          expect(`${name}=${value}`).toMatch(/^\w+=[\w.:/ =@-]{0,64}$/);
          expect(`${name}=${value}`).not.toMatch(/[A-Za-z0-9+/]{24,}/);
        }
      }
    }
    const databaseClients = functions().filter(([, fn]) => environment.mysqlSecretArn in environmentOf(fn));
    expect(databaseClients.length).toBeGreaterThan(0);
  });

  it('given the database credentials, when RDS creates them, then they are generated into Secrets Manager, never written in the template', () => {
    const [, instance] = resourcesOfType(synthesized.template, 'AWS::RDS::DBInstance')[0] ?? [];

    expect(JSON.stringify(instance?.Properties.MasterUserPassword)).toContain('{{resolve:secretsmanager:');
    expect(instance?.Properties).toMatchObject({ StorageEncrypted: true, PubliclyAccessible: false });
  });
});

describe('IAM', () => {
  it('given every policy, when a statement allows `*`, then only for actions AWS cannot narrow to a resource', () => {
    const statements = [
      ...resourcesOfType(synthesized.template, 'AWS::IAM::Policy').map(([, policy]) => policy.Properties.PolicyDocument),
      ...resourcesOfType(synthesized.template, 'AWS::IAM::Role').flatMap(([, role]) =>
        ((role.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((policy) => policy.PolicyDocument),
      ),
    ].flatMap((document) => (document as { Statement: { Effect: string; Action: string | string[]; Resource: unknown }[] }).Statement);

    const wildcardActions = statements
      .filter((statement) => statement.Effect === 'Allow' && [statement.Resource].flat().includes('*'))
      .flatMap((statement) => [statement.Action].flat());

    expect(statements.length).toBeGreaterThan(0);
    expect(wildcardActions.filter((action) => !ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.includes(action))).toEqual([]);
    // Nor a wildcard inside an ARN (`table/*`, `key/*`, `function:*`), but the reminders' schedules: one per
    // appointment, named from its id at run time, so only their name prefix in their own group can be granted.
    const reminderSchedules = `:schedule/${topology.reminders.scheduleGroupName}/${topology.reminders.schedulePrefix}*"`;
    const partialWildcards = statements
      .flatMap((statement) => [statement.Resource].flat())
      .filter((resource) => resource !== '*' && JSON.stringify(resource).includes('*'));
    expect(partialWildcards.filter((resource) => !JSON.stringify(resource).includes(reminderSchedules))).toEqual([]);
    expect(partialWildcards).toHaveLength(1);
  });
});

describe('the country database', () => {
  it('given the VPC, when the database and its clients run in it, then there is no route to the internet', () => {
    expect(resourcesOfType(synthesized.template, 'AWS::EC2::InternetGateway')).toEqual([]);
    expect(resourcesOfType(synthesized.template, 'AWS::EC2::NatGateway')).toEqual([]);
    const endpointServices = resourcesOfType(synthesized.template, 'AWS::EC2::VPCEndpoint').map(([, endpoint]) =>
      JSON.stringify(endpoint.Properties.ServiceName),
    );
    expect(endpointServices.some((service) => service.includes('.secretsmanager'))).toBe(true);
    expect(endpointServices.some((service) => service.includes('.events'))).toBe(true);
  });

  const securityGroupLogicalId = (id: string) => {
    const group = synthesized.stack.node
      .findAll()
      .find((construct): construct is SecurityGroup => construct instanceof SecurityGroup && construct.node.id === id);
    if (!group) throw new Error(`No security group ${id}`);
    return synthesized.stack.getLogicalId(group.node.defaultChild as CfnElement);
  };

  it('given the database security group, when something connects, then only the database clients group (and the password rotation) may', () => {
    const [instanceId, instance] = resourcesOfType(synthesized.template, 'AWS::RDS::DBInstance')[0] ?? [];
    const databaseGroups = (instance?.Properties.VPCSecurityGroups as unknown[]).map(referencedLogicalId);
    const ingress = resourcesOfType(synthesized.template, 'AWS::EC2::SecurityGroupIngress').filter(([, rule]) =>
      databaseGroups.includes(referencedLogicalId(rule.Properties.GroupId)),
    );

    expect(instanceId).toBeDefined();
    for (const [, rule] of ingress) expect(rule.Properties).not.toHaveProperty('CidrIp');
    // The functions that use the database, and the hosted rotation of its passwords: no one else.
    const sources = new Set(ingress.map(([, rule]) => referencedLogicalId(rule.Properties.SourceSecurityGroupId)));
    expect([...sources].sort()).toEqual([securityGroupLogicalId('DatabaseClients'), securityGroupLogicalId('PasswordRotation')].sort());
  });

  it('given the migrations and the countries, when either changes, then the deploy runs the schema migrations again', () => {
    const [, schemas] = resourcesOfType(synthesized.template, 'Custom::CountrySchemas')[0] ?? [];

    expect(schemas?.Properties).toMatchObject({
      migrationsHash: createHash('sha256').update(JSON.stringify(countrySchemaMigrations)).digest('hex'),
      mysqlSchemas: Object.values(countries).map((country) => country.mysqlSchema),
    });
  });
});

describe('deployment settings', () => {
  it(
    'given a disposable environment (-c deletionProtection=false -c multiAz=true, emails on), when it is synthesized, then cdk-nag still passes and nothing refuses deletion',
    () => {
      const disposable = synthesizeAppointmentsApp({
        context: { deletionProtection: 'false', multiAz: 'true', senderEmail: SENDER_EMAIL },
        validateAgainstCloudFormationRules: false,
      });
      try {
        expect(new AwsSolutionsChecks().validateScope(disposable.app).violations).toEqual([]);
        const [, instance] = resourcesOfType(disposable.template, 'AWS::RDS::DBInstance')[0] ?? [];
        expect(instance?.Properties).toMatchObject({ DeletionProtection: false, MultiAZ: true });
        const tables = resourcesOfType(disposable.template, 'AWS::DynamoDB::Table');
        // Appointments, idempotency records and the slot read model.
        expect(tables).toHaveLength(3);
        for (const [, table] of tables) expect(table.Properties.DeletionProtectionEnabled).toBe(false);
      } finally {
        disposable.cleanup();
      }
    },
    SYNTHESIS_TIMEOUT_MS,
  );

  it(
    'given a development deployment (-c development=true, no senderEmail), when it is synthesized, then cdk-nag still passes with the API key mode on',
    () => {
      const developer = synthesizeAppointmentsApp({ context: { development: 'true' }, validateAgainstCloudFormationRules: false });
      try {
        expect(new AwsSolutionsChecks().validateScope(developer.app).violations).toEqual([]);
        expect(resourcesOfType(developer.template, 'AWS::AppSync::ApiKey')).toHaveLength(1);
      } finally {
        developer.cleanup();
      }
    },
    SYNTHESIS_TIMEOUT_MS,
  );

  it('given the defaults in cdk.json, when it is synthesized, then the database and every table (appointments, idempotency records, slot read model) refuse deletion', () => {
    const [, instance] = resourcesOfType(synthesized.template, 'AWS::RDS::DBInstance')[0] ?? [];
    const tables = resourcesOfType(synthesized.template, 'AWS::DynamoDB::Table');

    expect(instance?.Properties.DeletionProtection).toBe(true);
    expect(tables).toHaveLength(3);
    for (const [, table] of tables) {
      expect(table.Properties).toMatchObject({
        DeletionProtectionEnabled: true,
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
  });
});
