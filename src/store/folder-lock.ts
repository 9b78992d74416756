// One running peer per folder: two processes sharing a .lanmesh/ would share one peer id (the
// other peers would take one's goodbye for the other's) and race on partial downloads.
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LanmeshError } from '../errors.js';

const LOCK_FILE = 'lock';

export interface FolderLock {
  release(): Promise<void>;
}

/** Takes `<meta>/lock` (holding our pid); a lock whose process is gone is taken over. */
export async function acquireFolderLock(peerDir: string, metaDir: string): Promise<FolderLock> {
  const path = join(metaDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await unlink(path).catch(() => {});
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new LanmeshError('FOLDER_UNUSABLE', `cannot lock folder ${peerDir}: ${(e as Error).message}`, { cause: e });
      }
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new LanmeshError('FOLDER_UNUSABLE', `folder ${peerDir} is in use by a running lanmesh (pid ${pid})`);
    }
    // Stale (the process is gone) or unreadable: take it over.
    await unlink(path).catch(() => {});
  }
  throw new LanmeshError('FOLDER_UNUSABLE', `cannot lock folder ${peerDir}: another process keeps taking the lock`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
