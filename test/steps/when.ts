import type { RouterEvent } from '../../local/router/router';
import type { LocalStack } from '../../local/stack';
import { publishedDuring } from '../e2e/client';
import type { AppointmentsApi } from './api';

export {
  http,
  inProcess,
  type AppointmentAnswer,
  type AppointmentsAnswer,
  type AppointmentKey,
  type AppointmentsApi,
  type BookingRequest,
  type PageRequest,
  type Refusal,
  type ResolverFunctions,
} from './api';

/**
 * The "when" steps: what a caller does. `when.over(channel)` gives one caller's
 * `bookAppointment`, `cancelAppointment` and `listAppointments`, the same three at every level:
 *
 *   when.over(inProcess(functions))          the resolver functions in this process, as AppSync calls them
 *   when.over(http(stack, token))            a local stack over HTTP, as an app calls it
 *
 * Each resolves to `{ appointment }` / `{ appointments }`, or `{ errors: [{ errorType, message, path }] }`
 * exactly as a client reads a refusal; a fault of the test's own (a network failure, a bug) is thrown.
 */
export const when = {
  over: (channel: AppointmentsApi): AppointmentsApi => channel,

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
