// A torch.save file read by ranges (bytes, a Blob, a path: sources.mjs
// rangedSource): its end records, directory and pickle first, then only the
// records a table needs, so that a checkpoint larger than memory can load
// (a float table quantized as its rows stream: row-stream.mjs).
import { checkTorchHead, ELEMENT_BYTES, pickleEntry, pickledTensors } from './checkpoint.mjs';
import { checkStored, findDirectory, localHeaderLength, readDirectory, TAIL_BYTES } from './zip.mjs';

/**
 * read(offset, length, what) over `ranged`: exactly `length` bytes (else a
 * RangeError naming `what`), the signal checked after each read.
 */
export function exactReader(ranged, signal) {
  return async (offset, length, what) => {
    const bytes = await ranged.read(offset, length);
    signal?.throwIfAborted();
    if (bytes.byteLength < length) throw new RangeError(`the file ends at byte ${ranged.size}, inside ${what}`);
    return bytes;
  };
}

/**
 * The checkpoint's tensors ([{ name, tensor }], views checked against their
 * storages) and recordBegin(storage): the file offset of a storage's bytes,
 * its record checked to be stored and to hold its elements.
 */
export async function openCheckpoint(ranged, read) {
  checkTorchHead(await read(0, Math.min(16, ranged.size), 'its first bytes'));
  // torch.save writes no archive comment: the end records are the last 98
  // bytes at most; a file with a comment is searched further back.
  const directoryAt = async (window) => {
    const tailStart = Math.max(0, ranged.size - window);
    return findDirectory(await read(tailStart, ranged.size - tailStart, 'its end'), tailStart, ranged.size);
  };
  let found;
  try {
    found = await directoryAt(22 + 20 + 56);
  } catch {
    found = await directoryAt(TAIL_BYTES);
  }
  const { start, size, count } = found;
  const entries = readDirectory(await read(start, size, 'its directory'), count);
  const pickle = pickleEntry(entries);
  const folder = pickle.name.slice(0, -'data.pkl'.length);
  const dataBegin = async (entry) => {
    checkStored(entry);
    const begin = entry.headerOffset + localHeaderLength(await read(entry.headerOffset, 30, `the header of ${entry.name}`));
    if (begin + entry.size > ranged.size) {
      throw new RangeError(`the .pt file's record ${entry.name} (${entry.size} bytes at ${begin}) runs past the file (${ranged.size} bytes)`);
    }
    return begin;
  };
  const tensors = pickledTensors(await read(await dataBegin(pickle), pickle.size, pickle.name));
  const recordBegin = async (storage) => {
    const entry = entries.get(`${folder}data/${storage.key}`);
    if (entry === undefined) throw new RangeError(`the .pt file has no record ${folder}data/${storage.key} for a tensor's storage`);
    if (entry.size < storage.numel * ELEMENT_BYTES[storage.dtype]) {
      throw new RangeError(`the .pt file's record ${entry.name} has ${entry.size} bytes, too few for ${storage.numel} elements`);
    }
    return dataBegin(entry);
  };
  return { tensors, recordBegin };
}
