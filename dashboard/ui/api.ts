// The page's side of the HTTP API: JSON in and out, the session's CSRF token on every write.
import type { CommandReplyJson, ErrorJson, LoginReplyJson, SessionJson } from './types.ts';

let csrfToken: string | null = null;

export function setCsrf(token: string | null): void {
  csrfToken = token;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly reply: CommandReplyJson | null;
  constructor(status: number, code: string, message: string, reply: CommandReplyJson | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.reply = reply;
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok && res.status !== 503) throw await toError(res);
  return (await res.json()) as T;
}

/** A write: JSON body, the CSRF header, the reply or an ApiError with the gateway's code and reason. */
export async function post<T>(url: string, body: unknown): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body ?? {}), credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 204) return undefined as T;
  if (!res.ok) throw await toError(res);
  return (await res.json()) as T;
}

async function toError(res: Response): Promise<ApiError> {
  let body: Partial<ErrorJson & CommandReplyJson> = {};
  try {
    body = (await res.json()) as Partial<ErrorJson & CommandReplyJson>;
  } catch {
    /* not JSON */
  }
  const code = body.code ?? `HTTP ${res.status}`;
  const message = body.message ?? body.reason ?? res.statusText;
  return new ApiError(res.status, code, message, 'ok' in body ? (body as CommandReplyJson) : null);
}

export const api = {
  session: () => getJson<SessionJson>('/api/session'),
  login: (user: string, password: string) => post<LoginReplyJson>('/api/login', { user, password }),
  logout: () => post<void>('/api/logout', {}),
};
