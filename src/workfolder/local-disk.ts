import { statfs } from 'node:fs/promises';

/**
 * File systems kept on the machine's own disks or in its memory, by the type `statfs` reports
 * on Linux (linux/magic.h): ext2/3/4, XFS, Btrfs, tmpfs, overlayfs, F2FS, ZFS, bcachefs. A call
 * on one of these returns in microseconds; anything else (NFS, SMB, a FUSE mount such as
 * rclone's, a type not listed, another system's numbering) may wait on a network.
 */
const LOCAL_FILE_SYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x794c7630, 0xf2f52010, 0x2fc12fc1, 0xca451a4e]);

/** Whether `directory` is on the machine's own disk or memory; undefined when it cannot be looked at. */
export async function isOnLocalDisk(directory: string): Promise<boolean | undefined> {
  try {
    return LOCAL_FILE_SYSTEMS.has((await statfs(directory)).type);
  } catch {
    return undefined;
  }
}
