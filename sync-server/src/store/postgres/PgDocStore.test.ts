import { describeWithPostgres, createTestDatabase } from '../../testing/scaleOutParts.ts';
import { describeAsyncDocStoreContract } from '../../testing/asyncDocStoreContract.ts';
import { PgDocStore } from './PgDocStore.ts';
import { PgPool } from './PgPool.ts';
import { migratePg } from './pgMigrations.ts';

await describeWithPostgres('PgDocStore', () => {
  describeAsyncDocStoreContract('PostgreSQL', async () => {
    const database = await createTestDatabase();
    const pools: PgPool[] = [];
    const pool = () => {
      const opened = new PgPool({ url: database.url, max: 4 });
      pools.push(opened);
      return opened;
    };
    const first = pool();
    await migratePg(first);
    const walPosition = async () => {
      const { rows } = await first.query<{ lsn: string }>(
        'SELECT pg_current_wal_insert_lsn()::text AS lsn',
      );
      return rows[0]!.lsn;
    };
    return {
      store: new PgDocStore(first),
      // A second process: its own pool, and it migrates too (finding nothing to do).
      another: async () => {
        const second = pool();
        await migratePg(second);
        return new PgDocStore(second);
      },
      written: async (action) => {
        const before = await walPosition();
        await action();
        const after = await walPosition();
        const { rows } = await first.query<{ bytes: string }>(
          'SELECT pg_wal_lsn_diff($1, $2)::bigint AS bytes',
          [after, before],
        );
        return Number(rows[0]!.bytes);
      },
      writeSlack: 256 * 1024,
      close: async () => {
        await Promise.all(pools.map((p) => p.end()));
        await database.drop();
      },
    };
  });
});
