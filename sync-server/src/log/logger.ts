import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Context (request id, workspace id, doc id) goes in child loggers.
 * Secrets never reach a log line: the redaction below is a safety net, not the policy —
 * code must not pass passwords, tokens or document content to the logger at all.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'password',
          '*.password',
          'token',
          '*.token',
          'cookie',
          '*.cookie',
          'authorization',
          '*.authorization',
          'headers.cookie',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
