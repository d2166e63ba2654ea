import { bookingCounts } from '../../local/bench/booking-usage';
import { benchCostFigures, costPerMillionBookings } from '../../local/bench/cost';
import { printCostTable } from '../../local/bench/report';
import type { FunctionUsage } from '../../local/lambda/lambda-usage';
import type { StackUsage } from '../../local/stack-usage';

/** A stack that has served nothing yet. */
const atStart: StackUsage = {
  at: 0,
  appsync: { requests: { client: 0, iam: 0 }, refused: 0, realtimeMessages: 0, connectionMinutes: 0, responseBytes: 0 },
  lambda: {},
  dynamodb: { writeUnits: 0, readUnits: 0, byCaller: {} },
  sns: { publishes: { count: 0, payloadBytes: 0 } },
  sqs: { sends: { count: 0, payloadBytes: 0 }, receives: { count: 0, payloadBytes: 0 }, emptyReceives: 0, deletes: 0 },
  eventBridge: { events: { count: 0, payloadBytes: 0 } },
  scheduler: { rateInvocations: 0, oneTimeInvocations: 0 },
  ses: { emails: 0 },
  cognito: { listUsersCalls: 0 },
};

const idleFunction: FunctionUsage = {
  memoryMB: 512,
  invocations: 0,
  billedMs: 0,
  freshStarts: 0,
  initMs: 0,
  logBytes: 0,
  secretReads: 0,
  requests: 0,
};

/** The usage `served` on top of `from`, as the counters would have grown. */
function grown(from: StackUsage, served: Partial<StackUsage>): StackUsage {
  return { ...from, ...served, at: from.at + 60_000 };
}

describe('what a phase of bookings asked of AWS, per booking', () => {
  it('divides what was served during the phase, not before it, by the bookings of the phase', () => {
    // Given a stack that had already answered 50 client requests before the phase
    const before = grown(atStart, { appsync: { ...atStart.appsync, requests: { client: 50, iam: 10 } } });
    // When 10 bookings make 30 client requests and 20 signed publish mutations, and 20 pushes reach subscribers
    const after = grown(before, {
      appsync: { ...before.appsync, requests: { client: 80, iam: 30 }, realtimeMessages: 20, connectionMinutes: 5 },
    });
    const counts = bookingCounts({ before, after, bookings: 10 });
    // Then a booking is 5 AppSync requests, 3 of them the client's, 2 pushes and half a connection-minute
    expect(counts.appsyncRequests).toBe(5);
    expect(counts.appsyncClientRequests).toBe(3);
    expect(counts.appsyncRealtimeMessages).toBe(2);
    expect(counts.appsyncConnectionMinutes).toBe(0.5);
  });

  it('bills each function its mean rounded duration, and its fresh starts at their mean init', () => {
    // Given a country worker that had run 5 invocations before the phase
    const before = grown(atStart, {
      lambda: { 'country-worker-pe': { ...idleFunction, invocations: 5, billedMs: 500, freshStarts: 1, initMs: 300, secretReads: 1 } },
    });
    // When it runs 2 batches of 10 bookings (43 and 57 ms billed) in an environment started during the phase
    const after = grown(before, {
      lambda: {
        'country-worker-pe': {
          ...idleFunction,
          invocations: 7,
          billedMs: 600,
          freshStarts: 2,
          initMs: 550,
          logBytes: 2_000,
          secretReads: 2,
        },
      },
    });
    const counts = bookingCounts({ before, after, bookings: 20 });
    // Then a booking is a tenth of an invocation of 50 ms, a twentieth of a fresh start of 250 ms, and its secret read
    expect(counts.lambdaInvocations).toEqual([
      { fn: 'country-worker-pe', memoryMB: 512, invocations: 0.1, durationMs: 50, freshStarts: 0.05, initMs: 250, architecture: 'arm64' },
    ]);
    expect(counts.secretsManagerCalls).toBe(0.05);
    expect(counts.logBytes).toBe(100);
  });

  it('leaves out the scheduled reconciler and the rate schedules, which the fixed monthly cost prices', () => {
    // Given a phase during which the reconciler ran once on its schedule, scanning 1,500 read units, and one reminder fired
    const after = grown(atStart, {
      lambda: { reconciler: { ...idleFunction, invocations: 1, billedMs: 3_000, logBytes: 900 } },
      dynamodb: { writeUnits: 4, readUnits: 1_502, byCaller: { reconciler: { writeUnits: 0, readUnits: 1_500 } } },
      scheduler: { rateInvocations: 1, oneTimeInvocations: 1 },
    });
    // When the phase's 4 bookings are counted
    const counts = bookingCounts({ before: atStart, after, bookings: 4, fixedCostFunctions: ['reconciler'] });
    // Then neither the reconciler's run, its Scans nor its schedule is a booking's, the reminder is
    expect(counts.lambdaInvocations).toEqual([]);
    expect(counts.dynamoDbReadUnits).toBe(0.5);
    expect(counts.dynamoDbWriteUnits).toBe(1);
    expect(counts.logBytes).toBe(0);
    expect(counts.schedulerInvocations).toBe(0.25);
  });

  it('counts every SQS request, the empty receives of idle pollers too, at the mean payload of one', () => {
    // Given a phase in which 2 bookings were sent to a queue, received in one batch, deleted, and the pollers idled
    const after = grown(atStart, {
      sqs: { sends: { count: 2, payloadBytes: 2_000 }, receives: { count: 1, payloadBytes: 2_000 }, emptyReceives: 15, deletes: 1 },
    });
    // When the 2 bookings are counted
    const counts = bookingCounts({ before: atStart, after, bookings: 2 });
    // Then a booking is 19 / 2 SQS requests, each carrying 4,000 / 19 bytes on average
    expect(counts.sqsRequests.count).toBe(9.5);
    expect(counts.sqsRequests.payloadBytes).toBeCloseTo(4_000 / 19);
  });

  it('prices a phase in which nothing was published as no SNS, EventBridge or SES cost', () => {
    // Given a phase that only answered queries
    const after = grown(atStart, { appsync: { ...atStart.appsync, requests: { client: 3, iam: 0 } } });
    // When its 3 bookings are priced
    const cost = costPerMillionBookings(bookingCounts({ before: atStart, after, bookings: 3 }));
    // Then only AppSync (and WAF, which inspects its requests) cost anything
    expect(cost.byService.sns).toBe(0);
    expect(cost.byService.eventbridge).toBe(0);
    expect(cost.byService.ses).toBe(0);
    expect(cost.byService.appsync).toBeGreaterThan(0);
  });

  it('refuses to price a phase that booked nothing', () => {
    // Given a phase with no bookings, when it is counted, then it says why it cannot be
    expect(() => bookingCounts({ before: atStart, after: atStart, bookings: 0 })).toThrow(/booked something/);
  });
});

