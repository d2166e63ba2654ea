import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { getNamedType, GraphQLObjectType, Kind, parse, type OperationDefinitionNode } from 'graphql';
import {
  AppSyncSlotAvailabilitySubscribers,
  PUBLISH_SLOT_AVAILABILITY_CHANGE_MUTATION,
  SlotAvailabilityNotPublishedError,
} from '../../core/adapters/appsync-slot-availability';
import { topology } from '../../core/config/topology';
import type { SlotSnapshot } from '../../core/domain/slots';
import type { SlotAvailabilityChange } from '../../core/graphql/types.generated';
import type { SlotAvailabilitySubscribers, SlotReadModel } from '../../core/ports';
import { projectSlotAvailability } from '../../core/use-cases/project-slot-availability';
import { buildAppSyncSchema } from '../../local/appsync/appsync-schema';
import { given } from '../steps/given';
import { aMirafloresCardiologySlot } from '../support/slot-publications';

/** The slot projector pushes each slot's new state to onSlotAvailabilityChanged once the read model holds it. */

const aSlot = aMirafloresCardiologySlot;
const changeOf = (slot: SlotSnapshot) => ({ ...slot, correlationId: 'c-1' });

/** A read model in memory with the version check the DynamoDB one makes. */
function aReadModelHolding(...slots: SlotSnapshot[]): SlotReadModel {
  const held = new Map(slots.map((slot) => [slot.scheduleId, slot]));
  return {
    apply: (slot) => {
      const stored = held.get(slot.scheduleId);
      if (stored && stored.version > slot.version) return Promise.resolve('stale');
      if (stored && stored.version === slot.version) return Promise.resolve('unchanged');
      held.set(slot.scheduleId, slot);
      return Promise.resolve('applied');
    },
    get: (_countryISO, scheduleId) => Promise.resolve(held.get(scheduleId)),
    freeSlots: () => Promise.resolve({ items: [] }),
    catalog: () => Promise.resolve({ centres: [], specialties: [], doctors: [] }),
  };
}

function subscribersHearing(): SlotAvailabilitySubscribers & { heard: SlotAvailabilityChange[] } {
  const heard: SlotAvailabilityChange[] = [];
  return { heard, publish: (change) => Promise.resolve(void heard.push(change)) };
}

describe('pushing a slot’s new availability (the projector)', () => {
  it("given a slot the read model lacks, when its FREE state is applied, then subscribers hear it FREE, at its start in Lima's own time, with the ids a view filters on", async () => {
    const slots = aReadModelHolding();
    const subscribers = subscribersHearing();

    await projectSlotAvailability(changeOf(aSlot()), { slots, subscribers, logger: given.aQuietLogger() });

    expect(subscribers.heard).toEqual([
      {
        countryISO: 'PE',
        specialtyId: 'cardiologia',
        scheduleId: 41,
        availability: 'FREE',
        startsAt: '2026-12-15T10:30:00-05:00',
        centreId: 'pe-clinica-miraflores',
        doctorId: 'dra-quispe',
        version: 1,
      },
    ]);
  });

  it('given the read model holds version 3 (TAKEN), when version 2 (FREE) arrives late, then nothing is pushed: an older state never follows a newer one', async () => {
    const slots = aReadModelHolding(aSlot({ availability: 'TAKEN', version: 3 }));
    const subscribers = subscribersHearing();

    await projectSlotAvailability(changeOf(aSlot({ availability: 'FREE', version: 2 })), {
      slots,
      subscribers,
      logger: given.aQuietLogger(),
    });

    expect(subscribers.heard).toEqual([]);
    expect(await slots.get('PE', 41)).toMatchObject({ availability: 'TAKEN', version: 3 });
  });

  it('given a state applied but never pushed (the push failed, or the projector stopped between the two), when the record is delivered again, then subscribers hear it then', async () => {
    // Given a first delivery whose push fails after the read model took the state
    const slots = aReadModelHolding();
    const failing: SlotAvailabilitySubscribers = { publish: () => Promise.reject(new Error('AppSync unreachable')) };
    const taken = changeOf(aSlot({ availability: 'TAKEN', version: 2 }));
    await expect(projectSlotAvailability(taken, { slots, subscribers: failing, logger: given.aQuietLogger() })).rejects.toThrow(
      'AppSync unreachable',
    );

    // When SQS delivers the record again
    const subscribers = subscribersHearing();
    await projectSlotAvailability(taken, { slots, subscribers, logger: given.aQuietLogger() });

    // Then the state the model already holds is pushed
    expect(subscribers.heard).toEqual([expect.objectContaining({ scheduleId: 41, availability: 'TAKEN', version: 2 })]);
  });

  it("given two Santiago slots on the night Chile's clocks go back, when they are pushed, then each start carries its own moment's offset", async () => {
    const subscribers = subscribersHearing();
    const centre = {
      centreId: 'cl-clinica-providencia',
      name: 'Clínica Providencia',
      attributes: { commune: 'Providencia', region: 'RM' },
    };
    const slots = aReadModelHolding();

    // An hour apart in UTC, both at 23:30 on Santiago's clocks: before the change (-03:00), then after it (-04:00).
    for (const [scheduleId, startsAt] of [
      [51, '2027-04-04T02:30:00.000Z'],
      [52, '2027-04-04T03:30:00.000Z'],
    ] as const)
      await projectSlotAvailability(changeOf(aSlot({ countryISO: 'CL', scheduleId, startsAt, centre })), {
        slots,
        subscribers,
        logger: given.aQuietLogger(),
      });

    expect(subscribers.heard.map(({ scheduleId, startsAt }) => [scheduleId, startsAt])).toEqual([
      [51, '2027-04-03T23:30:00-03:00'],
      [52, '2027-04-03T23:30:00-04:00'],
    ]);
  });
});

