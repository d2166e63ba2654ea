import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { itemSize } from 'dynalite/db';

/**
 * DynamoDB on-demand's request units, counted by the local DynamoDB server itself (issue 27).
 *
 * Why here and this way: dynalite computes ConsumedCapacity from the items as stored (the larger of the old and new
 * item for a write, every item a Query or Scan page read before its filter), which is how DynamoDB bills and which
 * no caller could see from its own request. So every data-plane request is passed on asking for it
 * (ReturnConsumedCapacity TOTAL, the field a caller may ignore), and the answer's units are summed. dynalite leaves
 * out the global secondary indexes a write touches; DynamoDB bills each (an index entry added, removed, or rewritten
 * under a changed key twice), so a PutItem on a table with indexes also asks for the old item (ReturnValues ALL_OLD,
 * taken out of the answer again when the caller did not ask) and its index writes are computed from both items. A
 * write refused by its condition is billed too: 1 unit, the minimum (the existing item's size is not answered).
 * UpdateItem, DeleteItem and BatchWriteItem on an indexed table get their table units only: nothing here makes
 * them (the slot read model, the one indexed table, is written by PutItem).
 * The cost: one string splice per request, a JSON parse of each PutItem (to find its table) and of each answer the
 * meter must change beyond its trailing ConsumedCapacity.
 */
export interface DynamoDbUsage {
  readonly writeUnits: number;
  readonly readUnits: number;
  /** The same by caller: the SDK app id a local function names itself with (see sdkAppIdOf), `unknown` otherwise. */
  readonly byCaller: Readonly<Record<string, { readonly writeUnits: number; readonly readUnits: number }>>;
}

type AttributeMap = Readonly<Record<string, Readonly<Record<string, unknown>>>>;
type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A table's global secondary indexes as CreateTable declared them: each index's key attributes. */
export type TableIndexes = ReadonlyMap<string, readonly (readonly string[])[]>;

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/** Puts the meter in front of dynalite's request handler (the server's only one); reads the totals. */
export function meterBilledCapacity(server: Server): { usage(): DynamoDbUsage } {
  const [serve] = server.listeners('request') as Handler[];
  if (!serve) throw new Error('dynalite has no request handler to meter');
  server.removeAllListeners('request');
  const totals = { writeUnits: 0, readUnits: 0 };
  const byCaller = new Map<string, { writeUnits: number; readUnits: number }>();
  const indexes = new Map<string, (readonly string[])[]>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const body = Buffer.concat(chunks).toString('utf8');
      if (operation === 'CreateTable') learnIndexes(body, indexes);
      if (!READS.has(operation) && !WRITES.has(operation)) return serve(replayed(request, body), response);
      const asked = askingForCapacity(operation, body, indexes);
      const callerId = callerOf(request);
      const caller = byCaller.get(callerId) ?? { writeUnits: 0, readUnits: 0 };
      byCaller.set(callerId, caller);
      measureAnswer(response, (status, answer) => {
        const billed = billedUnits(operation, status, answer, asked);
        const kind = READS.has(operation) ? 'readUnits' : 'writeUnits';
        totals[kind] += billed.units;
        caller[kind] += billed.units;
        return billed.answer;
      });
      serve(replayed(request, asked.body), response);
    });
  });
  return {
    usage: () => ({ ...totals, byCaller: Object.fromEntries([...byCaller].map(([id, units]) => [id, { ...units }])) }),
  };
}

/** The SDK app id in the user agent (`app/<id>`, to which Powertools appends `/PT/…`), without what is appended. */
function callerOf(request: IncomingMessage): string {
  return /\bapp\/([^/\s]+)/.exec(String(request.headers['user-agent'] ?? ''))?.[1] ?? 'unknown';
}

/** What the request was changed into, and what the meter needs to read the answer. */
export interface AskedRequest {
  readonly body: string;
  /** The caller asked for ConsumedCapacity itself: otherwise it is taken out of the answer, as DynamoDB sends none. */
  readonly callerAskedCapacity: boolean;
  /** The put's item and its table's indexes, when the old item was asked for. */
  readonly indexedPut?: { readonly item: AttributeMap; readonly indexes: readonly (readonly string[])[]; readonly callerAskedOld: boolean };
}

/** The request with ReturnConsumedCapacity TOTAL (unless the caller asked for some), and ALL_OLD for an indexed put. */
export function askingForCapacity(operation: string, body: string, indexes: TableIndexes): AskedRequest {
  // NONE (DynamoDB's default, sent by some callers) would leave the answer without units to bill: TOTAL in its place.
  const callerAskedCapacity = /"ReturnConsumedCapacity"\s*:\s*"(?:TOTAL|INDEXES)"/.test(body);
  const withCapacity = callerAskedCapacity
    ? body
    : /"ReturnConsumedCapacity"\s*:\s*"NONE"/.test(body)
      ? body.replace(/"ReturnConsumedCapacity"\s*:\s*"NONE"/, '"ReturnConsumedCapacity":"TOTAL"')
      : body.replace(/^\s*\{/, '{"ReturnConsumedCapacity":"TOTAL",');
  if (operation !== 'PutItem') return { body: withCapacity, callerAskedCapacity };
  const request = JSON.parse(withCapacity) as { TableName?: string; Item?: AttributeMap; ReturnValues?: string };
  const tableIndexes = indexes.get(request.TableName ?? '');
  if (!tableIndexes?.length || !request.Item) return { body: withCapacity, callerAskedCapacity };
  const callerAskedOld = request.ReturnValues === 'ALL_OLD';
  return {
    callerAskedCapacity,
    body: callerAskedOld ? withCapacity : JSON.stringify({ ...request, ReturnValues: 'ALL_OLD' }),
    indexedPut: { item: request.Item, indexes: tableIndexes, callerAskedOld },
  };
}

/** The TOTAL ConsumedCapacity (one table's, or a batch's list of them) closing an answer, with its comma if any. */
const TRAILING_CONSUMED_CAPACITY = /,?"ConsumedCapacity":(?:\{[^{}]*\}|\[[^[\]]*\])\}$/;

