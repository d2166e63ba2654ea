import { countries, countryISOs } from '../../core/domain/countries';
import { publishSlotsInputOf } from '../../core/domain/slot-publication';
import { zonedDateTime } from '../../core/domain/zoned-time';
import { apiClient } from '../api-client';
import type { LocalStack } from '../stack';
import { demoCatalog } from './demo-catalog';

export interface DemoCatalogLoad {
  readonly slotsPerCountry: ReadonlyMap<string, number>;
  /** Milliseconds from the first publication until the read model had every slot. */
  readonly loadedInMs: number;
}

/**
 * Publishes the demo catalog of every country through the API, as a member of staff would, so the
 * slots reach MySQL and the read model by the pipeline apps rely on. The same catalog on every start
 * (from tomorrow, in each country's own calendar): on a persisted stack the country keeps the slots it
 * has and publishing again changes nothing.
 */
export async function publishDemoCatalog(stack: LocalStack, now = new Date()): Promise<DemoCatalogLoad> {
  const started = Date.now();
  const staff = apiClient(stack, { token: await stack.issuer.issue({ staff: true }), timeoutMs: 30_000 });
  const slotsPerCountry = new Map<string, number>();
  for (const countryISO of countryISOs) {
    const today = zonedDateTime(now, countries[countryISO].timeZone).slice(0, 10);
    let slots = 0;
    for (const publication of demoCatalog(countryISO, today)) {
      const answer = await staff.publishSlots(publishSlotsInputOf(publication));
      if (!answer.data?.publishSlots) throw new Error(`The demo catalog was refused: ${JSON.stringify(answer.errors)}`);
      slots += answer.data.publishSlots.slotCount;
      // One publication in the pipeline at a time: a queue of forty thousand-slot messages would reach the
      // country worker ten to a batch, more than an invocation does within its timeout on a laptop.
      await stack.router.waitForIdle(5 * 60_000);
    }
    slotsPerCountry.set(countryISO, slots);
  }
  return { slotsPerCountry, loadedInMs: Date.now() - started };
}
