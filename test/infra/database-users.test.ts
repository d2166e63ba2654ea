import { countries } from '../../core/domain/countries';
import { environment } from '../../core/config/environment';
import { RECONCILER_USER_NAME } from '../../core/mysql/database-users';
import { allDeployedFunctions, deployedFunctions } from '../../infra/bundling';
import {
  environmentOf,
  functionLogicalId,
  referencedLogicalId,
  resource,
  resourcesOfType,
  SENDER_EMAIL,
  statementsOf,
  synthesizeAppointmentsApp,
  SYNTHESIS_TIMEOUT_MS,
  type CfnResource,
  type SynthesizedApp,
} from './synthesized-app';

let synthesized: SynthesizedApp;
beforeAll(() => {
  // compliance.test.ts runs CloudFormation's own rules and cdk-nag over the same app.
  // With emails on, so that every function the stack can deploy is there to be checked.
  synthesized = synthesizeAppointmentsApp({ context: { senderEmail: SENDER_EMAIL }, validateAgainstCloudFormationRules: false });
}, SYNTHESIS_TIMEOUT_MS);
afterAll(() => synthesized.cleanup());

const resources = (type: string) => resourcesOfType(synthesized.template, type);
const migrationsId = () => resources('Custom::CountrySchemas')[0]![0];

/** The attachment (secret plus the instance's host and port) of the generated secret whose user is `username`. */
function attachedSecretOf(username: string): string {
  const secrets = resources('AWS::SecretsManager::Secret').filter(
    ([, secret]) =>
      (secret.Properties.GenerateSecretString as { SecretStringTemplate?: string } | undefined)?.SecretStringTemplate ===
      JSON.stringify({ username }),
  );
  expect(secrets).toHaveLength(1);
  const attachments = resources('AWS::SecretsManager::SecretTargetAttachment').filter(
    ([, attachment]) => referencedLogicalId(attachment.Properties.SecretId) === secrets[0]![0],
  );
  expect(attachments).toHaveLength(1);
  return attachments[0]![0];
}

/** The secrets a function's role may read, by logical id. */
function secretsReadBy(functionId: string): string[] {
  return statementsOf(synthesized, functionId)
    .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('secretsmanager:')))
    .flatMap((statement) => [statement.Resource].flat().map(referencedLogicalId));
}

/** Every user the migrations create in AWS, each with a secret of its own. */
const userNames = [...Object.values(countries).map((country) => country.mysqlUser), RECONCILER_USER_NAME];
const countryWorker = (iso: string) => deployedFunctions.countryWorkers.find((worker) => worker.countryISO === iso)!;

