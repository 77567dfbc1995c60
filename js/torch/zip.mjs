// The entries of a zip archive as torch.save (PyTorch >= 1.6) writes it:
// stored (uncompressed) records, local headers that may carry a data
// descriptor with sizes of 0, so the central directory is what is read
// (APPNOTE.TXT 4.3: end of central directory, its zip64 forms, file headers).
// Nothing is decompressed: a compressed entry is refused when it is read.

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

const corrupt = (what) => new RangeError(`the .pt file is truncated or not a zip archive: ${what}`);

/** The most bytes the end of a zip archive takes: its end record and the longest comment, and zip64's two records. */
export const TAIL_BYTES = 22 + MAX_COMMENT + 20 + 56;

/**
 * Where the central directory is: { start, size, count } from the last
 * bytes of the archive (`tail`, which begins at byte `tailStart` of a file
 * of `fileSize` bytes); a RangeError when it is not a zip archive or is cut.
 */
export function findDirectory(tail, tailStart, fileSize) {
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let end = -1;
  for (let at = tail.byteLength - 22; at >= Math.max(0, tail.byteLength - 22 - MAX_COMMENT); at--) {
    if (view.getUint32(at, true) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) throw corrupt('no end of central directory');
  let count = view.getUint16(end + 10, true);
  let size = view.getUint32(end + 12, true);
  let start = view.getUint32(end + 16, true);
  if (count === 0xffff || size === 0xffffffff || start === 0xffffffff) {
    // zip64: the locator sits right before the end record.
    if (end < 20 || view.getUint32(end - 20, true) !== ZIP64_LOCATOR) throw corrupt('a zip64 archive without its locator');
    const at = safe(view.getBigUint64(end - 12, true), fileSize - 56, 'the zip64 end record') - tailStart;
    if (at < 0 || view.getUint32(at, true) !== ZIP64_EOCD) throw corrupt('no zip64 end of central directory');
    count = safe(view.getBigUint64(at + 32, true), fileSize, 'the entry count');
    size = safe(view.getBigUint64(at + 40, true), fileSize, 'the central directory size');
    start = safe(view.getBigUint64(at + 48, true), fileSize, 'the central directory offset');
  }
  if (start + size > tailStart + end) throw corrupt(`a central directory of ${size} bytes at ${start}, past its end record at ${tailStart + end}`);
  return { start, size, count };
}

/**
 * The entries of a central directory (`directory`: its bytes, `count` of
 * them): Map(name -> { name, method, size, compressedSize, headerOffset }).
 */
export function readDirectory(directory, count) {
  const view = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
  const entries = new Map();
  let at = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let k = 0; k < count; k++) {
    if (at + 46 > directory.byteLength || view.getUint32(at, true) !== CENTRAL) throw corrupt(`central directory entry ${k}`);
    const method = view.getUint16(at + 10, true);
    let compressedSize = view.getUint32(at + 20, true);
    let uncompressedSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let headerOffset = view.getUint32(at + 42, true);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > directory.byteLength) throw corrupt(`central directory entry ${k} runs past the directory`);
    let name;
    try {
      name = decoder.decode(directory.subarray(at + 46, at + 46 + nameLength));
    } catch {
      throw corrupt(`central directory entry ${k}'s name is not UTF-8`);
    }
    // zip64 extra field (id 1): the 64-bit values of those that are 0xffffffff, in order.
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength;) {
      const id = view.getUint16(x, true);
      const length = view.getUint16(x + 2, true);
      if (id === 1) {
        let y = x + 4;
        const field = (value) => {
          if (value !== 0xffffffff) return value;
          if (y + 8 > x + 4 + length) throw corrupt(`entry ${name}'s zip64 field is short`);
          const wide = safe(view.getBigUint64(y, true), Number.MAX_SAFE_INTEGER, `entry ${name}'s zip64 field`);
          y += 8;
          return wide;
        };
        uncompressedSize = field(uncompressedSize);
        compressedSize = field(compressedSize);
        headerOffset = field(headerOffset);
      }
      x += 4 + length;
    }
    entries.set(name, { name, method, size: uncompressedSize, compressedSize, headerOffset });
    at = next;
  }
  return entries;
}

/**
 * { entries } of a zip archive in `bytes` (all of it); a RangeError when it
 * is not one or is cut.
 */
export function readZip(bytes) {
  const tailStart = Math.max(0, bytes.byteLength - TAIL_BYTES);
  const { start, size, count } = findDirectory(bytes.subarray(tailStart), tailStart, bytes.byteLength);
  return { entries: readDirectory(bytes.subarray(start, start + size), count) };
}

function safe(value, limit, what) {
  if (value > BigInt(limit)) throw corrupt(`${what} (${value}) is past the file's end`);
  return Number(value);
}

/** The bytes of a local header past its fixed 30: its name and extra field, from the header's first 30 bytes. */
export function localHeaderLength(header) {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.byteLength < 30 || view.getUint32(0, true) !== LOCAL) throw corrupt('no local header where the directory says');
  return 30 + view.getUint16(26, true) + view.getUint16(28, true);
}

/**
 * The bytes of `entry` (from readZip) in `bytes`: a view, never a copy. A
 * compressed entry is a TypeError (torch.save stores its records); one
 * that runs past the file is a RangeError.
 */
export function entryBytes(bytes, entry) {
  checkStored(entry);
  const at = entry.headerOffset;
  if (at + 30 > bytes.byteLength) throw corrupt(`no local header for ${entry.name}`);
  const begin = at + localHeaderLength(bytes.subarray(at, at + 30));
  if (begin + entry.size > bytes.byteLength) {
    throw corrupt(`record ${entry.name} (${entry.size} bytes at ${begin}) runs past the file (${bytes.byteLength} bytes)`);
  }
  return bytes.subarray(begin, begin + entry.size);
}

/** A TypeError unless `entry` is stored (torch.save's records are). */
export function checkStored(entry) {
  if (entry.method !== 0 || entry.compressedSize !== entry.size) {
    throw new TypeError(`the .pt file's record ${entry.name} is compressed (method ${entry.method}): ` +
      'torch.save stores records uncompressed; re-save the checkpoint with torch.save');
  }
}
