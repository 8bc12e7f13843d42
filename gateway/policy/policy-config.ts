import { Type, type Static } from '@sinclair/typebox';
import { OPERATOR_POLICY_SETTINGS } from './operator-policy-settings.ts';
import type { OperatorPolicySettings } from './operator-policy-settings.ts';

const S = OPERATOR_POLICY_SETTINGS;

/**
 * `policy:` in the config: the operator policy's plant-specific times (examples/config.yaml).
 * The driver policy has no config: its timings are the Euro NCAP / DDAW specification.
 */
export const PolicyConfigSchema = Type.Object(
  {
    calibrationS: Type.Number({ minimum: 0, maximum: 3600, default: S.calibrationS, description: "a wearer's first seconds: baselines (pupil, blink, HR) form; only safety-critical alerts fire" }),
    teamLeadAfterS: Type.Number({ minimum: 10, maximum: 3600, default: S.teamLeadAfterS, description: 'unacknowledged operator alert escalates to the team lead' }),
    supervisorAfterS: Type.Number({ minimum: 10, maximum: 7200, default: S.supervisorAfterS, description: '... and to the supervisor' }),
    maxShelveS: Type.Number({ minimum: 60, maximum: 8 * 3600, default: S.maxShelveS, description: 'longest shelve anybody may ask for' }),
  },
  { additionalProperties: false, default: {}, description: 'alert policies' },
);
export type PolicyConfig = Static<typeof PolicyConfigSchema>;

export function operatorSettingsOf(c: PolicyConfig | undefined): Partial<OperatorPolicySettings> {
  if (!c) return {};
  return { calibrationS: c.calibrationS, teamLeadAfterS: c.teamLeadAfterS, supervisorAfterS: c.supervisorAfterS, maxShelveS: c.maxShelveS };
}
