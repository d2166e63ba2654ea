import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { DatabaseUser, DatabaseUserPasswords } from '../mysql/database-users';
import type { RdsSecret } from './mysql-connection';

/**
 * Each database user's password, read from its own secret (the RDS secret shape Secrets Manager's
 * single-user rotation keeps current) at the moment it is asked for, never from a cache.
 */
export class SecretsManagerDatabaseUserPasswords implements DatabaseUserPasswords {
  /** `secretArns`: the secret of each user, by user name. */
  constructor(private readonly secretArns: ReadonlyMap<string, string>) {}

  async currentPasswordOf(user: DatabaseUser): Promise<string> {
    const secretArn = this.secretArns.get(user.name);
    if (!secretArn) throw new Error(`No secret is named for the database user ${user.name}`);
    // forceFetch: a rotation may have changed it a moment ago.
    const secret = await getSecret<RdsSecret>(secretArn, { transform: 'json', forceFetch: true });
    if (secret?.username !== user.name || !secret.password) throw new Error(`The secret ${secretArn} holds no password for ${user.name}`);
    return secret.password;
  }
}
