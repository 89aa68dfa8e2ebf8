import { existsSync, readFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";

/**
 * An append-only NDJSON file with group commit: lines written while an fsync is in flight go out together
 * in the next write + fsync, so concurrent callers share one disk flush. Every promise resolves after its
 * line is fsync'd.
 */
export class NdjsonAppender {
  #handle: FileHandle | undefined;
  #pending: { line: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  #flushing: Promise<void> | undefined;
  #flushes = 0;

  constructor(readonly path: string) {}

  /** write + fdatasync rounds so far (each covers every line queued meanwhile). */
  get flushes(): number {
    return this.#flushes;
  }

  append(line: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ line, resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        try {
          this.#handle ??= await open(this.path, "a");
          await this.#handle.write(batch.map((b) => `${b.line}\n`).join(""));
          await this.#handle.datasync();
          this.#flushes += 1;
          for (const b of batch) b.resolve();
        } catch (error) {
          for (const b of batch) b.reject(error as Error);
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Waits for pending lines, then closes the file. */
  async close(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
    await this.#handle?.close();
    this.#handle = undefined;
  }
}

/**
 * The lines of an NDJSON file written by NdjsonAppender ([] when it does not exist). A torn last line, from a
 * crash mid-write, is skipped: its caller never got an answer, so nothing acknowledged is lost.
 */
export function readNdjson<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const text of readFileSync(path, "utf8").split("\n")) {
    if (text.trim() === "") continue;
    try {
      out.push(JSON.parse(text) as T);
    } catch {
      // the torn line
    }
  }
  return out;
}