describe("the bench's cost table", () => {
  it('shows each billed service idle and loaded, the totals, the fixed month and the front-door line', () => {
    // Given a phase of 10 bookings that made AppSync requests and DynamoDB writes, priced idle and loaded alike
    const after = grown(atStart, {
      appsync: { ...atStart.appsync, requests: { client: 30, iam: 20 } },
      dynamodb: { writeUnits: 120, readUnits: 0, byCaller: {} },
    });
    const counts = bookingCounts({ before: atStart, after, bookings: 10 });
    const cost = {
      ...benchCostFigures({ idle: counts, loaded: counts }),
      counts: { idle: counts, loaded: counts },
      logsCountedAt: { logLevel: 'WARN', emfMetrics: false },
    };
    // When the bench prints it
    const printed: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((text) => printed.push(String(text)) > 0);
    try {
      printCostTable(cost);
    } finally {
      write.mockRestore();
    }
    const text = printed.join('');
    // Then AppSync costs 5 requests x $4 per million, DynamoDB 12 units x $0.625 per million, per million bookings
    expect(text).toMatch(/\| appsync +\| \$20\.00 +\| \$20\.00 +\|/);
    expect(text).toMatch(/\| dynamodb +\| \$7\.50 +\| \$7\.50 +\|/);
    expect(text).not.toMatch(/\| sns /);
    expect(text).toContain(`total per million bookings | $${cost.perMillionBookingsUsd.idle.toFixed(2)}`);
    expect(text).toContain(`Fixed monthly cost, whatever the traffic: $${cost.fixedMonthlyUsd.totalUsd.toFixed(2)}`);
    expect(text).toContain('3.00 client requests a booking');
    // And it says the log bytes are a quieter run's than the deployed functions'
    expect(text).toContain('CloudWatch Logs counted at POWERTOOLS_LOG_LEVEL=WARN, EMF metrics off');
  });
});
