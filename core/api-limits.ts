/**
 * Per-request limits of the GraphQL API, declared once: the CDK stack sets them on
 * the AppSync API (`queryDepthLimit`, `resolverCountLimit`) and the local stack
 * refuses a request over them before any resolver runs.
 */
export const apiLimits = {
  /**
   * Resolvers one request may invoke. No legitimate client needs more than a few;
   * one request with 200 aliased createAppointment calls is refused whole.
   */
  resolverCountLimit: 10,
  /**
   * Nesting levels of fields. This schema nests 3 at most, but the standard
   * introspection query (what explorers send) nests 13, and must still work where
   * introspection is on.
   */
  queryDepthLimit: 15,
} as const;
