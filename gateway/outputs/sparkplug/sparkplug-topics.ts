/**
 * Sparkplug B topic namespace: `spBv1.0/<group_id>/<message_type>/<edge_node_id>[/<device_id>]`
 * ([tck-id-topic-structure], [tck-id-topic-structure-namespace-a]); the device id only with
 * DBIRTH, DDEATH, DDATA and DCMD ([tck-id-topic-structure-namespace-device-id-associated-message-types]).
 * Ids are UTF-8 without `+`, `/` and `#` ([tck-id-topic-structure-namespace-valid-group-id],
 * [...-valid-edge-node-id], [...-valid-device-id]). Host state: `spBv1.0/STATE/<host_id>`
 * ([tck-id-host-topic-phid-birth-topic]). Sparkplug 3.0.0, chapter 4.
 *
 * Cost: string concatenation per call.
 *
 * @example
 *   const t = new SparkplugTopics('plant-1', 'gw-a');
 *   t.node('NBIRTH');                // 'spBv1.0/plant-1/NBIRTH/gw-a'
 *   t.device('DDATA', 'dr-19c2');    // 'spBv1.0/plant-1/DDATA/gw-a/dr-19c2'
 */
export const SPARKPLUG_NAMESPACE = 'spBv1.0';
export type NodeMessageType = 'NBIRTH' | 'NDEATH' | 'NDATA' | 'NCMD';
export type DeviceMessageType = 'DBIRTH' | 'DDEATH' | 'DDATA' | 'DCMD';

export class SparkplugTopics {
  readonly group: string;
  readonly edgeNode: string;

  constructor(group: string, edgeNode: string) {
    assertSparkplugId('group id', group);
    assertSparkplugId('edge node id', edgeNode);
    this.group = group;
    this.edgeNode = edgeNode;
  }

  node(type: NodeMessageType): string {
    return `${SPARKPLUG_NAMESPACE}/${this.group}/${type}/${this.edgeNode}`;
  }

  device(type: DeviceMessageType, device: string): string {
    return `${SPARKPLUG_NAMESPACE}/${this.group}/${type}/${this.edgeNode}/${device}`;
  }

  /** the filter for commands to any of this node's devices */
  deviceCommands(): string {
    return `${SPARKPLUG_NAMESPACE}/${this.group}/DCMD/${this.edgeNode}/+`;
  }

  static hostState(hostId: string): string {
    assertSparkplugId('primary host id', hostId);
    return `${SPARKPLUG_NAMESPACE}/STATE/${hostId}`;
  }
}

export function assertSparkplugId(what: string, id: string): void {
  if (id.length === 0 || /[+/#]/.test(id) || /[\u0000-\u001f]/.test(id)) throw new RangeError(`Sparkplug ${what} '${id}' must be a non-empty UTF-8 string without +, / or #`);
}
