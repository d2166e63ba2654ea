/** A Lambda entry for the local sandbox's tests: logs one line, then answers after `napMs`. */
export async function handler(event: { readonly napMs: number }): Promise<{ readonly napped: number }> {
  process.stdout.write(`${JSON.stringify({ level: 'INFO', message: 'napping', napMs: event.napMs })}\n`);
  await new Promise((resolve) => setTimeout(resolve, event.napMs));
  return { napped: event.napMs };
}
