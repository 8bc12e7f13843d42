import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * `afg doctor`: what this machine offers the gateway. Each line says what was checked and what
 * to do when it is missing; the exit code is 0 when the gateway can run at all.
 */
export async function runDoctor(): Promise<number> {
  const out: string[] = [];
  const ok = (what: string, detail: string) => out.push(`  ok    ${what}: ${detail}`);
  const warn = (what: string, detail: string) => out.push(`  warn  ${what}: ${detail}`);
  out.push(`node ${process.version} on ${process.platform}/${process.arch}`);
  for (const bin of ['mosquitto', 'socat', 'chromium']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'pipe' });
      ok(bin, 'installed');
    } catch {
      warn(bin, `not installed (only needed for tests: apt-get install ${bin})`);
    }
  }
  try {
    const { SerialPort } = await import('serialport');
    const ports = await SerialPort.list();
    ok('serial ports', ports.length ? ports.map((p) => `${p.path}${p.vendorId ? ` ${p.vendorId}:${p.productId}` : ''}`).join(', ') : 'none found');
  } catch (err) {
    warn('serial ports', `cannot list (${(err as Error).message}); listing needs udev`);
  }
  try {
    createRequire(import.meta.url)('@abandonware/noble');
    ok('bluetooth', 'noble loaded');
  } catch (err) {
    warn('bluetooth', `AFG_E_BLE_UNAVAILABLE: ${(err as Error).message}`);
  }
  try {
    const ort = await import('onnxruntime-node');
    const backends = (ort as unknown as { listSupportedBackends?: () => { name: string }[] }).listSupportedBackends?.() ?? [];
    ok('onnxruntime', `loaded; providers built in: ${backends.map((b) => b.name).join(', ') || 'cpu'}`);
  } catch (err) {
    warn('onnxruntime', `not loadable: ${(err as Error).message}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
