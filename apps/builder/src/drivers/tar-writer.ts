import { createReadStream } from 'node:fs';

const BLOCK = 512;

export interface TarEntry {
  /** Relative path with `/` separators; folders without a trailing slash. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  mtime: Date;
  /** Files only: the size to write and where to read the bytes from. */
  size?: number;
  sourcePath?: string;
  linkTarget?: string;
}

/**
 * A POSIX ustar archive, written entry by entry, with a pax header for names that do not fit
 * (longer than ustar's 100 + 155 bytes). Ends with the two zero blocks tar readers expect.
 */
export async function* tarChunks(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>): AsyncGenerator<Buffer> {
  for await (const entry of entries) {
    const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
    const split = splitName(name);
    const linkname = entry.linkTarget ?? '';
    if (!split || Buffer.byteLength(linkname) > 100) {
      const records: Record<string, string> = { path: name };
      if (linkname) records.linkpath = linkname;
      yield* paxHeader(name, records, entry.mtime);
    }
    const size = entry.type === 'file' ? (entry.size ?? 0) : 0;
    yield header({
      name: split?.name ?? truncateBytes(name, 100),
      prefix: split?.prefix ?? '',
      mode: entry.mode,
      size,
      mtime: entry.mtime,
      typeflag: entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2',
      linkname: truncateBytes(linkname, 100),
    });
    if (entry.type === 'file' && entry.sourcePath) yield* fileBody(entry.sourcePath, size);
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** Exactly `size` bytes, padded to a block, even if the file changed since it was measured. */
async function* fileBody(path: string, size: number): AsyncGenerator<Buffer> {
  let written = 0;
  if (size > 0) {
    for await (const chunk of createReadStream(path, { end: size - 1 }) as AsyncIterable<Buffer>) {
      written += chunk.length;
      yield chunk;
    }
  }
  if (written < size) yield Buffer.alloc(size - written);
  const padding = (BLOCK - (size % BLOCK)) % BLOCK;
  if (padding) yield Buffer.alloc(padding);
}

function* paxHeader(name: string, records: Record<string, string>, mtime: Date): Generator<Buffer> {
  const body = Buffer.from(
    Object.entries(records)
      .map(([key, value]) => paxRecord(key, value))
      .join(''),
  );
  yield header({ name: truncateBytes(`PaxHeader/${name}`, 100), prefix: '', mode: 0o644, size: body.length, mtime, typeflag: 'x', linkname: '' });
  yield body;
  const padding = (BLOCK - (body.length % BLOCK)) % BLOCK;
  if (padding) yield Buffer.alloc(padding);
}

/** `"<length> key=value\n"`, where the length counts itself. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(rest) + 1;
  while (String(length).length + Buffer.byteLength(rest) !== length) length++;
  return `${length}${rest}`;
}

function splitName(name: string): { name: string; prefix: string } | null {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: '' };
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { name: rest, prefix };
  }
  return null;
}

interface HeaderFields {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  mtime: Date;
  typeflag: string;
  linkname: string;
}

function header(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  writeOctal(block, fields.mode & 0o7777, 100, 8);
  writeOctal(block, 0, 108, 8);
  writeOctal(block, 0, 116, 8);
  writeOctal(block, fields.size, 124, 12);
  writeOctal(block, Math.max(0, Math.floor(fields.mtime.getTime() / 1000)), 136, 12);
  block.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  block.write(fields.typeflag, 156, 1, 'ascii');
  block.write(fields.linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  block.write('root', 265, 32, 'ascii');
  block.write('root', 297, 32, 'ascii');
  block.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

function writeOctal(block: Buffer, value: number, offset: number, length: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

function truncateBytes(text: string, max: number): string {
  let out = text;
  while (Buffer.byteLength(out) > max) out = out.slice(0, -1);
  return out;
}
