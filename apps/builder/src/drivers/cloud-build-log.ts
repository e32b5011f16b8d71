import type { File, Storage } from '@google-cloud/storage';

const TAIL_LINES = 40;

/**
 * Follows the log Cloud Build writes to `gs://<logsBucket>/log-<buildId>.txt`: each `read()` fetches
 * only the bytes written since the last one (a ranged read) and hands on the complete lines, in
 * order. The last lines are kept for the error a failed build ends with.
 */
export class CloudBuildLog {
  readonly tail: string[] = [];
  private readonly file: File;
  private offset = 0;
  private partial = Buffer.alloc(0);

  constructor(
    storage: Storage,
    logsBucket: string,
    buildId: string,
    private readonly onLine: (line: string) => void,
  ) {
    // `logsBucket` is `gs://bucket` or `gs://bucket/some/prefix`.
    const [bucket = '', ...prefix] = logsBucket
      .replace(/^gs:\/\//, '')
      .split('/')
      .filter(Boolean);
    this.file = storage.bucket(bucket).file([...prefix, `log-${buildId}.txt`].join('/'));
  }

  async read(): Promise<void> {
    let data: Buffer;
    try {
      [data] = await this.file.download({ start: this.offset });
    } catch (error) {
      // Not written yet (404), or nothing new since the last read (416).
      const code = (error as { code?: unknown }).code;
      if (code === 404 || code === 416) return;
      throw error;
    }
    this.offset += data.length;
    let buffer = Buffer.concat([this.partial, data]);
    // Split on bytes, not characters, so a UTF-8 character cut between two reads stays whole.
    for (let newline = buffer.indexOf(0x0a); newline !== -1; newline = buffer.indexOf(0x0a)) {
      this.emit(buffer.subarray(0, newline).toString('utf8').replace(/\r$/, ''));
      buffer = buffer.subarray(newline + 1);
    }
    this.partial = Buffer.from(buffer);
  }

  /** Reads what is left and hands on a last line without its newline. */
  async finish(): Promise<void> {
    await this.read();
    if (this.partial.length > 0) this.emit(this.partial.toString('utf8'));
    this.partial = Buffer.alloc(0);
  }

  private emit(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.onLine(line);
  }
}
