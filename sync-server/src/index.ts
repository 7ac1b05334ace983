export { loadConfig, ConfigError } from './config/config.ts';
export type { Config } from './config/config.ts';
export { createServer } from './createServer.ts';
export type { RunningServer } from './createServer.ts';
export { createLogger } from './log/logger.ts';
