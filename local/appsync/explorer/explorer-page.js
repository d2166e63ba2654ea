/* global React, ReactDOM, GraphiQL, GraphiQLPluginExplorer, document, window, fetch, WebSocket, sessionStorage, btoa, crypto */
// The local explorer: GraphiQL with a fetcher for this stack. Queries and mutations are
// POSTed (AppSync takes POST only); subscriptions run over AppSync's realtime protocol.
// Served as is by explorer.ts; the page embeds its configuration as JSON.
'use strict';

(function startExplorer() {
  const config = JSON.parse(document.getElementById('explorer-config').textContent);
  const currentIdentity = identityPicker(config.identities);
  const fetcher = (params, options) => {
    // Headers typed into GraphiQL's headers tab go on top of the chosen identity's.
    const headers = Object.assign({}, currentIdentity().headers, options && options.headers);
    return isSubscription(params)
      ? subscribeOverRealtime(config.realtimePath, params, headers)
      : postOperation(config.graphqlPath, params, headers);
  };
  const props = {
    fetcher,
    defaultQuery: config.defaultQuery,
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    shouldPersistHeaders: false,
  };
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();

/** Fills the "Call as" picker; returns a function that tells the identity chosen now. */
function identityPicker(identities) {
  const select = document.getElementById('explorer-identity');
  const hint = document.getElementById('explorer-identity-headers');
  identities.forEach((identity, index) => select.add(new window.Option(identity.label, String(index))));
  // A reload keeps the choice (the tokens themselves are fresh on every load).
  const remembered = identities.findIndex((identity) => identity.label === sessionStorage.getItem('explorer.identity'));
  select.value = String(Math.max(remembered, 0));
  const chosen = () => identities[Number(select.value)] || { label: 'nobody', headers: {} };
  const describe = () => {
    hint.textContent = `sends ${Object.keys(chosen().headers).join(', ') || 'no credentials'}`;
    sessionStorage.setItem('explorer.identity', chosen().label);
  };
  select.addEventListener('change', describe);
  describe();
  return chosen;
}

function isSubscription(params) {
  try {
    const operation = GraphiQL.GraphQL.getOperationAST(GraphiQL.GraphQL.parse(params.query), params.operationName);
    return Boolean(operation) && operation.operation === 'subscription';
  } catch {
    // Not valid GraphQL: POST it, and the API says what is wrong.
    return false;
  }
}

async function postOperation(graphqlPath, params, headers) {
  const response = await fetch(graphqlPath, {
    method: 'POST',
    headers: Object.assign({ 'content-type': 'application/json' }, headers),
    body: JSON.stringify(params),
  });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return { errors: [{ message: `HTTP ${response.status} ${response.statusText}: ${text}` }] };
  }
}

/**
 * One subscription on its own socket, as an Observable GraphiQL understands: each
 * `data` message is one result; an `error` ends it with its errors; GraphiQL's stop
 * button sends `stop`.
 */
function subscribeOverRealtime(realtimePath, params, headers) {
  return {
    subscribe(observer) {
      const authorization = Object.assign({}, headers, { host: window.location.host });
      const socket = new WebSocket(realtimeUrl(realtimePath, authorization), ['graphql-ws']);
      const id = crypto.randomUUID();
      let ended = false;
      const end = (finish) => {
        if (ended) return;
        ended = true;
        finish();
        socket.close();
      };
      const start = () => socket.send(JSON.stringify({ id, type: 'start', payload: startPayload(params, authorization) }));
      socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init' }));
      socket.onmessage = (event) => onRealtimeMessage(JSON.parse(event.data), { id, observer, start, end });
      socket.onclose = (event) =>
        end(() =>
          observer.error(new Error(`The realtime connection closed (code ${event.code}${event.reason ? `: ${event.reason}` : ''}).`)),
        );
      return {
        unsubscribe: () =>
          end(() => {
            if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id, type: 'stop' }));
          }),
      };
    },
  };
}

function onRealtimeMessage(message, { id, observer, start, end }) {
  if (message.id !== undefined && message.id !== id) return;
  switch (message.type) {
    case 'connection_ack':
      return start();
    case 'data':
      return observer.next(message.payload);
    case 'error':
    case 'connection_error':
      return end(() => {
        observer.next({ errors: (message.payload && message.payload.errors) || [{ message: `Realtime ${message.type}` }] });
        observer.complete();
      });
    case 'complete':
      return end(() => observer.complete());
    default:
      // start_ack and ka (keep-alive) need no answer.
      return undefined;
  }
}

/** AppSync's realtime URL: the auth headers (and the API's host) as base64 JSON in `header`, an empty payload. */
function realtimeUrl(realtimePath, authorization) {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const header = encodeURIComponent(btoa(JSON.stringify(authorization)));
  return `${scheme}://${window.location.host}${realtimePath}?header=${header}&payload=e30=`;
}

function startPayload(params, authorization) {
  // The operation's name picks one operation when the editor holds several.
  const operation = { query: params.query, variables: params.variables || {} };
  if (params.operationName) operation.operationName = params.operationName;
  return {
    data: JSON.stringify(operation),
    extensions: { authorization },
  };
}
