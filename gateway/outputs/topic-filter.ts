/**
 * Whether an MQTT topic name matches a topic filter (MQTT 3.1.1 §4.7: `+` is exactly one
 * level, `#` as the last level is that level's parent and everything below it). Topics
 * starting with `$` never match a filter starting with a wildcard (§4.7.2). A shared
 * subscription prefix `$share/<group>/` is stripped from the filter first (MQTT 5 §4.8.2).
 *
 * Cost: one split of each string per call.
 *
 * @example
 *   topicMatches('afg/v1/+/+/cmd/#', 'afg/v1/p/g/cmd/alert.ack'); // true
 */
export function topicMatches(filter: string, topic: string): boolean {
  const shared = /^\$share\/[^/]+\/(.+)$/.exec(filter);
  const f = (shared ? shared[1]! : filter).split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const part = f[i]!;
    if (part === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (part !== '+' && part !== t[i]) return false;
  }
  return f.length === t.length;
}
