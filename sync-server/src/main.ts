import { ConfigError, loadConfig } from './config/config.ts';
import { createServer } from './createServer.ts';
import { DatabaseNewerThanCodeError } from './db/migrate.ts';
import { createLogger } from './log/logger.ts';

/** Process entry point: configuration, start-up, and signal handling. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG: a supervisor should not restart-loop on this
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);

  let server;
  try {
    server = await createServer(config, log);
  } catch (err) {
    if (err instanceof DatabaseNewerThanCodeError) {
      log.fatal(
        { databaseVersion: err.databaseVersion, codeVersion: err.codeVersion },
        err.message,
      );
      process.exit(78);
    }
    throw err;
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    server.stop().then(
      () => {
        log.info('shutdown complete');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `Fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
