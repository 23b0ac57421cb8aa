/** File writes that readers never see half done. */
import { rename, writeFile } from 'node:fs/promises';

/**
 * Writes through a temporary name in the same folder and renames it into place (atomic on one file system), so an
 * interrupted write never leaves a truncated file and a reader polling for the file sees all of it or nothing.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
