import { ApiError } from '$lib/api/api.ts';

/**
 * The state of one form: busy while submitting, a sentence for the whole form, and one per
 * field, both taken from the server's ApiError (its message and `fields`), so the words the
 * user reads are the server's typed answer.
 */
export class FormState {
  submitting = $state(false);
  error = $state<string | null>(null);
  fields = $state<Record<string, string>>({});
  /** Seconds to wait when rate limited. */
  retryAfter = $state<number | null>(null);

  /** Runs `action`, catching ApiError into the form's error state. Returns whether it worked. */
  async run(action: () => Promise<void>): Promise<boolean> {
    this.submitting = true;
    this.error = null;
    this.fields = {};
    this.retryAfter = null;
    try {
      await action();
      return true;
    } catch (err) {
      if (err instanceof ApiError) {
        this.error = err.message;
        this.fields = err.fields;
        this.retryAfter = err.retryAfter ?? null;
      } else {
        this.error = 'Something went wrong. Try again.';
        console.error(err);
      }
      return false;
    } finally {
      this.submitting = false;
    }
  }

  /** A field's error, or undefined (for `aria-invalid` and the message under the input). */
  field(name: string): string | undefined {
    return this.fields[name];
  }
}
