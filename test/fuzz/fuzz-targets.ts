import type { FuzzTarget } from './fuzz-tally.ts';
import { configInput } from './targets/config-input.ts';
import { httpBodies } from './targets/http-bodies.ts';
import { inputFiles } from './targets/input-files.ts';
import { mqttCommands } from './targets/mqtt-commands.ts';
import { gattCharacteristics } from './targets/gatt-characteristics.ts';
import { gazepointXml } from './targets/gazepoint-xml.ts';
import { pipelineBatches } from './targets/pipeline-batches.ts';
import { polarPmd } from './targets/polar-pmd.ts';
import { pupilMsgpack } from './targets/pupil-msgpack.ts';
import { serialFrames } from './targets/serial-frames.ts';

/** Every fuzz target, in the order `npm run fuzz` runs them. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [serialFrames, gazepointXml, pupilMsgpack, gattCharacteristics, polarPmd, pipelineBatches, configInput, mqttCommands, httpBodies, inputFiles];
