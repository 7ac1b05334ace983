import { ErrorCode } from '@desk/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '$lib/api/api.ts';
import { FormState } from './FormState.svelte.ts';

afterEach(() => vi.restoreAllMocks());

describe('FormState', () => {
  it('is busy while the action runs and answers whether it worked', async () => {
    const form = new FormState();
    let finish!: () => void;
    const running = form.run(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(form.submitting).toBe(true);
    finish();
    expect(await running).toBe(true);
    expect(form.submitting).toBe(false);
    expect(form.error).toBeNull();
  });

  it("shows the server's sentence, each field's error and the wait when rate limited", async () => {
    const form = new FormState();
    const refused = new ApiError(
      ErrorCode.rateLimited,
      'Too many attempts. Wait a minute.',
      429,
      { email: 'Not an email address.' },
      60,
    );
    expect(await form.run(() => Promise.reject(refused))).toBe(false);
    expect(form.submitting).toBe(false);
    expect(form.error).toBe('Too many attempts. Wait a minute.');
    expect(form.field('email')).toBe('Not an email address.');
    expect(form.field('password')).toBeUndefined();
    expect(form.retryAfter).toBe(60);
  });

  it('clears the last attempt’s errors when the form is sent again', async () => {
    const form = new FormState();
    await form.run(() =>
      Promise.reject(
        new ApiError(ErrorCode.validationFailed, 'Check the form.', 400, { name: 'Required.' }),
      ),
    );
    expect(await form.run(() => Promise.resolve())).toBe(true);
    expect(form.error).toBeNull();
    expect(form.fields).toEqual({});
    expect(form.retryAfter).toBeNull();
  });

  it('says something went wrong (and logs it) for an error that is not the server’s answer', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const form = new FormState();
    expect(await form.run(() => Promise.reject(new TypeError('x is undefined')))).toBe(false);
    expect(form.error).toBe('Something went wrong. Try again.');
    expect(logged).toHaveBeenCalledOnce();
  });
});
