import { asError, SchedulingUnavailableError } from '../domain/errors';
import type { SlotMessage } from '../messages/slot-messages';
import type { CountryMessagePublisher, StructuredLogger } from '../ports';

/**
 * Hands a catalog change to its country. When SNS keeps refusing (the SDK has retried), staff are told to try
 * again with the errorType a booking gets then: nothing was stored, and a repeated change is harmless.
 */
export async function handToCountry(
  message: SlotMessage,
  refusal: string,
  { requests, logger }: { readonly requests: CountryMessagePublisher; readonly logger: StructuredLogger },
): Promise<void> {
  try {
    await requests.publish(message);
  } catch (error) {
    logger.error('Catalog change could not be handed to its country', {
      type: message.type,
      countryISO: message.countryISO,
      correlationId: message.correlationId,
      error: asError(error),
    });
    throw new SchedulingUnavailableError(refusal);
  }
}
