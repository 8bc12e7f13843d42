import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_FILE, parseManifest, type Manifest, type ModelEntry } from '../../gateway/inference/model-manifest.ts';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Writes a model file and its manifest entry into a model folder: `<name>.onnx`, then
 * manifest.json with this entry replaced (other models' entries kept). Each file is written to a
 * temporary name and renamed into place, so a running gateway's hot swap never reads half a file
 * (it refuses a model whose hash disagrees with the manifest until both are in place).
 *
 * @example
 *   await writeModelFiles('models', 'attention-state', bytes, entryWithoutHash);
 */
export async function writeModelFiles(dir: string, name: string, bytes: Uint8Array, entry: Omit<ModelEntry, 'sha256' | 'file'> & Record<string, unknown>): Promise<{ file: string; sha256: string; manifest: Manifest }> {
  await mkdir(dir, { recursive: true });
  const file = `${name}.onnx`;
  const hash = sha256(bytes);
  const text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  const manifest: Manifest = text === null ? { schema: 1, models: {} } : parseManifest(text);
  const full = { ...entry, file, sha256: hash } as ModelEntry;
  const models = { ...manifest.models, [name]: full };
  const sorted = Object.fromEntries(Object.keys(models).sort().map((k) => [k, models[k]!]));
  const next: Manifest = { ...manifest, schema: 1, models: sorted };
  await atomicWrite(path.join(dir, file), bytes);
  await atomicWrite(path.join(dir, MANIFEST_FILE), new TextEncoder().encode(`${JSON.stringify(next, null, 2)}\n`));
  return { file: path.join(dir, file), sha256: hash, manifest: next };
}

async function atomicWrite(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}
