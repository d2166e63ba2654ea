import { gql } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { cacheExchange, Client, fetchExchange } from '@urql/core';
import { ClientError } from 'graphql-request';
import { WebSocket as NodeWebSocket } from 'ws';
import * as apollo from '../../docs/recipes/apollo';
import * as graphqlRequest from '../../docs/recipes/graphql-request';
import * as urql from '../../docs/recipes/urql';
import type { Appointment, AppointmentStatusChange } from '../../core/graphql/types.generated';
import { LOCAL_REGION } from '../../local/dynamodb/dynalite';
import type { LocalStack } from '../../local/stack';
import { describeWithMysql } from '../support/mysql';
import { given, type FreeSlots } from '../steps/given';
import { pollUntil } from './client';

/**
 * The client recipes docs/api.md links (docs/recipes/), each used as an app would use it against the local stack and
 * checked for what the docs say of it: graphql-request and urql (POST, errorType where each keeps it) and Apollo
 * Client 4 with aws-appsync-subscription-link on the plain port (AppSync's realtime protocol).
 */

const BOOK = `mutation Book($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointmentId insuredId status } }`;
const LIST = `query List($insuredId: String!) { appointments(insuredId: $insuredId) { items { appointmentId status } } }`;
const FOLLOW = `subscription Follow($insuredId: String!) { onAppointmentStatusChanged(insuredId: $insuredId) { appointmentId insuredId status } }`;
/** A booking every client must see refused with AppSync's errorType: an insuredId of 4 digits. */
const INVALID_INPUT = { input: { insuredId: '1234', scheduleId: 1, countryISO: 'PE' } };

describeWithMysql('real clients against the local stack', () => {
  let stack: LocalStack;
  let slots: FreeSlots;

  beforeAll(async () => {
    // Node 20 has no global WebSocket (22 and later have one); the subscription link dials through it.
    globalThis.WebSocket ??= NodeWebSocket as unknown as typeof globalThis.WebSocket;
    stack = await given.aLocalStack();
    // The Apollo scenario books once a second until it hears a decision: at most 16 in its 15 seconds.
    slots = await given.freeSlotsIn(stack, { PE: 20, CL: 1 });
  }, 90_000);

  afterAll(async () => {
    // The Apollo scenario's extra bookings may still be on their way: a store must not close under them.
    await stack?.router.waitForIdle(20_000);
    await stack?.stop();
  });

  it('graphql-request: books PENDING over POST, and a refused booking is a ClientError whose errors carry errorType', async () => {
    // Given graphql-request with the API key, as its recipe makes it
    const client = graphqlRequest.appointmentsClient(stack.graphqlUrl, stack.apiKey);
    const insuredId = given.anInsuredPerson();

    // When it books, and books again with a 4-digit insuredId
    const booked = await client.request<{ createAppointment: Appointment }>(BOOK, { input: { insuredId, ...slots.next('PE') } });
    const refused = await client.request(BOOK, INVALID_INPUT).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Then the booking is PENDING, and the refusal says ValidationError where AppSync puts it
    expect(booked.createAppointment).toMatchObject({ insuredId, status: 'PENDING' });
    expect(refused).toBeInstanceOf(ClientError);
    expect(graphqlRequest.errorTypeOf(refused)).toBe('ValidationError');
  });

  it('urql: told to POST, it lists the appointments, keeps errorType on originalError, and a GET is answered 405', async () => {
    // Given urql as its recipe configures it, and one as it comes (queries sent as GET)
    const asItComes = new Client({
      url: stack.graphqlUrl,
      exchanges: [cacheExchange, fetchExchange],
      fetchOptions: { headers: { 'x-api-key': stack.apiKey } },
    });
    const insuredId = given.anInsuredPerson();
    const posting = urql.appointmentsClient(stack.graphqlUrl, stack.apiKey);
    await posting.mutation(BOOK, { input: { insuredId, ...slots.next('CL') } }).toPromise();

    // When it lists the insured person's appointments, books with a bad insuredId, and the default client lists too
    const listed = await posting.query(LIST, { insuredId }).toPromise();
    const refused = await posting.mutation(BOOK, INVALID_INPUT).toPromise();
    const viaGet = await asItComes.query(LIST, { insuredId }).toPromise();

    // Then the list holds the booking, the refusal's errorType is on originalError, and the GET is refused 405
    expect((listed.data as { appointments: { items: unknown[] } } | undefined)?.appointments.items).toHaveLength(1);
    expect(urql.errorTypeOf(refused.error)).toBe('ValidationError');
    expect((viaGet.error?.response as Response | undefined)?.status).toBe(405);
  });

  it('Apollo Client 4 with aws-appsync-subscription-link on the plain port: subscribes, books, hears COMPLETED; errors come as CombinedGraphQLErrors', async () => {
    // Given an Apollo client wired as its recipe wires it (as AppSync's docs do), with the API key
    const client = apollo.appointmentsClient(stack.graphqlUrl, stack.apiKey, LOCAL_REGION);
    const insuredId = given.anInsuredPerson();
    const heard: AppointmentStatusChange[] = [];
    const subscription = client
      .subscribe<{ onAppointmentStatusChanged: AppointmentStatusChange | null }>({ query: gql(FOLLOW), variables: { insuredId } })
      .subscribe({ next: ({ data }) => data?.onAppointmentStatusChanged && heard.push(data.onAppointmentStatusChanged) });
    try {
      // When the insured person books through the same client, again every second until the subscription is up and hears one
      // (Apollo drops the link's CONNECTED control message, so the first booking may come before AppSync's start_ack)
      const bookedIds: string[] = [];
      const completed = await pollUntil(
        async () => {
          const { data } = await client.mutate<{ createAppointment: Appointment }>({
            mutation: gql(BOOK),
            variables: { input: { insuredId, ...slots.next('PE') } },
          });
          if (data) bookedIds.push(data.createAppointment.appointmentId);
          return pollUntil(
            () => Promise.resolve(heard.find((change) => bookedIds.includes(change.appointmentId) && change.status === 'COMPLETED')),
            Boolean,
            1_000,
          );
        },
        Boolean,
        15_000,
      );
      const refused = await client.mutate({ mutation: gql(BOOK), variables: INVALID_INPUT }).then(
        () => undefined,
        (error: unknown) => error,
      );

      // Then a decision arrived on the subscription, and the refusal is a CombinedGraphQLErrors with errorType
      expect(completed).toMatchObject({ insuredId, status: 'COMPLETED' });
      expect(CombinedGraphQLErrors.is(refused)).toBe(true);
      expect(apollo.errorTypeOf(refused)).toBe('ValidationError');
    } finally {
      subscription.unsubscribe();
      await client.clearStore();
      client.stop();
    }
  });
});