describe('publishing a slot’s availability to AppSync', () => {
  const GRAPHQL_URL = 'https://example123.appsync-api.us-east-1.amazonaws.com/graphql';
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' },
    region: 'us-east-1',
    service: 'appsync',
    sha256: Sha256,
  });
  const change: SlotAvailabilityChange = {
    countryISO: 'PE',
    specialtyId: 'cardiologia',
    scheduleId: 41,
    availability: 'TAKEN',
    startsAt: '2026-12-15T10:30:00-05:00',
    centreId: 'pe-clinica-miraflores',
    doctorId: 'dra-quispe',
    version: 2,
  };
  const appSyncAnswering = (status: number, answer: unknown) => {
    const sent: { url: string; headers: Record<string, string>; body: unknown }[] = [];
    const send = ((url: URL, init: RequestInit) => {
      sent.push({ url: String(url), headers: init.headers as Record<string, string>, body: JSON.parse(init.body as string) });
      return Promise.resolve(new Response(JSON.stringify(answer), { status, headers: { 'content-type': 'application/json' } }));
    }) as typeof fetch;
    return { sent, send };
  };

  it('given a change, when published, then one SigV4-signed POST carries the internal mutation with the change as its variables', async () => {
    const appsync = appSyncAnswering(200, { data: { publishSlotAvailabilityChange: change } });

    await new AppSyncSlotAvailabilitySubscribers(GRAPHQL_URL, signer, appsync.send).publish(change);

    expect(appsync.sent).toEqual([
      {
        url: GRAPHQL_URL,
        headers: expect.objectContaining({
          authorization: expect.stringMatching(
            /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/appsync\/aws4_request, /,
          ) as unknown,
          'x-amz-security-token': 'session-token',
        }) as unknown,
        body: { query: PUBLISH_SLOT_AVAILABILITY_CHANGE_MUTATION, variables: { change } },
      },
    ]);
  });

  it('given AppSync refuses, when published, then it fails with a SlotAvailabilityNotPublishedError naming the slot and the reason (the record is retried)', async () => {
    const appsync = appSyncAnswering(200, {
      data: null,
      errors: [{ errorType: 'Unauthorized', message: 'Not Authorized to access publishSlotAvailabilityChange on type Mutation' }],
    });

    const publishing = new AppSyncSlotAvailabilitySubscribers(GRAPHQL_URL, signer, appsync.send).publish(change);

    await expect(publishing).rejects.toBeInstanceOf(SlotAvailabilityNotPublishedError);
    await expect(publishing).rejects.toThrow(/slot PE 41 \(version 2\).*Unauthorized/);
  });

  it('given schema.graphql, when the publish mutation is read, then it selects every field of SlotAvailabilityChange: subscribers get nothing else, and are filtered on what it selects', () => {
    const schema = buildAppSyncSchema(readFileSync(resolve(__dirname, '../../schema.graphql'), 'utf8'));
    const { fieldName, subscriptionFieldName } = topology.slotAvailabilityChanges;
    const pushed = getNamedType(schema.getMutationType()?.getFields()[fieldName]?.type);
    if (!(pushed instanceof GraphQLObjectType)) throw new Error('the publish mutation must return an object type');

    const operation = parse(PUBLISH_SLOT_AVAILABILITY_CHANGE_MUTATION).definitions[0] as OperationDefinitionNode;
    const [publish] = operation.selectionSet.selections;
    const selected =
      publish?.kind === Kind.FIELD && publish.name.value === fieldName
        ? (publish.selectionSet?.selections ?? []).flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : []))
        : [];

    expect(selected.sort()).toEqual(Object.keys(pushed.getFields()).sort());
    const subscription = schema.getSubscriptionType()?.getFields()[subscriptionFieldName];
    const subscriptionArguments = subscription?.args.map((argument) => argument.name);
    expect(selected).toEqual(expect.arrayContaining(subscriptionArguments ?? ['no subscription']));
  });
});