/** The units an answer reports, and the answer as the caller should get it (the old item taken out if it did not ask). */
export function billedUnits(operation: string, status: number, answer: string, asked: AskedRequest): { units: number; answer: string } {
  if (status !== 200) {
    return { units: WRITES.has(operation) && answer.includes('ConditionalCheckFailedException') ? 1 : 0, answer };
  }
  const tableUnits = [...answer.matchAll(/"CapacityUnits":([\d.]+)/g)].reduce((sum, [, units]) => sum + Number(units), 0);
  if (!asked.indexedPut) {
    if (asked.callerAskedCapacity) return { units: tableUnits, answer };
    // dynalite writes ConsumedCapacity last: cut it off the text, rather than parse and write again every answer.
    const withoutCapacity = answer.replace(TRAILING_CONSUMED_CAPACITY, '}');
    if (withoutCapacity !== answer) return { units: tableUnits, answer: withoutCapacity };
  }
  // Only what the caller asked for goes back: DynamoDB answers no ConsumedCapacity, nor old item, unasked.
  const {
    ConsumedCapacity: capacity,
    Attributes: old,
    ...rest
  } = JSON.parse(answer) as { ConsumedCapacity?: unknown; Attributes?: AttributeMap };
  const indexUnits = asked.indexedPut ? indexWriteUnits(old, asked.indexedPut.item, asked.indexedPut.indexes) : 0;
  const keepsOld = old !== undefined && (!asked.indexedPut || asked.indexedPut.callerAskedOld);
  const answered = { ...rest, ...(keepsOld && { Attributes: old }), ...(asked.callerAskedCapacity && { ConsumedCapacity: capacity }) };
  return { units: tableUnits + indexUnits, answer: JSON.stringify(answered) };
}

/**
 * Write units of the index entries a write changes, projection ALL (an entry is the item): an entry added or kept
 * costs the new item's units, one removed the old item's, one moved to another key both.
 */
export function indexWriteUnits(oldItem: AttributeMap | undefined, newItem: AttributeMap, indexes: readonly (readonly string[])[]): number {
  const units = (item: AttributeMap) => Math.max(1, Math.ceil(itemSize(item) / 1024));
  const keyOf = (item: AttributeMap | undefined, keys: readonly string[]) =>
    item && keys.every((key) => item[key] !== undefined) ? JSON.stringify(keys.map((key) => item[key])) : undefined;
  return indexes.reduce((sum, keys) => {
    const [before, after] = [keyOf(oldItem, keys), keyOf(newItem, keys)];
    const removed = before !== undefined && before !== after ? units(oldItem!) : 0;
    return sum + removed + (after !== undefined ? units(newItem) : 0);
  }, 0);
}

/** Keeps the key attributes of each index a CreateTable declares (a table kept on disk is declared again at start). */
function learnIndexes(body: string, indexes: Map<string, (readonly string[])[]>): void {
  const table = JSON.parse(body) as {
    TableName?: string;
    GlobalSecondaryIndexes?: { KeySchema?: { AttributeName?: string }[] }[];
  };
  const declared = (table.GlobalSecondaryIndexes ?? []).map((index) => (index.KeySchema ?? []).map((key) => key.AttributeName ?? ''));
  if (table.TableName) indexes.set(table.TableName, declared);
}

/** The request as dynalite reads it (headers, method, url, a stream of the body), with `body` in place of its own. */
function replayed(request: IncomingMessage, body: string): IncomingMessage {
  const bytes = Buffer.from(body, 'utf8');
  return Object.assign(Readable.from([bytes]), {
    headers: { ...request.headers, 'content-length': String(bytes.length) },
    method: request.method,
    url: request.url,
  }) as unknown as IncomingMessage;
}

/** Lets `read` see, and change, the JSON body dynalite answers with before it is sent (its length and CRC32 follow). */
function measureAnswer(response: ServerResponse, read: (status: number, answer: string) => string): void {
  const end = response.end.bind(response) as (body?: string) => ServerResponse;
  response.end = ((body?: unknown) => {
    if (typeof body !== 'string') return end(body as undefined);
    const answer = read(response.statusCode, body);
    if (answer !== body) {
      response.setHeader('Content-Length', Buffer.byteLength(answer, 'utf8'));
      response.setHeader('x-amz-crc32', crc32(answer));
    }
    return end(answer);
  }) as ServerResponse['end'];
}
