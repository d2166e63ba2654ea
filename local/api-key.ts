import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';

/**
 * The API key `npm start` serves: LOCAL_API_KEY when set, otherwise one kept per
 * checkout in a file (made on first start), so a script written yesterday still
 * works today. Tests start their stacks without it and get a fresh key each.
 */

/** AppSync's own key format: `da2-` and 26 lowercase letters or digits. */
const APPSYNC_API_KEY = /^da2-[a-z0-9]{26}$/;

export interface LocalApiKey {
  readonly key: string;
  /** For the banner: where the key came from. */
  readonly origin: string;
}

export async function provideLocalApiKey(keyFile: string, env: NodeJS.ProcessEnv = process.env): Promise<LocalApiKey> {
  // Set but empty counts as unset, as `LOCAL_API_KEY= npm start` means.
  if (env.LOCAL_API_KEY) return { key: checkedApiKey(env.LOCAL_API_KEY, 'LOCAL_API_KEY'), origin: 'from LOCAL_API_KEY' };
  const kept = await readFile(keyFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const shownFile = relative(process.cwd(), keyFile) || keyFile;
  const overridden = 'LOCAL_API_KEY=da2-… serves another';
  if (kept !== undefined) return { key: checkedApiKey(kept.trim(), keyFile), origin: `kept in ${shownFile} (${overridden})` };
  return { key: await keepNewApiKey(keyFile), origin: `made on this first start and kept in ${shownFile} (${overridden})` };
}

/** A fresh key in AppSync's format. */
function newApiKey(): string {
  return `da2-${randomBytes(13).toString('hex')}`;
}

async function keepNewApiKey(keyFile: string): Promise<string> {
  const key = newApiKey();
  await mkdir(dirname(keyFile), { recursive: true });
  try {
    // `wx`: when two starts race, the first key written wins and both serve it.
    await writeFile(keyFile, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return checkedApiKey((await readFile(keyFile, 'utf8')).trim(), keyFile);
  }
}

function checkedApiKey(key: string, source: string): string {
  if (APPSYNC_API_KEY.test(key)) return key;
  throw new Error(
    `The API key in ${source} is not an AppSync API key: it must be da2- followed by 26 lowercase letters or digits (da2-${'x'.repeat(26)}), like the keys AppSync issues. ` +
      `Fix it, or ${source === 'LOCAL_API_KEY' ? 'unset LOCAL_API_KEY to use the key kept in .local-data/api-key' : 'delete the file and a new key is made'}.`,
  );
}
