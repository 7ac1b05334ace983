import { describeOnEveryBackend } from '../testing/storeBackends.ts';
import { describeTermsStoreContract, termsContractStart } from '../testing/termsStoreContract.ts';
import { SqlTermsStore } from './SqlTermsStore.ts';
import { SqliteTermsStore } from './TermsStore.ts';

await describeOnEveryBackend(
  'TermsStore',
  describeTermsStoreContract,
  {
    sqlite: (db, now) => new SqliteTermsStore(db, now),
    sql: (db, now) => new SqlTermsStore(db, now),
  },
  termsContractStart,
);
