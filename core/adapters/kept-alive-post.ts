import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** One JSON POST and its answer; `fetch` fits it too. */
export type PostRequest = (
  url: URL,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ readonly ok: boolean; readonly status: number; json(): Promise<unknown> }>;

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * A POST through Node's own HTTP client over kept-alive connections. It costs a fraction of the
 * CPU of `fetch` (undici and its web streams), a cost paid on every call: by the completion worker
 * once per status change, by the benchmark's clients once per booking.
 */
export const postKeptAlive: PostRequest = (url, init) =>
  postOnce(url, init).catch((error: unknown) => {
    // A kept-alive socket the server closed meanwhile (a frozen Lambda wakes up to one): Node's
    // documented remedy is to send again, once, on a fresh connection.
    if (error instanceof ReusedSocketClosedError) return postOnce(url, init);
    throw error;
  });

class ReusedSocketClosedError extends Error {}

function postOnce(url: URL, { method, headers, body, signal }: Parameters<PostRequest>[1]): ReturnType<PostRequest> {
  return new Promise((resolve, reject) => {
    const tls = url.protocol === 'https:';
    const request = (tls ? httpsRequest : httpRequest)(
      url,
      { method, headers, signal, agent: tls ? agents.https : agents.http },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ ok: status >= 200 && status < 300, status, json: () => Promise.resolve().then(() => JSON.parse(text) as unknown) });
        });
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      const closedUnderUs = request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      reject(closedUnderUs ? new ReusedSocketClosedError(error.message, { cause: error }) : error);
    });
    request.end(body);
  });
}
