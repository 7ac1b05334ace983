export { ErrorCode, isErrorBody } from './errors.ts';
export type { ErrorBody } from './errors.ts';
