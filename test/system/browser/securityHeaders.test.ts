import { expect, it } from 'vitest';
import { allowPageErrors, describeInBrowser } from '../../support/browserWorld.ts';
import { openOwnerDesk } from './offlineDesk.ts';
import { loadSynced } from './offlinePage.ts';
import { useOfflineWorld } from './offlineWorld.ts';

/**
 * The Content-Security-Policy in the real app (issue 12.4): every other browser test shows
 * the app runs under it without a violation; this one shows it is there and enforced, so
 * that "no violation" is not true merely because there is no policy.
 */
describeInBrowser('the security headers in the browser', () => {
  const offline = useOfflineWorld();

  it('runs the app under a policy that blocks an injected inline script', async () => {
    const desk = await openOwnerDesk(offline.world, 'Cora', 'policy', 1);
    const { page, workspaceUrl } = desk;
    const navigation = page.waitForResponse((r) => r.url() === workspaceUrl);
    await loadSynced(page, workspaceUrl);
    const headers = (await navigation).headers();
    expect(headers['content-security-policy']).toMatch(/script-src 'self' 'sha256-/);
    expect(headers['x-content-type-options']).toBe('nosniff');

    // The violation this causes on purpose; anything else still fails the test.
    allowPageErrors(
      /^CSP violation: script-src-elem blocked inline/,
      /^Executing inline script violates the following Content Security Policy directive 'script-src /,
    );
    const blocked = await page.evaluate(async () => {
      const violation = new Promise<string>((resolve) =>
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), {
          once: true,
        }),
      );
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true';
      document.body.append(script);
      return { directive: await violation, ran: '__injected' in window };
    });
    expect(blocked).toEqual({ directive: 'script-src-elem', ran: false });
    await desk.context.close();
  });
});
