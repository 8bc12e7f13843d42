import { AfgError } from '../core/errors.ts';
import type { AttentionEstimator } from '../estimator/attention-estimator.ts';
import type { RecordingHeader } from '../record/recording.ts';
import { AttentionModel } from './attention-model.ts';
import { BUNDLED_MODEL_DIR } from './inference-engine.ts';
import { OnnxAttentionEstimator } from './onnx-attention-estimator.ts';

/**
 * The estimator a replay needs to reproduce a recording: none (the rule-based default) for a
 * run without a model, else the same ONNX model, loaded from the model folder on the CPU and
 * refused (AFG_E_MODEL_HASH) when the folder holds a different file than the one recorded,
 * because the replay would then not reproduce the run.
 *
 * @example
 *   await replayRecording(file, { estimatorFor: estimatorForRecording });
 */
export async function estimatorForRecording(header: RecordingHeader, modelDir: string = BUNDLED_MODEL_DIR): Promise<AttentionEstimator | undefined> {
  if (!header.model) return undefined;
  const model = await AttentionModel.load({ dir: modelDir, name: header.model.name, providers: ['cpu'] });
  if (model.sha256 !== header.model.sha256) {
    await model.release();
    throw new AfgError('AFG_E_MODEL_HASH', `the recording ran ${header.estimator ?? header.model.name} with sha256 ${header.model.sha256}; ${modelDir} holds ${model.label} with sha256 ${model.sha256}, so a replay would not reproduce it`);
  }
  // the session lives as long as the replaying process
  return new OnnxAttentionEstimator({ models: { current: model } });
}
