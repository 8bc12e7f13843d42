/** What /health reports: `ready`, or `degraded` / `starting` with the reasons; extra fields pass through. */
export interface HealthReport {
  status: 'starting' | 'ready' | 'degraded';
  reasons: string[];
  [key: string]: unknown;
}
