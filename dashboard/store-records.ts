import type { AlertStep, AuditRecord, DashboardRecords } from './read-routes.ts';

/** The part of the gateway store the dashboard reads (GatewayStore.data has this shape). */
export interface StoreLike {
  readonly data: {
    readonly alerts: Readonly<Record<string, { history: readonly AlertStep[] }>>;
    readonly audit: readonly AuditRecord[];
  };
}

/**
 * Alert histories and the audit trail, read from the gateway's store for the alert detail.
 * Cost: history O(1) lookup; audit O(entries) scanned from the newest, stopping at `limit`.
 *
 * @example
 *   const records = storeRecords(store);
 *   records.audit({ target: 'a-17', limit: 50 });
 */
export function storeRecords(store: StoreLike): DashboardRecords {
  return {
    alertHistory: (id) => store.data.alerts[id]?.history.map((h) => ({ ...h })) ?? null,
    audit: ({ target, limit }) => {
      const out: AuditRecord[] = [];
      const all = store.data.audit;
      for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
        const e = all[i]!;
        if (target === undefined || e.target === target) {
          const { at, actor, action, target: tg, note, role, via, ok, code } = e;
          out.push({ at, actor, action, target: tg, ...(note !== undefined ? { note } : {}), ...(role !== undefined ? { role } : {}), ...(via !== undefined ? { via } : {}), ...(ok !== undefined ? { ok } : {}), ...(code !== undefined ? { code } : {}) });
        }
      }
      return out;
    },
  };
}
