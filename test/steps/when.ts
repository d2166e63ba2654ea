import type { RouterEvent } from '../../local/router/router';
import type { LocalStack } from '../../local/stack';
import { publishedDuring } from '../e2e/client';
import type { AppointmentsApi, SlotCatalogApi } from './api';

export {
  http,
  inProcess,
  inProcessCatalog,
  type AppointmentAnswer,
  type AppointmentsAnswer,
  type AppointmentKey,
  type AppointmentsApi,
  type BookingRequest,
  type BrowseRequest,
  type InProcessCaller,
  type PageRequest,
  type PublicationRequest,
  type Refusal,
  type ResolverFunctions,
  type SlotCatalogApi,
  type SlotCatalogFunctions,
} from './api';

/**
 * The "when" steps: what a caller does. `when.over(channel)` gives one caller's
 * `bookAppointment`, `cancelAppointment` and `listAppointments`, the same three at every level:
 *
 *   when.over(inProcess(functions))          the resolver functions in this process, as AppSync calls them
 *   when.over(http(stack, token))            a local stack over HTTP, as an app calls it
 *
 * and likewise `when.over(inProcessCatalog(functions, caller))` gives one caller's slot catalog: browsing the free
 * slots and the catalog, and staff's publishSlots and withdrawSlot.
 *
 * Each resolves to `{ appointment }` / `{ appointments }`, or `{ errors: [{ errorType, message, path }] }`
 * exactly as a client reads a refusal; a fault of the test's own (a network failure, a bug) is thrown.
 */
export const when = {
  over: <Channel extends AppointmentsApi | SlotCatalogApi>(channel: Channel): Channel => channel,

  /** `action` against a local stack, its SNS topic watched meanwhile: the action's answer, and what the stack published. */
  async watchingThePipeline<Answer>(
    stack: LocalStack,
    action: () => Promise<Answer>,
  ): Promise<{ answer: Answer; published: RouterEvent[] }> {
    let answer: Answer | undefined;
    const published = await publishedDuring(stack, async () => {
      answer = await action();
    });
    return { answer: answer as Answer, published };
  },
};
