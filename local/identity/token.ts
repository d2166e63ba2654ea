import { parseArgs } from 'node:util';
import { validateInsuredId } from '../../core/domain/appointment';
import { readStackState } from '../stack-state';
import { LocalTokenIssuer, type TokenRequest } from './issuer';

/**
 * `npm run token -- --insured 00012` or `npm run token -- --staff`: prints a user
 * pool token the running `npm start` accepts, for `Authorization: <token>`.
 */
const USAGE = `npm run token -- --insured <5 digits> | --staff   [--id-token] [--minutes N]
  --insured 00012   an insured person's token: books, lists and follows 00012's appointments only
  --staff           a call-centre agent's token (group agents): acts for any insured person
  --id-token        the ID token instead of the access token (Amplify JS sends the access token)
  --minutes N       lifetime, default 60 (Cognito's default)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      insured: { type: 'string' },
      staff: { type: 'boolean', default: false },
      'id-token': { type: 'boolean', default: false },
      minutes: { type: 'string', default: '60' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || (!values.insured && !values.staff)) {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const minutes = Number(values.minutes);
  if (!Number.isInteger(minutes) || minutes < 1) throw new Error(`--minutes must be a whole number of minutes, not ${values.minutes}`);
  const request: TokenRequest = {
    ...(values.insured === undefined ? {} : { insuredId: validateInsuredId(values.insured) }),
    staff: values.staff,
    tokenUse: values['id-token'] ? 'id' : 'access',
    lifetimeSeconds: minutes * 60,
  };
  const state = await readStackState();
  const issuer = await LocalTokenIssuer.open(state.tokenSigningKeyFile);
  process.stdout.write(`${await issuer.issue(request)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
