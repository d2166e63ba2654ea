import type { AppSyncResolverEvent } from 'aws-lambda';
import { apiKeyCaller, localExecutor, pipelineCaller, PUBLISH_STATUS_CHANGE, run, statusChange } from '../support/local-executor';
import { given } from '../steps/given';

/**
 * The event a field's function receives through its APPSYNC_JS resolver (the direct-resolver event, as
 * AppSync documents it), and what AppSync makes of the function's answer, its answered error and a fault.
 */
describe("the local AppSync invokes each field's Lambda function through its APPSYNC_JS resolver, as AppSync does", () => {
  const appointment = {
    appointmentId: '01JTESTAPPOINTMENT0000000',
    insuredId: '00012',
    scheduleId: 100,
    countryISO: 'PE',
    status: 'PENDING',
    rejectionReason: null,
    createdAt: '2026-11-29T10:00:00.000Z',
    updatedAt: '2026-11-29T10:00:00.000Z',
  };

  it('given a query with variables, an alias and a fragment, when it runs, then the function gets arguments, source, request, info, prev and stash as AppSync builds them', async () => {
    // Given a list resolver that records its event
    const events: AppSyncResolverEvent<Record<string, unknown>>[] = [];
    const executor = await localExecutor({
      'Query.appointments': (event) => {
        events.push(event as AppSyncResolverEvent<Record<string, unknown>>);
        return Promise.resolve({ data: { items: [appointment], nextToken: null } });
      },
    });

    // When the API key asks for a page, with a variable, an alias and a fragment
    const answer = await run(
      executor,
      'query List($id: String!) { mine: appointments(insuredId: $id, limit: 5) { items { ...Shown } nextToken } }\nfragment Shown on Appointment { appointmentId status }',
      apiKeyCaller,
      { id: '00012' },
    );

    // Then the field answers, and the event is the one AppSync documents
    expect(answer).toEqual({
      data: { mine: { items: [{ appointmentId: appointment.appointmentId, status: 'PENDING' }], nextToken: null } },
    });
    expect(events).toEqual([
      {
        arguments: { insuredId: '00012', limit: 5 },
        identity: null,
        source: null,
        request: { headers: { 'content-type': 'application/json', host: 'localhost' }, domainName: null },
        info: {
          fieldName: 'appointments',
          parentTypeName: 'Query',
          variables: { id: '00012' },
          selectionSetList: ['items', 'items/appointmentId', 'items/status', 'nextToken'],
          selectionSetGraphQL: '{\n  items {\n    ...Shown\n  }\n  nextToken\n}',
        },
        prev: null,
        stash: {},
      },
    ]);
  });

  it("given a user-pool caller, when a resolver runs, then its identity carries the token's claims, username and groups", async () => {
    const identities: unknown[] = [];
    const executor = await localExecutor({
      'Query.appointments': (event) => {
        identities.push((event as AppSyncResolverEvent<unknown>).identity);
        return Promise.resolve({ data: { items: [], nextToken: null } });
      },
    });

    await run(executor, '{ appointments(insuredId: "00012") { nextToken } }', given.anInsuredAppSyncCaller('00012', ['agents']));

    expect(identities).toEqual([
      expect.objectContaining({
        sub: 'sub-00012',
        issuer: 'https://cognito-idp.local/pool',
        username: 'insured-00012',
        groups: ['agents'],
        sourceIp: ['127.0.0.1'],
        claims: expect.objectContaining({ 'custom:insuredId': '00012' }) as unknown,
      }),
    ]);
  });

  it('given a function that answers with a ValidationError, when the mutation runs, then the client reads that errorType and message, and data null', async () => {
    // Given a booking function that refuses its input, as core/adapters/appsync-field-answer.ts answers an ApiError
    const executor = await localExecutor({
      'Mutation.createAppointment': () =>
        Promise.resolve({ data: null, errorType: 'ValidationError', errorMessage: 'insuredId must be exactly 5 digits' }),
    });

    // When a booking is sent
    const answer = await run(
      executor,
      'mutation { createAppointment(input: { insuredId: "12", scheduleId: 1, countryISO: PE }) { appointmentId } }',
      apiKeyCaller,
    );

    // Then AppSync's error shape comes back, once (the non-null field makes data null)
    expect(answer).toEqual({
      data: null,
      errors: [
        {
          path: ['createAppointment'],
          data: null,
          errorType: 'ValidationError',
          errorInfo: null,
          locations: [{ line: 1, column: 12, sourceName: null }],
          message: 'insuredId must be exactly 5 digits',
        },
      ],
    });
  });

  it("given a function that throws, whatever its error's name, when the mutation runs, then the client reads Lambda:Unhandled with the message only, as AppSync reports a failed invocation", async () => {
    // Given a booking function that throws an error named like one of the API's
    const fault = Object.assign(new Error('insuredId must be exactly 5 digits'), { name: 'ValidationError' });
    const executor = await localExecutor({ 'Mutation.createAppointment': () => Promise.reject(fault) });

    // When a booking is sent
    const answer = await run(
      executor,
      'mutation { createAppointment(input: { insuredId: "12", scheduleId: 1, countryISO: PE }) { appointmentId } }',
      apiKeyCaller,
    );

    // Then its name is lost on the way, as in AWS
    expect(answer).toEqual({
      data: null,
      errors: [
        {
          path: ['createAppointment'],
          data: null,
          errorType: 'Lambda:Unhandled',
          errorInfo: null,
          locations: [{ line: 1, column: 12, sourceName: null }],
          message: 'insuredId must be exactly 5 digits',
        },
      ],
    });
  });

  it("given the NONE data source's APPSYNC_JS resolver, when the pipeline publishes a change, then the mutation answers with the change as sent", async () => {
    const executor = await localExecutor({});

    const answer = await run(executor, PUBLISH_STATUS_CHANGE, pipelineCaller, { change: statusChange('00012') });

    expect(answer).toEqual({ data: { publishAppointmentStatusChange: statusChange('00012') } });
  });
});
