/**
 * Per-request limits of the GraphQL API, declared once: the CDK stack sets them on the
 * AppSync API (`resolverCountLimit`, `queryDepthLimit`) and the local stack applies them
 * as AppSync does, while the request runs (local/appsync/request-limits.ts).
 */
export const apiLimits = {
  /**
   * Resolvers one request may run; AppSync runs that many and ends each further one with
   * `ResolverExecutionLimitReached`. In this schema only root fields have resolvers (the
   * appointment fields are plain data), and every screen of an app needs one: a booking, a
   * cancellation, a page of the list, a subscription. The booking screen is the widest: the
   * country's catalog, a page of free slots and the person's appointments in one request, three.
   * Three also lets staff move someone's appointment in one request (cancel, then book). So a
   * request of 200 aliased bookings stores at most three appointments, and the WAF's per-caller
   * rate bounds how many requests come.
   */
  resolverCountLimit: 3,
  /**
   * Levels of fields, leaves included. This schema's answers nest 3 at most
   * (appointments → items → appointmentId), but the standard introspection query (what
   * explorers send where introspection is on) nests 13.
   */
  queryDepthLimit: 15,
} as const;
