import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  benchCostFigures,
  chunksOf64KB,
  costPerMillionBookings,
  customMetricCount,
  defaultFixedCostSettings,
  deployedResources,
  dynamoDbReadUnits,
  dynamoDbWriteUnits,
  fixedMonthlyUsd,
  frontDoorBreakEven,
  lambdaBilledMs,
  lambdaGbSeconds,
  services,
  type BookingCounts,
} from '../../local/bench/cost';
import { listPrices, pricesUsEast1, unitUsd } from '../../local/bench/prices-us-east-1';

/** A booking that asks nothing of anyone: each test adds what it prices. */
const nothing: BookingCounts = {
  appsyncRequests: 0,
  appsyncRealtimeMessages: 0,
  lambdaInvocations: [],
  dynamoDbWriteUnits: 0,
  dynamoDbReadUnits: 0,
  snsPublishes: { count: 0, payloadBytes: 0 },
  sqsRequests: { count: 0, payloadBytes: 0 },
  eventBridgeEvents: { count: 0, payloadBytes: 0 },
  sesEmails: 0,
  secretsManagerCalls: 0,
  logBytes: 0,
};

/** Something like a booking, every field used: for the properties that must hold whatever the counts. */
const aBooking: BookingCounts = {
  appsyncRequests: 3,
  appsyncClientRequests: 1,
  appsyncRealtimeMessages: 2,
  appsyncConnectionMinutes: 1.5,
  lambdaInvocations: [
    { fn: 'Mutation.createAppointment', memoryMB: 512, invocations: 1, durationMs: 41.2, freshStarts: 0.01, initMs: 180.4 },
    { fn: 'countryWorker-PE', memoryMB: 512, invocations: 0.3, durationMs: 95.7 },
    { fn: 'completionWorker', memoryMB: 512, invocations: 0.6, durationMs: 60.1 },
  ],
  dynamoDbWriteUnits: 12,
  dynamoDbReadUnits: 1.5,
  snsPublishes: { count: 1, payloadBytes: 420 },
  sqsRequests: { count: 9, payloadBytes: 1_200 },
  eventBridgeEvents: { count: 3, payloadBytes: 900 },
  schedulerInvocations: 1,
  sesEmails: 1,
  secretsManagerCalls: 0.001,
  logBytes: 4_000,
  xrayTraces: 0.05,
  vpcEndpointBytes: 3_000,
  kmsRequests: 0.1,
  dataTransferOutBytes: 2_500,
};

const total = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0);

describe('the billing units (Lambda ms, DynamoDB request units, 64 KB chunks)', () => {
  it.each([
    [12, 12],
    [12.01, 13],
    [0.2, 1],
    [0, 1],
  ])('given an invocation of %p ms, when Lambda bills it, then it bills %p ms (rounded up to the ms, at least 1)', (ms, billed) => {
    expect(lambdaBilledMs(ms)).toBe(billed);
  });

  it('given 512 MB and 13 billed ms, when turned into GB-seconds, then it is 0.5 GB × 0.013 s = 0.0065', () => {
    expect(lambdaGbSeconds(512, 13)).toBeCloseTo(0.0065, 12);
  });

  it.each([
    [0, {}, 1],
    [1024, {}, 1],
    [1025, {}, 2],
    [2500, { transactional: true }, 6],
    [300, { indexWrites: 8 }, 9],
  ])('given an item of %p bytes written with %p, then it costs %p write request units', (bytes, options, units) => {
    expect(dynamoDbWriteUnits(bytes, options)).toBe(units);
  });

  it.each([
    [4096, 'strong', 1],
    [4097, 'strong', 2],
    [8192, 'eventual', 1],
    [100, 'eventual', 0.5],
    [5000, 'transactional', 4],
  ] as const)('given %p bytes read %p, then it costs %p read request units', (bytes, consistency, units) => {
    expect(dynamoDbReadUnits(bytes, consistency)).toBe(units);
  });

  it.each([
    [0, 1],
    [65_536, 1],
    [65_537, 2],
    [256 * 1024, 4],
  ])('given a payload of %p bytes, when billed in 64 KB chunks, then it is %p requests', (bytes, chunks) => {
    expect(chunksOf64KB(bytes)).toBe(chunks);
  });

  it('given a negative size or duration, when billed, then it is refused rather than priced', () => {
    expect(() => lambdaBilledMs(-1)).toThrow(RangeError);
    expect(() => dynamoDbWriteUnits(Number.NaN)).toThrow(RangeError);
    expect(() => chunksOf64KB(-5)).toThrow(RangeError);
  });
});

