import { mkdir, stat } from 'node:fs/promises';
import { Logger } from '@nestjs/common';
import { fileRegistryPaths } from './file-registry-record.util';

/**
 * Creates the registry root and its `services/` directory (0700: only this user), and
 * warns once if either is writable by its group or by others: anyone who can write there
 * can add, alter or remove entries (see docs/registry.md, "File permissions").
 */
export async function prepareRegistryRoot(directory: string): Promise<void> {
  await mkdir(fileRegistryPaths.services(directory), { recursive: true, mode: 0o700 });
  for (const dir of [directory, fileRegistryPaths.services(directory)]) {
    const { mode } = await stat(dir);
    if ((mode & 0o022) === 0) continue;
    const who = mode & 0o002 ? 'others' : 'its group';
    new Logger('FileRegistryAdapter').warn(
      `registry directory ${JSON.stringify(dir)} is writable by ${who} (mode ${(mode & 0o777).toString(8)}): ` +
        'anyone who can write there can add or alter entries; chmod 700 it',
    );
    return;
  }
}
