import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * The explorer page the local endpoint serves at `/`: a current GraphiQL with the
 * explorer plugin, configured for this stack (POST to the GraphQL path, AppSync's
 * realtime protocol for subscriptions, an identity picker instead of pasted tokens).
 * Everything it loads comes from node_modules, so it works offline.
 */

/** Someone the explorer can call the API as, with the headers that say so. */
export interface ExplorerIdentity {
  /** What the picker shows, e.g. 'API key (developer)', 'Insured 00012', 'Staff (agents)'. */
  readonly label: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ExplorerOptions {
  /** Where the page POSTs operations, relative to its own origin (so it works on the http and https ports alike). */
  readonly graphqlPath: string;
  /** AppSync's realtime websocket path, relative to the page's origin. */
  readonly realtimePath: string;
  /** Called on every page load: tokens expire, so each load gets fresh ones. The first is the default. */
  readonly identities: () => Promise<readonly ExplorerIdentity[]>;
  /** The operation a first visit finds in the editor. */
  readonly defaultQuery: string;
}

/** The page's own files live under this prefix, out of the API's way. */
export const EXPLORER_ASSET_PREFIX = '/explorer/';

interface ExplorerAsset {
  readonly file: string;
  readonly contentType: string;
}

const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** A fixed list, so no request path ever reaches the file system. */
const ASSETS: ReadonlyMap<string, ExplorerAsset> = new Map(
  Object.entries({
    'react.js': { file: join(packageDir('react'), 'umd', 'react.production.min.js'), contentType: JAVASCRIPT },
    'react-dom.js': { file: join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'), contentType: JAVASCRIPT },
    'graphiql.js': { file: join(packageDir('graphiql'), 'graphiql.min.js'), contentType: JAVASCRIPT },
    'graphiql.css': { file: join(packageDir('graphiql'), 'graphiql.min.css'), contentType: CSS },
    'plugin-explorer.js': { file: join(packageDir('@graphiql/plugin-explorer'), 'dist', 'index.umd.js'), contentType: JAVASCRIPT },
    'plugin-explorer.css': { file: join(packageDir('@graphiql/plugin-explorer'), 'dist', 'style.css'), contentType: CSS },
    'explorer-page.js': { file: join(__dirname, 'explorer-page.js'), contentType: JAVASCRIPT },
    'explorer-page.css': { file: join(__dirname, 'explorer-page.css'), contentType: CSS },
  }).map(([name, asset]) => [`${EXPLORER_ASSET_PREFIX}${name}`, asset]),
);

/** Answers the explorer's own requests (the page at '/', its scripts and styles); returns false for anything else. */
export async function handleExplorerRequest(
  request: IncomingMessage,
  response: ServerResponse,
  options: ExplorerOptions,
): Promise<boolean> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = new URL(request.url ?? '/', 'http://explorer.invalid').pathname;
  if (path === '/' || path === '/index.html') {
    await sendPage(request, response, options);
    return true;
  }
  const asset = ASSETS.get(path);
  if (!asset) return false;
  await sendAsset(request, response, asset);
  return true;
}

async function sendPage(request: IncomingMessage, response: ServerResponse, options: ExplorerOptions): Promise<void> {
  // The page carries a key and tokens: a site that rebinds its own name to 127.0.0.1 must not read it.
  if (!isLoopbackHost(request.headers.host)) {
    sendText(
      response,
      403,
      `The explorer answers only on localhost or 127.0.0.1, not on ${request.headers.host ?? 'a request without a Host header'}.\n`,
    );
    return;
  }
  let identities: readonly ExplorerIdentity[];
  try {
    identities = await options.identities();
  } catch (error) {
    sendText(
      response,
      500,
      `The explorer could not get the identities to call the API as: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return;
  }
  const html = explorerPage({
    graphqlPath: options.graphqlPath,
    realtimePath: options.realtimePath,
    defaultQuery: options.defaultQuery,
    identities,
  });
  response.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    // Fresh tokens on every load, and none kept on disk by the browser.
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  response.end(request.method === 'HEAD' ? undefined : html);
}

async function sendAsset(request: IncomingMessage, response: ServerResponse, asset: ExplorerAsset): Promise<void> {
  const { size, mtimeMs } = await stat(asset.file);
  // Revalidated on each load (an `npm ci` may change a file), but sent again only when it changed.
  const etag = `"${size.toString(36)}-${Math.trunc(mtimeMs).toString(36)}"`;
  const headers = { etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, headers).end();
    return;
  }
  response.writeHead(200, { ...headers, 'content-type': asset.contentType, 'content-length': size });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  await pipeline(createReadStream(asset.file), response);
}

interface PageConfig {
  readonly graphqlPath: string;
  readonly realtimePath: string;
  readonly defaultQuery: string;
  readonly identities: readonly ExplorerIdentity[];
}

function explorerPage(config: PageConfig): string {
  // JSON in a data block: `<` escaped, so nothing in it can close the script element.
  const configJson = JSON.stringify(config).replace(/</g, '\\u003c');
  const asset = (name: string) => `${EXPLORER_ASSET_PREFIX}${name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Appointments API (local) · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('graphiql.css')}">
<link rel="stylesheet" href="${asset('plugin-explorer.css')}">
<link rel="stylesheet" href="${asset('explorer-page.css')}">
</head>
<body>
<header class="explorer-bar">
  <strong>Appointments API (local)</strong>
  <label>Call as <select id="explorer-identity" name="identity"></select></label>
  <span id="explorer-identity-headers" class="explorer-hint"></span>
</header>
<main id="graphiql">Loading GraphiQL…</main>
<script id="explorer-config" type="application/json">${configJson}</script>
<script src="${asset('react.js')}"></script>
<script src="${asset('react-dom.js')}"></script>
<script src="${asset('graphiql.js')}"></script>
<script src="${asset('plugin-explorer.js')}"></script>
<script src="${asset('explorer-page.js')}"></script>
</body>
</html>
`;
}

function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost') || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}
