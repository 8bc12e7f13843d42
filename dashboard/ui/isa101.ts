// Alarm priority shown as shape + word + colour (ISA-101 / ISA-18.2 HMI practice: grey when
// normal, colour only for abnormal states and never on its own, for colour-blind users and
// monochrome screens). The CSS classes lvl-1..3 and .lost carry the colour.

export const LEVEL: Record<number, { mark: string; word: string }> = {
  1: { mark: '◆', word: 'low' },
  2: { mark: '▲', word: 'medium' },
  3: { mark: '■', word: 'high' },
};

export const STATE_TEXT: Record<string, string> = { unknown: '— no estimate yet', sensor_lost: '⊘ sensor lost' };

export const ALERT_STATE_TEXT: Record<string, string> = { active: 'active', acked: 'acknowledged', shelved: 'shelved', cleared: 'cleared' };

export const DEVICE_STATE_TEXT: Record<string, string> = { connected: 'connected', connecting: '… connecting', sensor_lost: '⊘ sensor lost', disconnected: '⊘ disconnected', error: '✕ error' };

export const CONTACT_TEXT: Record<string, string> = { contact: 'skin contact', no_contact: '⊘ no skin contact', unsupported: 'not reported' };

export function levelText(level: number): string {
  const l = LEVEL[level];
  return l ? `${l.mark} ${l.word}` : '—';
}

/** Highest level among the wearer's alerts that still call for attention (shelved ones do not). */
export function worstLevel(alerts: readonly { level: number; state: string }[]): number {
  let lvl = 0;
  for (const a of alerts) if (a.state === 'active' || a.state === 'acked') lvl = Math.max(lvl, a.level);
  return lvl;
}