describe('the cost of a million bookings', () => {
  it('given one Lambda invocation of 12.3 ms at 512 MB, when priced, then it bills 13 ms and its request', () => {
    // 13 ms × 0.5 GB = 0.0065 GB-s × $0.0000133334 = $0.0000000866671; + $0.20 / 1M = $0.0000002 a request.
    // Per booking $0.0000002866671, so $0.2866671 per million bookings.
    const cost = costPerMillionBookings({
      ...nothing,
      lambdaInvocations: [{ fn: 'Query.availableSlots', memoryMB: 512, invocations: 1, durationMs: 12.3 }],
    });

    expect(cost.byService.lambda).toBeCloseTo(0.2866671, 9);
    expect(cost.lambdaByFunction).toEqual({ 'Query.availableSlots': cost.byService.lambda });
  });

  it('given one fresh start in a hundred bookings with a 180.4 ms INIT, when priced, then the INIT is billed as 181 ms at the function memory', () => {
    // 0.01 × 181 ms × 0.5 GB = 0.000905 GB-s × $0.0000133334 = $0.000000012066727 a booking: $0.012066727 per million.
    const cost = costPerMillionBookings({
      ...nothing,
      lambdaInvocations: [{ fn: 'countryWorker-CL', memoryMB: 512, invocations: 0, durationMs: 0, freshStarts: 0.01, initMs: 180.4 }],
    });

    expect(cost.lambdaInitUsd).toBeCloseTo(0.012066727, 12);
    expect(cost.byService.lambda).toBeCloseTo(cost.lambdaInitUsd, 12);
  });

  it('given a fresh start whose INIT was not measured, when priced, then no INIT is invented', () => {
    const cost = costPerMillionBookings({
      ...nothing,
      lambdaInvocations: [{ fn: 'completionWorker', memoryMB: 512, invocations: 0, durationMs: 0, freshStarts: 1 }],
    });

    expect(cost.lambdaInitUsd).toBe(0);
  });

  it('given SQS messages of 70 KB, when priced, then each is billed as two 64 KB requests', () => {
    // 3 requests × 2 chunks = 6 requests × $0.40 / 1M = $0.0000024 a booking: $2.40 per million bookings.
    const cost = costPerMillionBookings({ ...nothing, sqsRequests: { count: 3, payloadBytes: 70 * 1024 } });

    expect(cost.byService.sqs).toBeCloseTo(2.4, 9);
  });

  it('given one client request a booking, when priced, then a million bookings pay AppSync $4.00 and WAF $0.60 for it', () => {
    const cost = costPerMillionBookings({ ...nothing, appsyncRequests: 1 });

    expect(cost.byService.appsync).toBeCloseTo(4, 9);
    expect(cost.byService.waf).toBeCloseTo(0.6, 9);
    expect(cost.perMillionBookingsUsd).toBeCloseTo(4.6, 9);
  });

  it('given the counts doubled, when priced, then every service and the total cost twice as much (no free tier, no step)', () => {
    const double: BookingCounts = {
      ...aBooking,
      appsyncRequests: 2 * aBooking.appsyncRequests,
      appsyncRealtimeMessages: 2 * aBooking.appsyncRealtimeMessages,
      appsyncConnectionMinutes: 2 * aBooking.appsyncConnectionMinutes!,
      lambdaInvocations: aBooking.lambdaInvocations.map((fn) => ({
        ...fn,
        invocations: 2 * fn.invocations,
        freshStarts: 2 * (fn.freshStarts ?? 0),
      })),
      dynamoDbWriteUnits: 2 * aBooking.dynamoDbWriteUnits,
      dynamoDbReadUnits: 2 * aBooking.dynamoDbReadUnits,
      snsPublishes: { ...aBooking.snsPublishes, count: 2 * aBooking.snsPublishes.count },
      sqsRequests: { ...aBooking.sqsRequests, count: 2 * aBooking.sqsRequests.count },
      eventBridgeEvents: { ...aBooking.eventBridgeEvents, count: 2 * aBooking.eventBridgeEvents.count },
      schedulerInvocations: 2 * aBooking.schedulerInvocations!,
      sesEmails: 2 * aBooking.sesEmails,
      secretsManagerCalls: 2 * aBooking.secretsManagerCalls,
      logBytes: 2 * aBooking.logBytes,
      xrayTraces: 2 * aBooking.xrayTraces!,
      vpcEndpointBytes: 2 * aBooking.vpcEndpointBytes!,
      kmsRequests: 2 * aBooking.kmsRequests!,
      dataTransferOutBytes: 2 * aBooking.dataTransferOutBytes!,
    };

    const once = costPerMillionBookings(aBooking);
    const twice = costPerMillionBookings(double);

    for (const service of services) expect(twice.byService[service]).toBeCloseTo(2 * once.byService[service], 9);
    expect(twice.perMillionBookingsUsd).toBeCloseTo(2 * once.perMillionBookingsUsd, 9);
  });

  it('given any counts, when priced, then the services sum to the total and every one of them is there', () => {
    const cost = costPerMillionBookings(aBooking);

    expect(Object.keys(cost.byService).sort()).toEqual([...services].sort());
    expect(total(Object.values(cost.byService))).toBeCloseTo(cost.perMillionBookingsUsd, 9);
    expect(total(Object.values(cost.lambdaByFunction))).toBeCloseTo(cost.byService.lambda, 9);
  });
});

