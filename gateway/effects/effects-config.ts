import { Type, type Static } from '@sinclair/typebox';
import { EFFECT_SETTINGS } from './effect-evaluator.ts';

/** `effects:` in the config: the before/after windows of the effect evaluation (examples/config.yaml). */
export const EffectsConfigSchema = Type.Object(
  {
    beforeS: Type.Number({ minimum: 10, maximum: 7200, default: EFFECT_SETTINGS.beforeS, description: 'window before an intervention, s' }),
    afterS: Type.Number({ minimum: 10, maximum: 7200, default: EFFECT_SETTINGS.afterS, description: 'window after it (after a break: after the break), s' }),
    minCoverage: Type.Number({ minimum: 0, maximum: 1, default: EFFECT_SETTINGS.minCoverage, description: 'share of a window that must hold known data' }),
  },
  { additionalProperties: false, default: {}, description: 'effect evaluation: attention before vs after each decision and acknowledged alert' },
);
export type EffectsConfig = Static<typeof EffectsConfigSchema>;
