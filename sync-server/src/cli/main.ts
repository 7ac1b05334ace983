import { parseArgs } from 'node:util';
import { assertPasswordAcceptable, hashPassword } from '../identity/passwords.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { AppError } from '../http/AppError.ts';
import { createOperator } from './createOperator.ts';
import { importWorkspace } from './importWorkspace.ts';
import { openOperatorDatabase } from './operatorDatabase.ts';

const usage = `Usage: pnpm operator <command> [options]

Commands:
  create-operator --email <address> --name <display name>
      Creates a platform operator account (or promotes the existing account with that
      address). The password is read from the OPERATOR_PASSWORD environment variable, or
      else from the first line of standard input:
        printf '%s\\n' "$PASSWORD" | pnpm operator create-operator --email ops@example.com --name "Ops"

  import-workspace <export.zip> --owner-email <address> --name <workspace name> --slug <address>
      Creates a new workspace from a workspace export (the zip of Settings → Export), with
      identical documents and its attachments, owned by the account with that address.
      Refused while a server runs on DATA_DIR (owners then import from the app), and on
      PostgreSQL (a cluster's owners import from the app).

The database is the server's: DATA_DIR / DATABASE_URL from the environment, relative to
the directory the command was started in.`;

/**
 * The operator CLI (\`pnpm operator …\`). It opens the same database the server uses and
 * applies pending migrations, so it works before the server has ever started.
 */
async function main(argv: string[]): Promise<number> {
  // pnpm runs the package script inside sync-server/; resolve paths (DATA_DIR=./data) from
  // where the user typed the command, as \`pnpm start\` does.
  if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  const [command, ...rest] = argv;
  if (command === 'import-workspace') {
    const { values, positionals } = parseArgs({
      args: rest,
      options: {
        'owner-email': { type: 'string' },
        name: { type: 'string' },
        slug: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    const zip = positionals[0];
    if (!zip || !values['owner-email'] || !values.name || !values.slug) {
      process.stderr.write(
        `import-workspace needs a zip, --owner-email, --name and --slug.\n\n${usage}\n`,
      );
      return 64;
    }
    const said = await importWorkspace(loadConfig(process.env), {
      zip,
      ownerEmail: values['owner-email'],
      name: values.name,
      slug: values.slug,
    });
    process.stdout.write(`${said}\n`);
    return 0;
  }
  if (command !== 'create-operator') {
    process.stderr.write(`${usage}\n`);
    return command === undefined || command === 'help' || command === '--help' ? 0 : 64;
  }
  const { values } = parseArgs({
    args: rest,
    options: { email: { type: 'string' }, name: { type: 'string' } },
    strict: true,
  });
  if (!values.email || !values.name) {
    process.stderr.write(`create-operator needs --email and --name.\n\n${usage}\n`);
    return 64;
  }
  const database = await openOperatorDatabase(loadConfig(process.env));
  try {
    const exists = await database.users.byEmail(values.email.trim());
    let passwordHash: string | null = null;
    if (!exists) {
      const password = process.env.OPERATOR_PASSWORD ?? (await readFirstLine());
      assertPasswordAcceptable(password);
      passwordHash = await hashPassword(password);
    }
    const result = await createOperator(database, {
      email: values.email,
      displayName: values.name,
      passwordHash,
    });
    const said = {
      created: 'Created operator account',
      promoted: 'Promoted the existing account to operator',
      already_operator: 'Already an operator',
    }[result.kind];
    process.stdout.write(`${said}: ${values.email} (user ${result.userId}).\n`);
    return 0;
  } finally {
    await database.close();
  }
}

async function readFirstLine(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password: ');
  let data = '';
  for await (const chunk of process.stdin) {
    data += String(chunk);
    if (data.includes('\n')) break;
  }
  return data.split(/\r?\n/)[0] ?? '';
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof AppError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(err instanceof ConfigError ? 78 : 65);
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
