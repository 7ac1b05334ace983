import type { SqliteDatabase } from './Database.ts';

/**
 * One step of the schema. Versions are increasing integers; a migration never changes
 * once released — fix forward with a new one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: SqliteDatabase): void;
}
