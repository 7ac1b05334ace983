import { BenchClient } from './BenchClient.ts';
export abstract class MuxClient extends BenchClient {}
