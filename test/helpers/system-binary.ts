import { execFileSync } from 'node:child_process';

/**
 * Tests that need a system binary (mosquitto, socat, chromium) skip with the reason when it is
 * missing, except under CI=true, where a missing binary must fail the run instead of hiding it.
 *
 * @example
 *   const skip = requireBinary('socat');
 *   t.test('pty flow', { skip }, async (t) => { ... });
 */
export function requireBinary(name: string): string | false {
  const found = whichSync(name);
  if (found) return false;
  if (process.env.CI === 'true') {
    throw new Error(`required system binary '${name}' is missing on CI (install it in .ci/run)`);
  }
  return `system binary '${name}' not installed (apt-get install ${aptPackageFor(name)})`;
}

export function whichSync(name: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function aptPackageFor(name: string): string {
  if (name === 'mosquitto_sub' || name === 'mosquitto_pub') return 'mosquitto-clients';
  return name;
}
