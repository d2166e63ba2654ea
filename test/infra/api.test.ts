import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildASTSchema, getNamedType, Kind, parse, type DirectiveNode, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { schemaFile } from '../../infra/appointments-api';
import { appSyncJsModule } from '../../infra/appsync-js-module';
import { deployedFunctions, repositoryRoot } from '../../infra/bundling';
import { stackOutputs } from '../../infra/stack-outputs';
import { environment } from '../../core/config/environment';
import { topology } from '../../core/config/topology';
import { localExecutor } from '../support/local-executor';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { appointmentsTable } from '../../core/config/appointments-table';
import { createAppointment } from '../../core/use-cases/create-appointment';
import { aSlotSnapshot, conditionFailed, everyFreeSlotQuery, requestsOf, tableRequestsOf, type TableRequest } from './table-requests';
import {
  environmentOf,
  functionLogicalId,
  referencedLogicalId,
  renderedArn,
  resource,
  resourcesOfType,
  rightsOf,
  statementsOf,
  tableLogicalIds,
  type PolicyStatement,
  type SynthesizedApp,
  synthesizeAppointmentsApp,
  SYNTHESIS_TIMEOUT_MS,
} from './synthesized-app';

/**
 * The requests createAppointment makes of the appointments table through its real repository, on one path: a new
 * booking; the same booking again while the first is PENDING (its claim held); or SNS refusing the hand-off.
 */
async function bookingRequests(path: 'new' | 'retry of a PENDING booking' | 'SNS refusing'): Promise<TableRequest[]> {
  const slot = aSlotSnapshot();
  const booking = { insuredId: '00042', countryISO: slot.countryISO, scheduleId: slot.scheduleId };
  const isClaim = (key: Record<string, unknown> | undefined) =>
    String(key?.[appointmentsTable.sortKey]).startsWith(appointmentsTable.slotClaimPrefix);
  const earlier = { ...booking, appointmentId: '01EARLIER', status: 'PENDING', createdAt: slot.startsAt, updatedAt: slot.startsAt };
  return tableRequestsOf(
    'appointments',
    (documents) => {
      if (path !== 'retry of a PENDING booking') return;
      documents.on(PutCommand).callsFake((input: { Item?: Record<string, unknown> }) => {
        if (isClaim(input.Item)) throw conditionFailed();
        return {};
      });
      documents.on(GetCommand).callsFake((input: { Key?: Record<string, unknown> }) => ({
        Item: isClaim(input.Key) ? { heldBy: earlier.appointmentId } : earlier,
      }));
    },
    (client) =>
      createAppointment(booking, { kind: 'developer' }, 'infra-test', {
        appointments: new DynamoDbAppointmentRepository(client, 'appointments'),
        requests: { publish: () => (path === 'SNS refusing' ? Promise.reject(new Error('SNS refused')) : Promise.resolve()) },
        slots: { get: () => Promise.resolve(slot) },
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
        metrics: { bookingAccepted: () => undefined, bookingRefused: () => undefined },
        now: () => new Date(Date.parse(slot.startsAt) - 86_400_000),
      }).catch((error: Error) => {
        if (path !== 'SNS refusing') throw error;
      }),
  );
}

let synthesized: SynthesizedApp;
beforeAll(() => {
  synthesized = synthesizeAppointmentsApp({ validateAgainstCloudFormationRules: false });
}, SYNTHESIS_TIMEOUT_MS);
afterAll(() => synthesized.cleanup());

function actionsOn(statements: PolicyStatement[], logicalId: string): string[] {
  return statements
    .filter((statement) => JSON.stringify(statement.Resource).includes(`"${logicalId}"`))
    .flatMap((statement) => [statement.Action].flat())
    .sort();
}

/** schema.graphql as graphql-js reads it, with AppSync's own scalars and directives declared beside it. */
function appsyncSchema() {
  const definitions = readFileSync(path.join(repositoryRoot, 'core/graphql/appsync-definitions.graphql'), 'utf8');
  return buildASTSchema(parse(`${definitions}\n${readFileSync(schemaFile, 'utf8')}`));
}

function directivesOf(node: { astNode?: { directives?: readonly DirectiveNode[] } | null }): string[] {
  return (node.astNode?.directives ?? []).map((directive) => directive.name.value);
}

