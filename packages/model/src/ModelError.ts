/**
 * Why a value was refused by the model. The UI maps `code` to words; `field` names the
 * form field at fault so a form can point at it.
 */
export const ModelErrorCode = {
  invalidField: 'invalid_field',
  notFound: 'not_found',
  notAllowed: 'not_allowed',
  futureSchema: 'future_schema',
} as const;

export type ModelErrorCode = (typeof ModelErrorCode)[keyof typeof ModelErrorCode];

export class ModelError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}
