import { parseArgs } from 'node:util';
import { appointmentIdOf, EXIT, runAsCommand, type OperatorIo } from './operator-io';
import { routingFromTopology } from '../router/router';
import { NoRunningStackError } from '../stack-state';

const USAGE = `npm run redrive -- <queue>
  Moves every message of a dead-letter queue back to the queue it came from, in the
  stack that \`npm start\` is running; their receive counts start again. <queue> is the
  DLQ's name or its source queue's. Without <queue>, lists the DLQs and their depths.`;

interface RedriveAnswer {
  readonly moved: number;
  readonly from: string;
  readonly to: string;
  readonly messages: readonly { readonly messageId: string; readonly body: string }[];
}

/** `npm run redrive`: the local counterpart of the SQS console's "Start DLQ redrive". Returns the exit code. */
export async function redriveMain(argv: readonly string[], io: OperatorIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 1) {
    io.stderr(`One queue at a time, not ${positionals.join(' ')}.\n${USAGE}\n`);
    return EXIT.usage;
  }
  const stack = await io.stack().catch((error: unknown) => {
    if (error instanceof NoRunningStackError) io.stderr(`${error.message}\n`);
    else throw error;
  });
  if (!stack) return EXIT.failed;

  const [queue] = positionals;
  if (queue === undefined) {
    const depths = await call<Record<string, { messages: number }>>(stack.queueAdminUrl, 'GET', '', io);
    if (!depths) return EXIT.failed;
    io.stdout('Dead-letter queues of the running stack:\n');
    for (const { settings } of routingFromTopology().queues) {
      const held = depths[settings.deadLetterQueueName]?.messages ?? 0;
      io.stdout(
        `  ${settings.deadLetterQueueName.padEnd(32)} ${String(held).padStart(5)} message${held === 1 ? '' : 's'}   (from ${settings.queueName})\n`,
      );
    }
    io.stderr(`\n${USAGE}\n`);
    return EXIT.usage;
  }

  const answer = await call<RedriveAnswer>(stack.queueAdminUrl, 'POST', `/${encodeURIComponent(queue)}/redrive`, io);
  if (!answer) return EXIT.failed;
  if (answer.moved === 0) {
    io.stdout(`Nothing to move: ${answer.from} is empty.\n`);
    return EXIT.ok;
  }
  io.stdout(`Moved ${answer.moved} message${answer.moved === 1 ? '' : 's'} from ${answer.from} back to ${answer.to}:\n`);
  for (const message of answer.messages) {
    const appointmentId = appointmentIdOf(message.body);
    const what = appointmentId ? `appointment ${appointmentId}` : `body ${JSON.stringify(truncate(message.body, 80))}`;
    io.stdout(`  ${what}  (now message ${message.messageId})\n`);
  }
  return EXIT.ok;
}

/** One call to the stack's queue API; undefined (and a line on stderr saying why) when it fails. */
async function call<Answer>(baseUrl: string, method: 'GET' | 'POST', path: string, io: OperatorIo): Promise<Answer | undefined> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, { method, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    io.stderr(`The local stack's queue API at ${baseUrl} does not answer (${cause}): is \`npm start\` still running?\n`);
    return undefined;
  }
  const body = (await response.json()) as Answer & { message?: string };
  if (!response.ok) {
    io.stderr(`${body.message ?? `HTTP ${response.status}`}\n`);
    return undefined;
  }
  return body;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}

if (require.main === module) runAsCommand(redriveMain);
