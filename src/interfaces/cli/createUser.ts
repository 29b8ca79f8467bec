import { parseArgs } from 'node:util';
import { z } from 'zod';
import { configOrReport, EXIT_CONFIG } from './cliConfig.js';
import { buildServices } from '../../infrastructure/compositionRoot.js';
import { DomainError } from '../../domain/shared/errors.js';
import { systemActor } from '../../domain/shared/event.js';
import { emailField, passwordField } from '../http/identity/identity.schemas.js';

const USAGE = 'Usage: npm run user:create -- --role admin|auditor --email E --password - [--name N]\n'
  + '  --password - reads the password from standard input (typed without echo on a terminal, or piped),\n'
  + '  keeping it out of npm\'s echo of the command, the shell history and the process list.';

const ARGUMENT_PASSWORD_WARNING = 'Warning: a password given on the command line is printed by npm and kept in the shell history;\n'
  + '  use --password - to type or pipe it instead.';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads a line from the terminal without showing it; Ctrl-C aborts. */
function promptHidden(question: string): Promise<string> {
  process.stderr.write(question);
  process.stdin.setRawMode(true);
  process.stdin.setEncoding('utf8');
  let typed = '';
  return new Promise((resolve) => {
    const onData = (keys: string) => {
      for (const key of keys) {
        if (key === '\u0003') { process.stderr.write('\n'); process.exit(130); }
        if (key === '\r' || key === '\n') {
          process.stdin.setRawMode(false);
          process.stdin.off('data', onData);
          process.stdin.pause();
          process.stderr.write('\n');
          resolve(typed);
          return;
        }
        typed = key === '\u007f' || key === '\b' ? typed.slice(0, -1) : typed + key;
      }
    };
    process.stdin.on('data', onData);
  });
}

/** Operator accounts are made here (and by the demo seed), never by sign-up. */
const argsSchema = z.strictObject({
  role: z.enum(['admin', 'auditor']),
  email: emailField,
  password: passwordField,
  name: z.string().trim().min(1).max(100).optional(),
});

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { role: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 64;
  }
  if (values.password === '-') values.password = process.stdin.isTTY ? await promptHidden('Password (not shown): ') : await readStdin();
  else if (values.password !== undefined) console.error(ARGUMENT_PASSWORD_WARNING);
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(`${parsed.error.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`).join('\n')}\n${USAGE}`);
    return 64;
  }
  const { role, email, password, name } = parsed.data;
  const config = configOrReport();
  if (!config) return EXIT_CONFIG;
  const services = await buildServices({ ...config, LOG_LEVEL: 'warn' });
  try {
    // Only the read models: a server may be running on the same store, and its reactors and scheduler
    // are the ones that act on events.
    await services.projections.start();
    const { userId } = await services.identity.createVerifiedUser(
      { name: name ?? (role === 'admin' ? 'Administrator' : 'Auditor'), email, password, role },
      { actor: systemActor, correlationId: 'cli:user:create' },
    );
    console.log(`Created ${role} ${email} (id ${userId}), verified.`);
    return 0;
  } catch (error) {
    if (error instanceof DomainError) { console.error(error.message); return 1; }
    throw error;
  } finally {
    await services.projections.stop();
    await services.stop();
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error('user:create failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