describe('the fixed monthly cost of the deployment', () => {
  it('given the default settings, when priced, then the total is the sum of its items', () => {
    const fixed = fixedMonthlyUsd();

    expect(fixed.totalUsd).toBeCloseTo(total(fixed.items.map((item) => item.usd)), 9);
    for (const item of fixed.items) expect(item.sizedBy).not.toBe('');
  });

  it('given the default settings, when priced, then each item is the quantity infra/ deploys at the table’s price', () => {
    const byName = new Map(fixedMonthlyUsd().items.map((item) => [item.item, item]));

    // One db.t4g.micro: 730 h × $0.016 = $11.68; 20 GB gp3 × $0.115 = $2.30.
    expect(byName.get('RDS MySQL db.t4g.micro')?.usd).toBeCloseTo(11.68, 9);
    expect(byName.get('RDS gp3 storage')?.usd).toBeCloseTo(2.3, 9);
    // Two interface endpoints × 2 AZs × 730 h × $0.01 = $29.20.
    expect(byName.get('VPC interface endpoints')?.usd).toBeCloseTo(29.2, 9);
    // Four secrets (master, PE, CL, reconciler) × $0.40 = $1.60.
    expect(byName.get('Secrets Manager secrets')?.usd).toBeCloseTo(1.6, 9);
    // One web ACL $5 and three rules × $1.
    expect(byName.get('WAF web ACL')?.usd).toBeCloseTo(5, 9);
    expect(byName.get('WAF rules')?.usd).toBeCloseTo(3, 9);
    // No customer managed key.
    expect(byName.get('KMS customer managed keys')?.usd).toBe(0);
    // Five worker queues × 5 pollers × (730 h × 3,600 s / 20 s) = 3,285,000 empty receives × $0.40 / 1M = $1.314.
    expect(byName.get('SQS: idle long polls of the event source mappings')?.quantity).toBe(3_285_000);
    expect(byName.get('SQS: idle long polls of the event source mappings')?.usd).toBeCloseTo(1.314, 9);
  });

  it('given a standby database (multiAz), when priced, then the instance and its storage cost twice as much', () => {
    const single = new Map(fixedMonthlyUsd(defaultFixedCostSettings).items.map((item) => [item.item, item.usd]));
    const multi = new Map(fixedMonthlyUsd({ ...defaultFixedCostSettings, multiAz: true }).items.map((item) => [item.item, item.usd]));

    expect(multi.get('RDS MySQL db.t4g.micro')).toBeCloseTo(2 * single.get('RDS MySQL db.t4g.micro')!, 9);
    expect(multi.get('RDS gp3 storage')).toBeCloseTo(2 * single.get('RDS gp3 storage')!, 9);
  });

  it('given the alarms infra/operations.ts makes, when counted, then the email route adds its queue’s two, its worker’s errors and its throttles', () => {
    // Without emails: 4 queues × 2 + 5 workers + 16 functions + 5XX + 2 countries + 2 database + 5 findings + not running = 40.
    expect(deployedResources({ multiAz: false, sendsEmails: false }).alarms).toBe(40);
    expect(deployedResources({ multiAz: false, sendsEmails: true }).alarms).toBe(44);
  });

  it('given the metrics core/observability/metrics.ts declares, when counted, then each name and dimension values is one metric', () => {
    // 5 names × 2 countries + rejected × 2 countries + 4 refusal errorTypes + 5 finding kinds (+ 4 email metrics) = 21 (25).
    expect(customMetricCount({ sendsEmails: false, bookingRefusalErrorTypes: 4 })).toBe(21);
    expect(customMetricCount({ sendsEmails: true, bookingRefusalErrorTypes: 4 })).toBe(25);
  });

  it('given a reconciliation that scans 300 MB every 5 minutes, when priced, then the month pays for its eventually consistent reads', () => {
    // 300 MiB / 4 KiB = 76,800 units, half eventually consistent: 38,400 a run × 8,760 runs = 336,384,000 × $0.125 / 1M = $42.048.
    const scans = fixedMonthlyUsd({ ...defaultFixedCostSettings, reconcilerScannedBytes: 300 * 1024 ** 2 }).items.find(
      (item) => item.item === 'DynamoDB: reconciler Scans',
    );

    expect(scans?.quantity).toBe(336_384_000);
    expect(scans?.usd).toBeCloseTo(42.048, 9);
  });

  it('given the infra sources, when read, then they still deploy what the fixed cost counts', () => {
    const infra = (file: string) => readFileSync(join(__dirname, '../../infra', file), 'utf8');
    const database = infra('country-database.ts');

    expect(database).toContain('ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.MICRO');
    expect(database).toContain('allocatedStorage: 20,');
    expect(database).toContain('maxAzs: 2,');
    expect(database.match(/InterfaceVpcEndpointAwsService\.\w+/g)).toEqual([
      'InterfaceVpcEndpointAwsService.SECRETS_MANAGER',
      'InterfaceVpcEndpointAwsService.EVENTBRIDGE',
    ]);
    expect(infra('api-firewall.ts')).toContain("CALLER_CREDENTIAL_HEADERS = ['authorization', 'x-api-key'] as const");
    expect(infra('appointments-function.ts')).toContain('architecture: lambda.Architecture.ARM_64');
    expect(infra('appointment-routing.ts')).not.toMatch(/new kms\.Key\b/);
  });
});

