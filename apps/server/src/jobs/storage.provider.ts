import { access, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';

export interface StoredFile {
  path: string;
  /** Last modification, epoch milliseconds. */
  mtimeMs: number;
}

/**
 * The file system as jobs use it: uploads are read, flushed, listed and deleted through here, so
 * services' unit specs run on a fake. Paths are absolute; multer writes the upload itself.
 */
export abstract class StorageProvider {
  /** The first `bytes` bytes of a file (fewer when it is shorter). */
  abstract readHead(path: string, bytes: number): Promise<Buffer>;
  /** fsync: the file's bytes are on disk when this resolves. */
  abstract sync(path: string): Promise<void>;
  abstract exists(path: string): Promise<boolean>;
  /** Deletes a file; one that is already gone is not an error. */
  abstract remove(path: string): Promise<void>;
  /** The regular files directly in `dir`; none when the directory does not exist. */
  abstract listFiles(dir: string): Promise<StoredFile[]>;
}

/** StorageProvider on the local file system (DATA_DIR, shared between processes for scale-out). */
@Injectable()
export class LocalStorageProvider extends StorageProvider {
  async readHead(path: string, bytes: number): Promise<Buffer> {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await file.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  async sync(path: string): Promise<void> {
    const file = await open(path, 'r+');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  }

  remove(path: string): Promise<void> {
    return rm(path, { force: true });
  }

  async listFiles(dir: string): Promise<StoredFile[]> {
    const names = await readdir(dir).catch(() => [] as string[]);
    const files: StoredFile[] = [];
    for (const name of names) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => null);
      if (info?.isFile()) files.push({ path, mtimeMs: info.mtimeMs });
    }
    return files;
  }
}
