// Sign in / sign out. The session itself is an HttpOnly cookie the page cannot read; the page
// keeps only the CSRF token it must echo on writes, in memory.
import { api, ApiError, setCsrf } from './api.ts';
import { $ } from './dom.ts';
import { model } from './model.ts';
import type { SessionJson } from './types.ts';

let changed: () => void = () => undefined;

export function setSession(s: SessionJson): void {
  model.session = s;
  setCsrf(s.csrfToken);
  const who = $('who');
  const signIn = $<HTMLButtonElement>('sign-in');
  const signOut = $<HTMLButtonElement>('sign-out');
  signIn.hidden = !s.writeEnabled || s.authenticated;
  signOut.hidden = !s.authenticated;
  who.textContent = s.authenticated ? `Signed in: ${s.user}${s.role ? ` (${s.role})` : ''}` : s.writeEnabled ? 'Read only — sign in to act' : 'Read only';
  changed();
}

export function signedOut(): void {
  void refreshSession();
}

export async function refreshSession(): Promise<void> {
  try {
    setSession(await api.session());
  } catch {
    /* the stale indicator already tells the gateway is away */
  }
}

export function setupSession(onChange: () => void): void {
  changed = onChange;
  const dialog = $<HTMLDialogElement>('login-dialog');
  $('sign-in').addEventListener('click', () => {
    $('login-error').textContent = '';
    $<HTMLInputElement>('login-password').value = '';
    dialog.showModal();
    $<HTMLInputElement>('login-user').focus();
  });
  $('login-cancel').addEventListener('click', () => dialog.close());
  $<HTMLFormElement>('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const user = $<HTMLInputElement>('login-user').value.trim();
    const password = $<HTMLInputElement>('login-password').value;
    const submit = $<HTMLButtonElement>('login-submit');
    submit.disabled = true;
    $('login-error').textContent = '';
    api
      .login(user, password)
      .then((r) => {
        $<HTMLInputElement>('login-password').value = '';
        dialog.close();
        setSession({ authenticated: true, user: r.user, role: r.role, writeEnabled: true, csrfToken: r.csrfToken, expiresAt: r.expiresAt });
      })
      .catch((err: unknown) => {
        $('login-error').textContent = err instanceof ApiError ? `${err.message} (${err.code})` : `Sign-in failed: ${(err as Error).message}`;
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  $('sign-out').addEventListener('click', () => {
    api
      .logout()
      .catch(() => undefined)
      .finally(() => void refreshSession());
  });
}
