import { ERROR_CODES, type ErrorCode, type ErrorCounter } from '../../gateway/core/errors.ts';

/**
 * What a fuzz run saw, per target: cases run, inputs accepted, and every rejection by its stable
 * code. A rejection without a known AFG_E_ code is a finding (the fuzz property fails on it);
 * so is an exception, a crash or a hang.
 *
 * @example
 *   const tally = new FuzzTally();
 *   tally.accepted('serial');
 *   tally.rejectedFrom('serial', errors, before);
 */
export class FuzzTally {
  readonly targets = new Map<string, { cases: number; accepted: number; rejected: Map<string, number> }>();

  private of(target: string) {
    let t = this.targets.get(target);
    if (!t) this.targets.set(target, (t = { cases: 0, accepted: 0, rejected: new Map() }));
    return t;
  }

  case(target: string): void {
    this.of(target).cases++;
  }

  accepted(target: string, n = 1): void {
    this.of(target).accepted += n;
  }

  rejected(target: string, code: string, n = 1): void {
    const r = this.of(target).rejected;
    r.set(code, (r.get(code) ?? 0) + n);
  }

  /** Records the codes an ErrorCounter gained since `before` (a snapshot); returns how many. */
  rejectedFrom(target: string, errors: ErrorCounter, before: Partial<Record<ErrorCode, number>>): number {
    let n = 0;
    for (const [code, v] of Object.entries(errors.snapshot()) as [ErrorCode, number][]) {
      const d = v - (before[code] ?? 0);
      if (d > 0) {
        this.rejected(target, code, d);
        n += d;
      }
    }
    return n;
  }

  merge(json: ReturnType<FuzzTally['toJSON']>): void {
    for (const [name, t] of Object.entries(json)) {
      const mine = this.of(name);
      mine.cases += t.cases;
      mine.accepted += t.accepted;
      for (const [code, n] of Object.entries(t.rejected)) mine.rejected.set(code, (mine.rejected.get(code) ?? 0) + n);
    }
  }

  toJSON(): Record<string, { cases: number; accepted: number; rejected: Record<string, number> }> {
    return Object.fromEntries([...this.targets].map(([k, v]) => [k, { cases: v.cases, accepted: v.accepted, rejected: Object.fromEntries(v.rejected) }]));
  }

  totalCases(): number {
    let s = 0;
    for (const t of this.targets.values()) s += t.cases;
    return s;
  }
}

/** True for a code of gateway/core/errors.ts. */
export function isKnownCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** Every code an ErrorCounter holds must be a known one (it is typed, but inputs go through casts). */
export function unknownCodes(errors: ErrorCounter): string[] {
  return Object.keys(errors.snapshot()).filter((c) => !isKnownCode(c));
}

/** A fuzz target: runs `cases` generated cases with fast-check from `seed`, recording into `tally`; throws on a failed property. */
export interface FuzzTarget {
  name: string;
  /** share of a fuzz run's cases (relative) */
  weight: number;
  /** what is fuzzed and which property must hold, one line */
  what: string;
  run(o: { cases: number; seed: number; tally: FuzzTally }): Promise<void>;
}

/** Wall-clock budget per case: a decoder that takes longer on one input is treated as a hang. */
export const CASE_BUDGET_MS = 2000;