describe('AppSync or an API Gateway HTTP API in front', () => {
  it('given two client requests a booking and a $50 month as the threshold, when compared, then the front door matters from about 5.83 million bookings a month', () => {
    // AppSync $4.00 + WAF $0.60 = $4.60 per million requests; an HTTP API $1.00 (and no web ACL to attach).
    // Difference $3.60 per million requests; two a booking: $7.20 per million bookings, $0.0000072 a booking.
    // The web ACL's month is AppSync's alone: $5 + 3 rules × $1 = $8.
    // $8 + $0.0000072 × B = $50  =>  B = 42 / 0.0000072 = 5,833,333.33 bookings a month.
    const line = frontDoorBreakEven(2, 50);

    expect(line.appsyncWithWafUsdPerMillionRequests).toBeCloseTo(4.6, 9);
    expect(line.httpApiUsdPerMillionRequests).toBeCloseTo(1, 9);
    expect(line.differenceUsdPerMillionRequests).toBeCloseTo(3.6, 9);
    expect(line.differenceUsdPerMillionBookings).toBeCloseTo(7.2, 9);
    expect(line.wafFixedMonthlyUsd).toBeCloseTo(8, 9);
    expect(line.bookingsPerMonthAtThreshold).toBeCloseTo(5_833_333.33, 1);
  });

  it('given a threshold below the web ACL’s own month, when compared, then the choice already matters at no bookings at all', () => {
    expect(frontDoorBreakEven(1, 5).bookingsPerMonthAtThreshold).toBe(0);
  });
});

describe('the cost figures the bench JSON carries', () => {
  it('given idle and loaded counts, when turned into figures, then they differ only by the counts and share one fixed month', () => {
    const loaded: BookingCounts = { ...aBooking, sqsRequests: { count: 20, payloadBytes: 1_200 } };

    const figures = benchCostFigures({ idle: aBooking, loaded });

    expect(figures.region).toBe('us-east-1');
    expect(figures.pricesAsOf).toBe(pricesUsEast1.asOf);
    expect(figures.perMillionBookingsUsd.idle).toBeCloseTo(costPerMillionBookings(aBooking).perMillionBookingsUsd, 9);
    // 11 more SQS requests a booking × $0.40 / 1M, a million times: $4.40 more.
    expect(figures.perMillionBookingsUsd.loaded - figures.perMillionBookingsUsd.idle).toBeCloseTo(4.4, 9);
    expect(figures.byService.loaded.sqs - figures.byService.idle.sqs).toBeCloseTo(4.4, 9);
    expect(figures.fixedMonthlyUsd).toEqual(fixedMonthlyUsd());
    expect(figures.frontDoor.clientRequestsPerBooking).toBe(1);
  });
});

describe('the price table', () => {
  it('given every price, then it names an AWS page, the day it was read, and where the figure was seen when not there', () => {
    const prices = listPrices();

    expect(prices.length).toBeGreaterThan(30);
    for (const { price } of prices) {
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(price.readOn).toBe(pricesUsEast1.asOf);
      if (price.confirmedBy === 'third-party') expect(price.seenAt).toMatch(/^https:\/\//);
      if (price.confirmedBy === 'none') expect(price.note).toMatch(/NOT confirmed/);
      expect(unitUsd(price)).toBeGreaterThanOrEqual(0);
    }
  });
});
