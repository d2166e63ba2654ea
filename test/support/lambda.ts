/**
 * Loads a Lambda entry file as Lambda would: a fresh module instance that reads
 * `env` at load time as its function's configuration. `load` runs inside an
 * isolated module registry, so the SDK classes it also returns are the very ones
 * the entry's clients were built from (what aws-sdk-client-mock must stub).
 * Powertools logs and metrics are silenced unless LOG_LEVEL is set, to keep test output readable.
 */
export function loadLambda<Loaded>(env: Record<string, string | undefined>, load: () => Loaded): Loaded {
  Object.assign(
    process.env,
    { POWERTOOLS_LOG_LEVEL: process.env.LOG_LEVEL ?? 'SILENT', POWERTOOLS_METRICS_DISABLED: process.env.LOG_LEVEL ? 'false' : 'true' },
    env,
  );
  let loaded: Loaded | undefined;
  jest.isolateModules(() => {
    loaded = load();
  });
  return loaded as Loaded;
}
