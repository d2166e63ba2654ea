import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provideLocalApiKey } from '../../local/api-key';

/** The key `npm start` serves stays the same from one start to the next, unless LOCAL_API_KEY says otherwise. */
describe('the local API key', () => {
  let dir: string;
  let keyFile: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-api-key-'));
    keyFile = join(dir, '.local-data', 'api-key');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is made in AppSync's form on the first start, readable by this user only, and the same on the next start", async () => {
    // Given a checkout that has never started the stack
    // When it starts twice
    const first = await provideLocalApiKey(keyFile, {});
    const second = await provideLocalApiKey(keyFile, {});

    // Then both starts serve one key, in AppSync's form, kept in a file only this user can read
    expect(first.key).toMatch(/^da2-[a-z0-9]{26}$/);
    expect(second.key).toBe(first.key);
    expect((await readFile(keyFile, 'utf8')).trim()).toBe(first.key);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(second.origin).toContain('kept in');
  });

  it('is the same for two starts racing to make it', async () => {
    // Given no key yet
    // When two starts ask at once
    const [one, other] = await Promise.all([provideLocalApiKey(keyFile, {}), provideLocalApiKey(keyFile, {})]);

    // Then they serve the same key
    expect(other.key).toBe(one.key);
  });

  it('is LOCAL_API_KEY when that is set, whatever the file holds', async () => {
    // Given a kept key and another one in LOCAL_API_KEY
    await provideLocalApiKey(keyFile, {});
    const chosen = 'da2-abcdefghijklmnopqrstuvwxyz';

    // When the stack starts
    const served = await provideLocalApiKey(keyFile, { LOCAL_API_KEY: chosen });

    // Then it serves LOCAL_API_KEY's key and says so
    expect(served).toEqual({ key: chosen, origin: 'from LOCAL_API_KEY' });
  });

  it.each(['da2-ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'da2-short', 'abcdefghijklmnopqrstuvwxyz', 'da2-abcdefghijklmnopqrstuvwxyz '])(
    'refuses LOCAL_API_KEY=%j and says what a key looks like',
    async (malformed) => {
      // Given a LOCAL_API_KEY that AppSync would never issue
      // When the stack starts
      const starting = provideLocalApiKey(keyFile, { LOCAL_API_KEY: malformed });

      // Then it refuses, naming the variable and the form
      await expect(starting).rejects.toThrow(
        /LOCAL_API_KEY is not an AppSync API key: it must be da2- followed by 26 lowercase letters or digits/,
      );
    },
  );

  it('refuses a kept file that holds no key, and says to delete it', async () => {
    // Given a key file edited by hand into something else
    await provideLocalApiKey(keyFile, {});
    await writeFile(keyFile, 'my-key\n');

    // When the stack starts
    const starting = provideLocalApiKey(keyFile, {});

    // Then it refuses and says how to get a new key
    await expect(starting).rejects.toThrow(/not an AppSync API key.*delete the file and a new key is made/);
  });
});
