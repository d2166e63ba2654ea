import { parseArgs } from 'node:util';
import { createPool, type Pool } from 'mysql2/promise';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { DynamoDbSlotReadModel } from '../../core/adapters/dynamodb-slot-read-model';
import { mysqlOptionsFromUrl } from '../../core/adapters/mysql-connection';
import { rowsOfEveryCountry } from '../../core/adapters/mysql-country-rows';
import { slotStatesOf } from '../../core/adapters/mysql-slot-catalog';
import { countries } from '../../core/domain/countries';
import {
  findingKindOf,
  MAX_SLOT_DRIFTS_LOGGED,
  PIPELINE_RETRY_WINDOW_MS,
  reconcileAppointments,
  remedyFor,
  type Reconciliation,
} from '../../core/use-cases/reconcile-appointments';
import { localDynamoDbClient } from '../dynamodb/dynalite';
import { EXIT, runAsCommand, type OperatorIo } from './operator-io';
import { NoRunningStackError } from '../stack-state';

const USAGE = `npm run reconcile [-- --older-than <duration>]
  Compares DynamoDB with the country schemas of the stack that \`npm start\` is running and lists
  appointments PENDING for longer than <duration>, country rows older than <duration> whose
  appointment is missing or not COMPLETED, and slots whose last change is older than <duration> that
  the read model lacks, shows otherwise, or holds at an older version. Exits 1 when it finds any, 0 when
  it finds none.
  --older-than   e.g. 90s, 10m, 1h, or seconds (default ${formatDuration(PIPELINE_RETRY_WINDOW_MS)}: as long as the
                 pipeline keeps retrying a change before its DLQ holds it)`;

/** `npm run reconcile`. Returns the exit code. */
export async function reconcileMain(argv: readonly string[], io: OperatorIo, now: () => Date = () => new Date()): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { 'older-than': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const olderThanMs = values['older-than'] === undefined ? PIPELINE_RETRY_WINDOW_MS : parseDuration(values['older-than']);
  if (olderThanMs === undefined) {
    io.stderr(`--older-than ${values['older-than']} is not a duration.\n${USAGE}\n`);
    return EXIT.usage;
  }
  const stack = await io.stack().catch((error: unknown) => {
    if (error instanceof NoRunningStackError) io.stderr(`${error.message}\n`);
    else throw error;
  });
  if (!stack) return EXIT.failed;

  const dynamodb = localDynamoDbClient(stack.dynamodbEndpoint);
  // As the read-only reconciler user: reconciling reads, and a mistake here can write nothing.
  const pool = stack.reconcileMysqlUrl ? createPool(mysqlOptionsFromUrl(stack.reconcileMysqlUrl, 2)) : undefined;
  try {
    const appointments = new DynamoDbAppointmentRepository(dynamodb, stack.tableName);
    const countryRows = () => (pool ? rowsOfEveryCountry(pool, Object.values(countries)) : []);
    const slots = pool && stack.slotsTableName ? slotPorts(pool, new DynamoDbSlotReadModel(dynamodb, stack.slotsTableName)) : undefined;
    const result = await reconcileAppointments(olderThanMs, {
      appointments: () => appointments.scanAll(),
      countryRows,
      ...(slots && { slots }),
      now,
    });
    io.stdout(report(result, olderThanMs, now(), pool !== undefined));
    return foundIn(result) > 0 ? EXIT.found : EXIT.ok;
  } finally {
    dynamodb.destroy();
    await pool?.end();
  }
}

function slotPorts(pool: Pool, readModel: DynamoDbSlotReadModel) {
  return {
    readModelSlots: () => readModel.slotStates(),
    countrySlots: async function* () {
      for (const country of Object.values(countries)) yield* slotStatesOf(pool, country);
    },
  };
}

function foundIn(result: Reconciliation): number {
  return result.stuckPending.length + result.rowsDisagreeingWithAppointment.length + (result.slots?.slotsDrifting.length ?? 0);
}

function report(result: Reconciliation, olderThanMs: number, now: Date, checkedRows: boolean): string {
  const threshold = formatDuration(olderThanMs);
  const schemas = Object.values(countries)
    .map((country) => country.mysqlSchema)
    .join(', ');
  const lines = [
    checkedRows
      ? `Checked ${result.appointmentsChecked} appointments (DynamoDB) against ${result.rowsChecked} country rows (${schemas}); reporting what is older than ${threshold}.`
      : `Checked ${result.appointmentsChecked} appointments (DynamoDB); the stack keeps country rows in memory (--no-mysql), so no rows were checked.`,
  ];
  if (result.slots) {
    lines.push(
      `Checked ${result.slots.readModelSlotsChecked} slots of the read model (DynamoDB) against ${result.slots.countrySlotsChecked} catalog slots.`,
    );
  } else if (checkedRows) {
    lines.push('The read model was not checked: this stack did not say where its slots table is (restart npm start).');
  }
  if (result.stuckPending.length > 0) {
    lines.push('', `PENDING for more than ${threshold} (${result.stuckPending.length}): ${remedyFor.stuckPending}.`);
    for (const appointment of result.stuckPending) {
      const age = formatDuration(now.getTime() - Date.parse(appointment.createdAt));
      lines.push(
        `  ${appointment.appointmentId}  insured ${appointment.insuredId}  ${appointment.countryISO}  schedule ${appointment.scheduleId}  created ${appointment.createdAt} (${age} ago)`,
      );
    }
  }
  if (result.rowsDisagreeingWithAppointment.length > 0) {
    lines.push('', `Country rows whose appointment disagrees (${result.rowsDisagreeingWithAppointment.length}):`);
    for (const row of result.rowsDisagreeingWithAppointment) {
      lines.push(
        `  ${row.appointmentId}  ${row.countryISO}  schedule ${row.scheduleId}  row ${row.status} since ${row.scheduledAt.toISOString()}  appointment ${row.appointmentStatus}: ${remedyFor[findingKindOf(row)]}`,
      );
    }
  }
  const drifting = result.slots?.slotsDrifting ?? [];
  if (drifting.length > 0) {
    lines.push('', `Slots whose read model disagrees with their country (${drifting.length}): ${remedyFor.slotReadModelDrift}.`);
    for (const drift of drifting.slice(0, MAX_SLOT_DRIFTS_LOGGED)) {
      const { country, readModel } = drift;
      const held = readModel === 'MISSING' ? 'MISSING' : `${readModel.availability} v${readModel.version}`;
      lines.push(
        `  ${drift.countryISO}  schedule ${drift.scheduleId}  country ${country.availability} v${country.version} since ${country.changedAt.toISOString()}  read model ${held} (${drift.reason})`,
      );
    }
    if (drifting.length > MAX_SLOT_DRIFTS_LOGGED) lines.push(`  … and ${drifting.length - MAX_SLOT_DRIFTS_LOGGED} more`);
  }
  const found = foundIn(result);
  lines.push(
    '',
    found > 0
      ? `Found ${found} to look into.`
      : `Nothing to reconcile: no appointment older than ${threshold} is PENDING, every country row agrees with its appointment${result.slots ? ', and the read model agrees with every catalog slot' : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** 90s, 10m, 1h, 250ms, or bare seconds; undefined when it is none of those. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match?.[1]) return undefined;
  return Number(match[1]) * UNIT_MS[(match[2] as keyof typeof UNIT_MS | undefined) ?? 's'];
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

if (require.main === module) runAsCommand(reconcileMain);
