// One dialog for every write action (acknowledge, shelve, accept, reject): a note for the audit
// trail, a duration when shelving, and the gateway's answer shown in the dialog when it refuses.
import { ApiError } from './api.ts';
import { $ } from './dom.ts';
import type { CommandReplyJson } from './types.ts';

export interface ActionRequest {
  title: string;
  /** what is being acted on, in words */
  what: string;
  submitLabel: string;
  /** offer a shelve duration */
  withDuration?: boolean;
  submit(note: string | undefined, forS: number | undefined): Promise<CommandReplyJson>;
  /** after the gateway accepted it */
  done?(reply: CommandReplyJson): void;
  /** the gateway said the session is gone */
  signedOut?(): void;
}

let current: ActionRequest | null = null;

export function setupActionDialog(): void {
  const dialog = $<HTMLDialogElement>('action-dialog');
  const form = $<HTMLFormElement>('action-form');
  $('action-cancel').addEventListener('click', () => dialog.close());
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const req = current;
    if (!req) return;
    const noteText = $<HTMLTextAreaElement>('action-note').value.trim();
    const forS = req.withDuration ? Number($<HTMLSelectElement>('shelve-for').value) : undefined;
    const submit = $<HTMLButtonElement>('action-submit');
    const error = $('action-error');
    submit.disabled = true;
    error.textContent = '';
    req
      .submit(noteText === '' ? undefined : noteText, forS)
      .then((reply) => {
        dialog.close();
        req.done?.(reply);
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError) {
          error.textContent = `Not done: ${err.reply?.reason ?? err.message} (${err.code})`;
          if (err.status === 401) req.signedOut?.();
        } else error.textContent = `Not done: ${(err as Error).message}`;
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
}

export function openAction(req: ActionRequest): void {
  current = req;
  $('action-title').textContent = req.title;
  $('action-what').textContent = req.what;
  $('action-submit').textContent = req.submitLabel;
  $('shelve-row').hidden = !req.withDuration;
  $<HTMLTextAreaElement>('action-note').value = '';
  $('action-error').textContent = '';
  const dialog = $<HTMLDialogElement>('action-dialog');
  dialog.showModal();
  $<HTMLTextAreaElement>(req.withDuration ? 'shelve-for' : 'action-note').focus();
}