describe('database users in AWS', () => {
  it.each(Object.values(countries))(
    'given the $iso worker, when its user is deployed, then a password is generated into a secret of its own, attached to the instance',
    (country) => {
      const attachmentId = attachedSecretOf(country.mysqlUser);

      const attachment = resource(synthesized.template, attachmentId);
      expect(attachment.Properties).toMatchObject({ TargetType: 'AWS::RDS::DBInstance' });
      expect(referencedLogicalId(attachment.Properties.TargetId)).toBe(resources('AWS::RDS::DBInstance')[0]![0]);
      const secret = resource(synthesized.template, referencedLogicalId(attachment.Properties.SecretId));
      expect(secret.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'password' });
    },
  );

  it.each(Object.values(countries))(
    'given the $iso worker, when it is deployed, then it is given its own secret, may read that one only, and starts after the migrations made its user',
    (country) => {
      const own = attachedSecretOf(country.mysqlUser);
      const workerId = countryWorker(country.iso).id;
      const fn = resource(synthesized.template, functionLogicalId(synthesized, workerId));

      expect(referencedLogicalId(environmentOf(fn)[environment.mysqlSecretArn])).toBe(own);
      expect(secretsReadBy(workerId)).toEqual([own]);
      expect(fn.DependsOn).toContain(migrationsId());
    },
  );

  it('given the scheduled reconciler, when it is deployed, then it signs in as the read-only user, may read that secret only, and starts after the migrations made its user', () => {
    const own = attachedSecretOf(RECONCILER_USER_NAME);
    const fn = resource(synthesized.template, functionLogicalId(synthesized, deployedFunctions.reconciler.id));

    expect(referencedLogicalId(environmentOf(fn)[environment.mysqlSecretArn])).toBe(own);
    expect(secretsReadBy(deployedFunctions.reconciler.id)).toEqual([own]);
    expect(fn.DependsOn).toContain(migrationsId());
  });

  it('given the master user, when the stack is deployed, then only the migrations read its secret, and they read every user secret to set those passwords', () => {
    const master = attachedSecretOf('appointments_admin');
    const usersSecrets = userNames.map(attachedSecretOf);
    const readers = allDeployedFunctions.filter((deployed) => secretsReadBy(deployed.id).includes(master));

    expect(readers.map((deployed) => deployed.id)).toEqual([deployedFunctions.migrateCountrySchemas.id]);
    expect(new Set(secretsReadBy(deployedFunctions.migrateCountrySchemas.id))).toEqual(new Set([master, ...usersSecrets]));
    const [, migrations] = resources('Custom::CountrySchemas')[0]!;
    expect(
      (migrations.Properties.databaseUsers as { username: string; secretArn: unknown }[]).map((user) => [
        user.username,
        referencedLogicalId(user.secretArn),
      ]),
    ).toEqual(userNames.map((username) => [username, attachedSecretOf(username)]));
  });

  it('given every database secret, when the stack is deployed, then Secrets Manager rotates it every 30 days with its hosted single-user MySQL rotation in the isolated subnets, once the users exist', () => {
    const schedules = new Map(
      resources('AWS::SecretsManager::RotationSchedule').map(([id, schedule]) => [
        referencedLogicalId(schedule.Properties.SecretId),
        { id, schedule },
      ]),
    );
    const isolatedSubnets = resources('AWS::EC2::Subnet').map(([id]) => id);

    expect(synthesized.template.toJSON().Transform).toContain('AWS::SecretsManager-2024-09-16');
    for (const username of ['appointments_admin', ...userNames]) {
      const { schedule } = schedules.get(attachedSecretOf(username)) ?? {};
      expect(schedule?.Properties).toMatchObject({
        HostedRotationLambda: { RotationType: 'MySQLSingleUser' },
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
      const hosted = schedule!.Properties.HostedRotationLambda as {
        VpcSubnetIds: { 'Fn::Join': [string, unknown[]] };
        VpcSecurityGroupIds: unknown;
      };
      expect(
        hosted.VpcSubnetIds['Fn::Join'][1]
          .filter((part) => part !== ',')
          .map(referencedLogicalId)
          .sort(),
      ).toEqual(isolatedSubnets.sort());
      expect(referencedLogicalId(hosted.VpcSecurityGroupIds)).toBe(rotationGroupId());
      expect(schedule!.DependsOn).toContain(migrationsId());
    }
  });

  it('given the rotation functions, when they run in the VPC, then they may reach MySQL and the Secrets Manager endpoint, which is all they call, and nothing else', () => {
    const rotation = rotationGroupId();
    const [, group] = resources('AWS::EC2::SecurityGroup').find(([id]) => id === rotation)!;
    const egress = resources('AWS::EC2::SecurityGroupEgress').filter(
      ([, rule]) => referencedLogicalId(rule.Properties.GroupId) === rotation,
    );
    const databaseGroup = referencedLogicalId((resources('AWS::RDS::DBInstance')[0]![1].Properties.VPCSecurityGroups as unknown[])[0]);
    const secretsEndpoint = resources('AWS::EC2::VPCEndpoint').find(([, endpoint]) =>
      JSON.stringify(endpoint.Properties.ServiceName).includes('.secretsmanager'),
    )!;

    // No inline rule (allowAllOutbound off removes the open default): only the two rules below.
    expect(group.Properties.SecurityGroupEgress ?? []).toEqual([]);
    expect(secretsEndpoint[1].Properties.PrivateDnsEnabled).toBe(true);
    expect(egress.map(([, rule]) => [referencedLogicalId(rule.Properties.DestinationSecurityGroupId), portOf(rule)]).sort()).toEqual(
      [
        [databaseGroup, 'MySQL'],
        [referencedLogicalId((secretsEndpoint[1].Properties.SecurityGroupIds as unknown[])[0]), 443],
      ].sort(),
    );
  });

  it('given the instance, when a client connects without TLS, then its parameter group refuses it', () => {
    const [, instance] = resources('AWS::RDS::DBInstance')[0]!;
    const parameters = resource(synthesized.template, referencedLogicalId(instance.Properties.DBParameterGroupName));

    expect(parameters.Properties.Parameters).toMatchObject({ require_secure_transport: 'ON' });
  });
});

function rotationGroupId(): string {
  const ids = new Set(
    resources('AWS::SecretsManager::RotationSchedule').map(([, schedule]) =>
      referencedLogicalId((schedule.Properties.HostedRotationLambda as { VpcSecurityGroupIds: unknown }).VpcSecurityGroupIds),
    ),
  );
  expect(ids.size).toBe(1);
  return [...ids][0]!;
}

/** A rule's port: 443, or 'MySQL' for the instance's port (a token CloudFormation resolves from the instance). */
function portOf(rule: CfnResource): number | string {
  const port = rule.Properties.FromPort;
  return typeof port === 'number' ? port : 'MySQL';
}
