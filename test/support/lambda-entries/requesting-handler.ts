import { get } from 'node:http';

/** A Lambda entry for the local sandbox's tests: makes `times` GET requests to `url`, one after another. */
export async function handler(event: { readonly url: string; readonly times: number }): Promise<{ readonly answered: number }> {
  let answered = 0;
  for (let index = 0; index < event.times; index += 1) {
    await new Promise<void>((resolve, reject) => {
      get(event.url, (response) => response.resume().on('end', resolve)).on('error', reject);
    });
    answered += 1;
  }
  return { answered };
}