function fieldOf(type: GraphQLObjectType | null | undefined, fieldName: string): GraphQLField<unknown, unknown> {
  const field = type?.getFields()[fieldName];
  if (!field) throw new Error(`schema.graphql has no field ${type?.name ?? '?'}.${fieldName}`);
  return field;
}

describe('the GraphQL API', () => {
  it.each(deployedFunctions.resolvers)(
    'given $id, when a client calls it, then AppSync invokes its own function through the APPSYNC_JS resolver the local AppSync runs for it',
    async ({ id, typeName, fieldName }) => {
      const [resolverId, resolver] =
        resourcesOfType(synthesized.template, 'AWS::AppSync::Resolver').find(
          ([, candidate]) => candidate.Properties.TypeName === typeName && candidate.Properties.FieldName === fieldName,
        ) ?? [];
      if (!resolverId || !resolver) throw new Error(`No resolver on ${typeName}.${fieldName}`);
      const executor = await localExecutor({ [`${typeName}.${fieldName}`]: () => Promise.resolve({ data: null }) });

      // The deployed code is the very module the local executor runs for this field
      expect(resolver.Properties).toMatchObject({ Kind: 'UNIT', Runtime: { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' } });
      expect(resolver.Properties.Code).toBe(executor.resolverCode.get(`${typeName}.${fieldName}`));
      expect(resolver.Properties.Code).toBe(appSyncJsModule(topology.lambdaResolverCode));
      expect(String(resolver.Properties.Code)).toMatch(/import\s*\{\s*util\s*\}\s*from\s*"@aws-appsync\/utils"/);
      for (const template of [
        'RequestMappingTemplate',
        'ResponseMappingTemplate',
        'RequestMappingTemplateS3Location',
        'ResponseMappingTemplateS3Location',
        'CodeS3Location',
      ]) {
        expect(resolver.Properties).not.toHaveProperty(template);
      }
      const [, dataSource] =
        resourcesOfType(synthesized.template, 'AWS::AppSync::DataSource').find(
          ([, candidate]) => candidate.Properties.Name === resolver.Properties.DataSourceName,
        ) ?? [];
      expect(dataSource?.Properties.Type).toBe('AWS_LAMBDA');
      const lambdaConfig = dataSource?.Properties.LambdaConfig as { LambdaFunctionArn: unknown };
      expect(referencedLogicalId(lambdaConfig.LambdaFunctionArn)).toBe(functionLogicalId(synthesized, id));
    },
  );

  it('given a resolver error, when it happens, then it is logged at ERROR and traced in X-Ray', () => {
    const [, api] = resourcesOfType(synthesized.template, 'AWS::AppSync::GraphQLApi')[0] ?? [];

    expect(api?.Properties).toMatchObject({ XrayEnabled: true, LogConfig: { FieldLogLevel: 'ERROR' } });
  });

  it('given the stack outputs, when a client is configured, then the GraphQL URL, the region and the user pool ids are printed', () => {
    const outputs = synthesized.template.toJSON() as { Outputs: Record<string, { Value: unknown }> };

    expect(outputs.Outputs.GraphQLUrl?.Value).toEqual({ 'Fn::GetAtt': [expect.any(String), 'GraphQLUrl'] });
    expect(outputs.Outputs.Region?.Value).toEqual({ Ref: 'AWS::Region' });
    expect(referencedLogicalId(outputs.Outputs.UserPoolId?.Value)).toBe(
      resourcesOfType(synthesized.template, 'AWS::Cognito::UserPool')[0]?.[0],
    );
    expect(referencedLogicalId(outputs.Outputs.UserPoolClientId?.Value)).toBe(
      resourcesOfType(synthesized.template, 'AWS::Cognito::UserPoolClient')[0]?.[0],
    );
  });

  it('given a deployment, when npm run smoke reads its outputs, then they name the realtime endpoint and the app client of checks', () => {
    const outputs = synthesized.template.toJSON() as { Outputs: Record<string, { Value: unknown }> };
    const [apiId] = resourcesOfType(synthesized.template, 'AWS::AppSync::GraphQLApi')[0] ?? [];
    const checkClientId = resourcesOfType(synthesized.template, 'AWS::Cognito::UserPoolClient').find(([logicalId]) =>
      logicalId.includes('SmokeCheckClient'),
    )?.[0];

    expect(Object.keys(outputs.Outputs)).toEqual(expect.arrayContaining(Object.values(stackOutputs)));
    expect(outputs.Outputs[stackOutputs.realtimeUrl]?.Value).toEqual({ 'Fn::GetAtt': [apiId, 'RealtimeUrl'] });
    expect(checkClientId).toBeDefined();
    expect(referencedLogicalId(outputs.Outputs[stackOutputs.smokeCheckClientId]?.Value)).toBe(checkClientId);
  });
});

describe('what each resolver function may do', () => {
  const tableId = () => tableLogicalIds(synthesized).appointments;
  const topicId = () => resourcesOfType(synthesized.template, 'AWS::SNS::Topic')[0]?.[0] ?? 'no topic';
  const slotsId = () => tableLogicalIds(synthesized).slots;
  const environmentOfResolver = (id: string) => environmentOf(resource(synthesized.template, functionLogicalId(synthesized, id)));
  /** A request of the read model's adapter as the right it needs: the action on the table's ARN, or on the index's. */
  const rightFor = (request: TableRequest) => {
    const [action, index] = request.split(' ');
    return `${action} \${${slotsId()}.Arn}${index ? `/${index}` : ''}`;
  };
  const publishRight = () => `sns:Publish \${${topicId()}}`;

  it('given Query.appointments, when it runs, then it can only read the appointments table', () => {
    const statements = statementsOf(synthesized, 'Query.appointments');

    expect(actionsOn(statements, tableId())).toEqual(['dynamodb:Query']);
    expect(actionsOn(statements, topicId())).toEqual([]);
    expect(environmentOf(resource(synthesized.template, functionLogicalId(synthesized, 'Query.appointments')))).toHaveProperty(
      environment.appointmentsTableName,
      { Ref: tableId() },
    );
  });

  it("given Mutation.createAppointment, when it books, answers a retry with the earlier booking, or discards a booking SNS refused, then it has the rights to exactly the appointments table's requests it makes, and publishes requests, nothing else", async () => {
    const statements = statementsOf(synthesized, 'Mutation.createAppointment');
    const requests = [
      ...new Set([
        ...(await bookingRequests('new')),
        ...(await bookingRequests('retry of a PENDING booking')),
        ...(await bookingRequests('SNS refusing')),
      ]),
    ].sort();

    expect(requests).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(actionsOn(statements, tableId())).toEqual(requests);
    expect(actionsOn(statements, topicId())).toEqual(['sns:Publish']);
    expect(environmentOf(resource(synthesized.template, functionLogicalId(synthesized, 'Mutation.createAppointment')))).toMatchObject({
      [environment.appointmentsTableName]: { Ref: tableId() },
      [environment.appointmentRequestsTopicArn]: { Ref: topicId() },
    });
  });

  it('given Mutation.cancelAppointment, when it runs, then it can update and read appointments and publish the cancellation, nothing else', () => {
    const statements = statementsOf(synthesized, 'Mutation.cancelAppointment');

    expect(actionsOn(statements, tableId())).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(actionsOn(statements, topicId())).toEqual(['sns:Publish']);
    expect(environmentOf(resource(synthesized.template, functionLogicalId(synthesized, 'Mutation.cancelAppointment')))).toMatchObject({
      [environment.appointmentsTableName]: { Ref: tableId() },
      [environment.appointmentRequestsTopicArn]: { Ref: topicId() },
    });
  });

  it('given Mutation.rescheduleAppointment, when it runs, then it can read and update appointments, read the slot asked for, and publish the move, nothing else', () => {
    const statements = statementsOf(synthesized, 'Mutation.rescheduleAppointment');

    expect(actionsOn(statements, tableId())).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(actionsOn(statements, slotsId())).toEqual(['dynamodb:GetItem']);
    expect(actionsOn(statements, topicId())).toEqual(['sns:Publish']);
    expect(environmentOf(resource(synthesized.template, functionLogicalId(synthesized, 'Mutation.rescheduleAppointment')))).toMatchObject({
      [environment.appointmentsTableName]: { Ref: tableId() },
      [environment.slotsTableName]: { Ref: slotsId() },
      [environment.appointmentRequestsTopicArn]: { Ref: topicId() },
    });
  });

  it('given Query.availableSlots, when it reads a page of free slots, then it may Query the free-slot indexes, each by name, and nothing else: not the base table, not the appointments', async () => {
    const requests = [
      ...new Set(
        (await Promise.all(everyFreeSlotQuery().map((query) => requestsOf((model) => model.freeSlots(query, { limit: 10 }))))).flat(),
      ),
    ];

    // Each of the eight indexes is the one some combination of filters queries; never the base table.
    expect(requests).toHaveLength(8);
    expect(requests.every((request) => request.startsWith('dynamodb:Query index/'))).toBe(true);
    expect(rightsOf(statementsOf(synthesized, 'Query.availableSlots'))).toEqual(requests.map(rightFor).sort());
    expect(environmentOfResolver('Query.availableSlots')).toHaveProperty(environment.slotsTableName, { Ref: slotsId() });
    expect(environmentOfResolver('Query.availableSlots')).not.toHaveProperty(environment.appointmentsTableName);
  });

  it("given Query.catalog, when it reads a country's specialties, centres and doctors, then it may Query the read model's base table and nothing else", async () => {
    const requests = await requestsOf((model) => model.catalog('PE'));

    expect(requests).toEqual(['dynamodb:Query']);
    expect(rightsOf(statementsOf(synthesized, 'Query.catalog'))).toEqual(requests.map(rightFor));
    expect(environmentOfResolver('Query.catalog')).toHaveProperty(environment.slotsTableName, { Ref: slotsId() });
  });

  it('given Mutation.publishSlots, when staff publish sessions, then it may publish the request to the countries and nothing else: no table at all', () => {
    expect(rightsOf(statementsOf(synthesized, 'Mutation.publishSlots'))).toEqual([publishRight()]);
    expect(environmentOfResolver('Mutation.publishSlots')).toHaveProperty(environment.appointmentRequestsTopicArn, { Ref: topicId() });
    expect(environmentOfResolver('Mutation.publishSlots')).not.toHaveProperty(environment.slotsTableName);
    expect(environmentOfResolver('Mutation.publishSlots')).not.toHaveProperty(environment.appointmentsTableName);
  });

  it('given Mutation.withdrawSlot, when staff withdraw a slot, then it may read that slot from the read model and publish the withdrawal, nothing else', async () => {
    const requests = await requestsOf((model) => model.get('PE', 4200), { stored: aSlotSnapshot() });

    expect(requests).toEqual(['dynamodb:GetItem']);
    expect(rightsOf(statementsOf(synthesized, 'Mutation.withdrawSlot'))).toEqual([...requests.map(rightFor), publishRight()].sort());
    expect(environmentOfResolver('Mutation.withdrawSlot')).toMatchObject({
      [environment.slotsTableName]: { Ref: slotsId() },
      [environment.appointmentRequestsTopicArn]: { Ref: topicId() },
    });
  });

  it('given the resolver functions, when their rights are read, then only createAppointment and rescheduleAppointment (their slot), availableSlots, catalog and withdrawSlot reach the read model, and no slot resolver the appointments table', () => {
    const reaches = (id: string, tableLogicalId: string) =>
      rightsOf(statementsOf(synthesized, id)).some((right) => right.includes(`{${tableLogicalId}.`));
    const slotResolvers = ['Mutation.withdrawSlot', 'Query.availableSlots', 'Query.catalog'];

    expect(
      deployedFunctions.resolvers
        .filter(({ id }) => reaches(id, slotsId()))
        .map(({ id }) => id)
        .sort(),
    ).toEqual(['Mutation.createAppointment', 'Mutation.rescheduleAppointment', ...slotResolvers]);
    for (const id of [...slotResolvers, 'Mutation.publishSlots']) expect([id, reaches(id, tableId())]).toEqual([id, false]);
  });

  it('given Subscription.onAppointmentStatusChanged, when a client subscribes, then its function only checks the caller: no table, no topic', () => {
    const statements = statementsOf(synthesized, 'Subscription.onAppointmentStatusChanged');

    expect(actionsOn(statements, tableId())).toEqual([]);
    expect(actionsOn(statements, topicId())).toEqual([]);
    expect(statements.flatMap((statement) => [statement.Action].flat()).filter((action) => !/^(logs|xray):/.test(action))).toEqual([]);
    expect(
      environmentOf(resource(synthesized.template, functionLogicalId(synthesized, 'Subscription.onAppointmentStatusChanged'))),
    ).not.toHaveProperty(environment.appointmentsTableName);
  });
});

describe('who may call the slot fields', () => {
  it('given publishSlots and withdrawSlot, when AppSync checks the caller, then only users signed in with Cognito reach their functions (which then require staff): neither the API key nor IAM', () => {
    const schema = appsyncSchema();

    for (const fieldName of ['publishSlots', 'withdrawSlot']) {
      expect([fieldName, directivesOf(fieldOf(schema.getMutationType(), fieldName))]).toEqual([fieldName, ['aws_cognito_user_pools']]);
    }
  });

  it('given availableSlots and catalog, when a client calls them, then every client mode may, the API key included, as for appointments', () => {
    const schema = appsyncSchema();

    // No directive of their own: the Query type's modes apply, as they do to appointments.
    expect(directivesOf(schema.getQueryType() ?? {})).toEqual(expect.arrayContaining(['aws_api_key', 'aws_cognito_user_pools']));
    for (const fieldName of ['availableSlots', 'catalog', 'appointments']) {
      expect([fieldName, directivesOf(fieldOf(schema.getQueryType(), fieldName))]).toEqual([fieldName, []]);
    }
  });
});

/** Each internal publish mutation, and the one worker that calls it. */
const publishers = [
  { publish: topology.statusChanges, worker: deployedFunctions.completionWorker.id },
  { publish: topology.slotAvailabilityChanges, worker: deployedFunctions.slotProjector.id },
];

describe('changes in real time: status changes and slot availability', () => {
  const apiId = () => resourcesOfType(synthesized.template, 'AWS::AppSync::GraphQLApi')[0]?.[0] ?? 'no API';
  let localCode: ReadonlyMap<string, string>;
  beforeAll(async () => {
    localCode = (await localExecutor({})).resolverCode;
  });

  it('given the topology, when its publish mutations are listed, then status changes and slot availability are both there', () => {
    expect(topology.publishMutations.map(({ fieldName }) => fieldName).sort()).toEqual(
      publishers.map(({ publish }) => publish.fieldName).sort(),
    );
  });

  it.each(publishers)(
    'given $publish.fieldName, when $worker calls it, then a NONE data source with its APPSYNC_JS resolver file hands the change to AppSync as sent, with no Lambda on the way',
    ({ publish: { typeName, fieldName, code } }) => {
      const [, resolver] =
        resourcesOfType(synthesized.template, 'AWS::AppSync::Resolver').find(
          ([, candidate]) => candidate.Properties.TypeName === typeName && candidate.Properties.FieldName === fieldName,
        ) ?? [];
      const [, dataSource] =
        resourcesOfType(synthesized.template, 'AWS::AppSync::DataSource').find(
          ([, candidate]) => candidate.Properties.Name === resolver?.Properties.DataSourceName,
        ) ?? [];

      expect(resolver?.Properties).toMatchObject({
        Kind: 'UNIT',
        Runtime: { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' },
        Code: appSyncJsModule(code),
      });
      expect(resolver?.Properties.Code).toBe(localCode.get(`${typeName}.${fieldName}`));
      expect(resolver?.Properties).not.toHaveProperty('RequestMappingTemplate');
      expect(resolver?.Properties).not.toHaveProperty('ResponseMappingTemplate');
      // One ES module exporting the runtime's two handlers, nothing left to import.
      expect(String(resolver?.Properties.Code)).toMatch(/export\s*\{\s*request,\s*response\s*\}/);
      expect(String(resolver?.Properties.Code)).not.toMatch(/\bimport\b|\brequire\(/);
      expect(dataSource?.Properties.Type).toBe('NONE');
      expect(dataSource?.Properties).not.toHaveProperty('ServiceRoleArn');
    },
  );

  it.each(publishers)(
    'given schema.graphql, when AppSync serves $publish.subscriptionFieldName, then it is fed by $publish.fieldName, which only IAM callers may call',
    ({ publish: { typeName, fieldName, subscriptionFieldName } }) => {
      const schema = appsyncSchema();
      const subscription = fieldOf(schema.getSubscriptionType(), subscriptionFieldName);
      const publish = fieldOf(schema.getType(typeName) as GraphQLObjectType, fieldName);

      const subscribe = subscription.astNode?.directives?.find((directive) => directive.name.value === 'aws_subscribe');
      const mutations = subscribe?.arguments?.find((argument) => argument.name.value === 'mutations')?.value;
      expect(
        mutations?.kind === Kind.LIST && mutations.values.map((value) => (value.kind === Kind.STRING ? value.value : value.kind)),
      ).toEqual([fieldName]);
      // AppSync pushes the mutation's result to the subscribers: both must return the same type.
      expect(String(subscription.type)).toBe(String(publish.type));
      // AppSync filters subscribers by comparing each argument with the pushed field of the same name.
      const pushed = getNamedType(publish.type) as GraphQLObjectType;
      for (const argument of subscription.args)
        expect([argument.name, pushed.getFields()[argument.name]?.name]).toEqual([argument.name, argument.name]);

      // A field-level directive replaces the type's modes: IAM alone, not Cognito users nor the API key.
      expect(directivesOf(publish)).toEqual(['aws_iam']);
      // The published type must admit IAM (the caller's selection set) and the subscribers' modes.
      expect(directivesOf(pushed)).toEqual(expect.arrayContaining(['aws_iam', 'aws_cognito_user_pools', 'aws_api_key']));
    },
  );

  it("given onSlotAvailabilityChanged, when a client subscribes, then anyone signed in and the API key may, and no resolver stands in the way (availability is no one's own)", () => {
    const { subscriptionFieldName } = topology.slotAvailabilityChanges;
    const subscription = fieldOf(appsyncSchema().getSubscriptionType(), subscriptionFieldName);

    expect(directivesOf(subscription).filter((directive) => directive !== 'aws_subscribe')).toEqual([
      'aws_api_key',
      'aws_cognito_user_pools',
    ]);
    expect(subscription.args.map((argument) => `${argument.name}: ${String(argument.type)}`)).toEqual([
      'countryISO: CountryISO!',
      'specialtyId: ID',
    ]);
    expect(
      resourcesOfType(synthesized.template, 'AWS::AppSync::Resolver').filter(
        ([, resolver]) => resolver.Properties.TypeName === 'Subscription' && resolver.Properties.FieldName === subscriptionFieldName,
      ),
    ).toEqual([]);
  });

  it.each(publishers)(
    'given $worker, when it publishes a change, then it knows the GraphQL URL and may call $publish.fieldName, nothing else on AppSync',
    ({ publish: { typeName, fieldName }, worker: workerId }) => {
      const worker = resource(synthesized.template, functionLogicalId(synthesized, workerId));
      const appsyncStatements = statementsOf(synthesized, workerId).filter((statement) =>
        [statement.Action].flat().some((action) => action.startsWith('appsync:')),
      );

      expect(environmentOf(worker)[environment.graphqlUrl]).toEqual({ 'Fn::GetAtt': [apiId(), 'GraphQLUrl'] });
      expect(appsyncStatements).toHaveLength(1);
      expect(appsyncStatements[0]?.Effect).toBe('Allow');
      expect([appsyncStatements[0]?.Action].flat()).toEqual(['appsync:GraphQL']);
      expect([appsyncStatements[0]?.Resource].flat().map(renderedArn)).toEqual([
        `arn:\${AWS::Partition}:appsync:\${AWS::Region}:\${AWS::AccountId}:apis/\${${apiId()}.ApiId}/types/${typeName}/fields/${fieldName}`,
      ]);
    },
  );

  it('given every other function, when it runs, then it may not call the API with IAM', () => {
    const rolesWithAppSync = resourcesOfType(synthesized.template, 'AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes('"appsync:'))
      .flatMap(([, policy]) => (policy.Properties.Roles as unknown[]).map(referencedLogicalId));
    const publisherRoles = publishers.map(({ worker }) =>
      referencedLogicalId(resource(synthesized.template, functionLogicalId(synthesized, worker)).Properties.Role),
    );

    expect(rolesWithAppSync.sort()).toEqual(publisherRoles.sort());
  });
});
