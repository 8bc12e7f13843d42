import type { ThresholdRegistry } from '../commands/adjustable-thresholds.ts';
import { OperatorPolicy } from './operator-policy.ts';
import type { OperatorPolicySettings } from './operator-policy-settings.ts';

const ADJUSTABLE: readonly (keyof OperatorPolicySettings)[] = [
  'enterProb',
  'exitProb',
  'perclosEnter',
  'perclosExit',
  'fatigueEnterS',
  'overloadEnterS',
  'distractionEnterS',
  'teamLeadAfterS',
  'supervisorAfterS',
];

/**
 * Binds the adjustable operator thresholds (`operator.<setting>`) to every operator policy of
 * the fleet. A change is checked on a copy first and then applied to all policies, so the
 * fleet never runs with mixed settings. Cost: O(operators) per change.
 *
 * @example
 *   bindOperatorThresholds(registry, () => fleetOperatorPolicies);
 */
export function bindOperatorThresholds(reg: ThresholdRegistry, policies: () => OperatorPolicy[]): void {
  for (const key of ADJUSTABLE) {
    reg.bind(`operator.${key}`, {
      get: () => policies()[0]?.settings[key] ?? new OperatorPolicy().settings[key],
      set: (value) => {
        const all = policies();
        const base = all[0]?.settings ?? new OperatorPolicy().settings;
        new OperatorPolicy({ settings: { ...base, [key]: value } }); // throws RangeError when inconsistent
        for (const p of all) p.updateSettings({ [key]: value });
      },
    });
  }
}
