import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireBinary } from '../helpers/system-binary.ts';

/** Screenshots land here (gitignored); CI keeps them as artefacts. */
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
export const HOSTILE = '<img src=x onerror=alert(1)>';
export const skipBrowser = requireBinary('chromium');

export function artefact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/** Debian's chromium, no browser download; flags keep it quiet and offline in a container. */
export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Console errors, CSP violations and dialogs (an executed onerror=alert would open one). */
export async function watch(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()} at ${m.location().url}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return problems;
}

/** Signs in through the page's own dialog. */
export async function signInOnPage(page: Page, user = 'sup-1', password = 'correct horse'): Promise<void> {
  await page.locator('#sign-in').click();
  await page.locator('#login-user').fill(user);
  await page.locator('#login-password').fill(password);
  await page.locator('#login-submit').click();
  await page.locator('#who', { hasText: `Signed in: ${user}` }).waitFor({ timeout: 15_000 });
}

/** Lowest WCAG 2.1 contrast ratio of visible text on the page (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio). */
export async function lowestContrast(page: Page, within = 'body'): Promise<{ ratio: number; text: string }> {
  return page.evaluate((sel) => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const bgOf = (e: Element | null): number[] => {
      for (let n = e; n; n = n.parentElement) {
        const c = rgb(getComputedStyle(n).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3]! > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    let min = { ratio: 99, text: '' };
    const root = document.querySelector(sel) ?? document.body;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const e = n.parentElement;
      if (!e || !n.textContent?.trim() || e.closest('.visually-hidden, .skip, .u-legend, .u-axis') || (e.offsetParent === null && getComputedStyle(e).position !== 'fixed' && !e.closest('dialog[open]'))) continue;
      if (e.getClientRects().length === 0) continue;
      const l1 = lum(rgb(getComputedStyle(e).color));
      const l2 = lum(bgOf(e));
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      if (ratio < min.ratio) min = { ratio, text: n.textContent.trim().slice(0, 40) };
    }
    return min;
  }, within);
}

/** Form controls and buttons without an accessible name (label, aria-label, aria-labelledby, or text). */
export async function unlabelledControls(page: Page, within = 'body'): Promise<string[]> {
  return page.evaluate((sel) => {
    const root = document.querySelector(sel) ?? document.body;
    const out: string[] = [];
    for (const e of root.querySelectorAll<HTMLElement>('input, select, textarea, button')) {
      if (e.getClientRects().length === 0) continue;
      const id = e.id;
      const named = e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || (id && document.querySelector(`label[for="${id}"]`)) || (e.tagName === 'BUTTON' && e.textContent?.trim());
      if (!named) out.push(e.outerHTML.slice(0, 80));
    }
    return out;
  }, within);
}
