import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceCreateEvent, CloudFormationCustomResourceDeleteEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import { environment } from '../../core/config/environment';
import { databaseUserNamed, databaseUsers } from '../../core/mysql/database-users';
import { countrySchemaMigrations } from '../../core/mysql/migrations';
import { handler } from '../../infra/functions/migrate-country-schemas';

// The function's MySQL pool and Lambda's CA bundle, which only exist in AWS: the pool hands out the
// recording connection of each test, and the bundle reads as a placeholder.
jest.mock('mysql2/promise', () => ({ ...jest.requireActual<object>('mysql2/promise'), createPool: jest.fn() }));
jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
  const readFile = (path: unknown, ...rest: unknown[]) =>
    path === '/var/runtime/ca-cert.pem'
      ? Promise.resolve(Buffer.from('test CA'))
      : (actual.readFile as (...args: unknown[]) => Promise<unknown>)(path, ...rest);
  return { ...actual, readFile };
});

const secretsManager = mockClient(SecretsManagerClient);
afterAll(() => secretsManager.restore());

describe('the country schemas custom resource', () => {
  it('given the stack is deleted, when CloudFormation deletes the resource, then the schemas and their appointments stay (MySQL is not even reached)', async () => {
    const event: CloudFormationCustomResourceDeleteEvent = {
      RequestType: 'Delete',
      ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
      ResponseURL: 'https://cloudformation-custom-resource-response.example',
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/MedicalAppointments/1',
      RequestId: 'request-1',
      LogicalResourceId: 'CountrySchemas',
      PhysicalResourceId: 'country-schemas',
      ResourceType: 'Custom::CountrySchemas',
      ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider' },
    };

    const response = await handler(event, {} as Context, () => undefined);

    expect(response).toEqual({ PhysicalResourceId: 'country-schemas' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('given a deploy that names a database user nobody declared, when CloudFormation creates the resource, then it fails before reading any secret or reaching MySQL', async () => {
    const event: CloudFormationCustomResourceCreateEvent = {
      RequestType: 'Create',
      ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
      ResponseURL: 'https://cloudformation-custom-resource-response.example',
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/MedicalAppointments/1',
      RequestId: 'request-2',
      LogicalResourceId: 'CountrySchemas',
      ResourceType: 'Custom::CountrySchemas',
      ResourceProperties: {
        ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
        databaseUsers: [{ username: 'appointments_admin2', secretArn: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:x' }],
      },
    };

    await expect(handler(event, {} as Context, () => undefined)).rejects.toThrow('No database user appointments_admin2 is declared');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});

/** What the function did, in order: a secret read, or a statement sent to MySQL. */
type Step = { readonly secretRead: string } | { readonly sql: string; readonly values: readonly unknown[] };

const MASTER_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:master';
const secretArnOf = (username: string) => `arn:aws:secretsmanager:us-east-1:111111111111:secret:${username}`;
const migrationStatements = new Set(countrySchemaMigrations.flatMap((migration) => migration.statements));

/**
 * A MySQL server that records every statement and has applied no migration yet, and secrets that rotate
 * while the migrations run: each user's password is `<user>-old` until the first migration statement and
 * `<user>-rotated` from then on, as when Secrets Manager's rotation finishes during a long deploy.
 */
function givenSecretsThatRotateDuringTheMigrations(): Step[] {
  const steps: Step[] = [];
  let rotated = false;
  secretsManager.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    steps.push({ secretRead: input.SecretId });
    if (input.SecretId === MASTER_SECRET_ARN)
      return { SecretString: JSON.stringify({ host: 'db.internal', port: 3306, username: 'admin', password: 'master' }) };
    const username = databaseUsers().find((user) => secretArnOf(user.name) === input.SecretId)?.name;
    return {
      SecretString: JSON.stringify({ host: 'db.internal', port: 3306, username, password: `${username}-${rotated ? 'rotated' : 'old'}` }),
    };
  });
  const connection = {
    query: (sql: string, values: readonly unknown[] = []) => {
      steps.push({ sql, values });
      if (migrationStatements.has(sql)) rotated = true;
      return Promise.resolve([answerTo(sql, values), []]);
    },
    release: () => undefined,
  };
  jest.mocked(createPool).mockReturnValue({
    getConnection: () => Promise.resolve(connection as unknown as PoolConnection),
    end: () => Promise.resolve(),
  } as unknown as Pool);
  return steps;
}

/** The lock is free, no migration was applied, and each user holds what was just granted to it. */
function answerTo(sql: string, values: readonly unknown[]): unknown[] {
  if (sql.includes('GET_LOCK')) return [{ acquired: 1 }];
  if (sql.includes('information_schema.TABLE_PRIVILEGES')) {
    const username = /^'(\w+)'@'%'$/.exec(String(values[0]))?.[1] ?? '';
    return databaseUserNamed(username).grants.flatMap((grant) =>
      grant.privileges.map((privilege) => ({ schemaName: grant.schema, tableName: grant.table, privilege, grantable: 'NO' })),
    );
  }
  return [];
}

describe("the database users' passwords on a deploy", () => {
  beforeEach(() => {
    process.env[environment.mysqlSecretArn] = MASTER_SECRET_ARN;
    process.env.AWS_REGION ??= 'us-east-1';
  });
  afterEach(() => {
    secretsManager.reset();
    delete process.env[environment.mysqlSecretArn];
  });

  it("given a rotation finishes while the migrations run, when the users are set, then each user's secret is read after the migrations, right before its password is set, and the rotated password is the one set", async () => {
    // Given every declared user, each with its secret, and secrets that rotate during the migrations
    const steps = givenSecretsThatRotateDuringTheMigrations();
    const usernames = databaseUsers().map((user) => user.name);
    const event: CloudFormationCustomResourceCreateEvent = {
      RequestType: 'Create',
      ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
      ResponseURL: 'https://cloudformation-custom-resource-response.example',
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/MedicalAppointments/1',
      RequestId: 'request-3',
      LogicalResourceId: 'CountrySchemas',
      ResourceType: 'Custom::CountrySchemas',
      ResourceProperties: {
        ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
        databaseUsers: usernames.map((username) => ({ username, secretArn: secretArnOf(username) })),
      },
    };

    // When CloudFormation creates the resource
    const response = await handler(event, {} as Context, () => undefined);

    // Then the migrations ran, every statement of them before any user's secret was read
    expect(response).toMatchObject({ PhysicalResourceId: 'country-schemas' });
    const lastMigrationStatement = steps.findLastIndex((step) => 'sql' in step && migrationStatements.has(step.sql));
    const userSecretReads = steps.flatMap((step, index) =>
      'secretRead' in step && step.secretRead !== MASTER_SECRET_ARN ? [{ arn: step.secretRead, index }] : [],
    );
    expect(lastMigrationStatement).toBeGreaterThan(0);
    expect(userSecretReads.map(({ arn }) => arn)).toEqual(usernames.map(secretArnOf));
    for (const { index } of userSecretReads) expect(index).toBeGreaterThan(lastMigrationStatement);
    // And each read is followed at once by that user's CREATE USER, and its password set is the rotated one
    for (const [position, username] of usernames.entries()) {
      const next = steps[(userSecretReads[position]?.index ?? -2) + 1];
      expect(next).toEqual({ sql: 'CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', values: [username, '%', `${username}-rotated`] });
      const passwordsSet = steps
        .filter((step) => 'sql' in step && step.sql.startsWith('ALTER USER') && step.values[0] === username)
        .map((step) => ('values' in step ? step.values[2] : undefined));
      expect(passwordsSet).toEqual([`${username}-rotated`]);
    }
  });
});
