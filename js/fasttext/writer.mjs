// Writes a dense fastText model file (.bin) as fastText 0.9.2's saveModel
// does, in the layout reader.mjs reads (see there): magic, version, args,
// dictionary with its prune index, a dense input matrix, a dense output matrix.
import { LOSSES, MAGIC, MODELS } from './reader.mjs';

const ARG_NAMES = ['dim', 'ws', 'epoch', 'minCount', 'neg', 'wordNgrams', 'loss', 'model', 'bucket', 'minn', 'maxn', 'lrUpdateRate'];
const numberOf = (table, name) => Number(Object.keys(table).find((k) => table[k] === name));

/**
 * The .bin bytes of { version, args, dictionary: { words (UTF-8 bytes each),
 * counts, types, nwords, nlabels, ntokens, pruneIndex (null: none; a Map of
 * bucket -> row, written in its order) }, input, output: { rows, cols, data } }.
 */
export function writeModel({ version, args, dictionary, input, output }) {
  const size = dictionary.words.length;
  const pruneIndex = dictionary.pruneIndex ?? null;
  let bytes = 4 + 4 + ARG_NAMES.length * 4 + 8 + 4 * 3 + 8 * 2 + (pruneIndex?.size ?? 0) * 8 +
    1 + 16 + input.data.length * 4 + 1 + 16 + output.data.length * 4;
  for (const word of dictionary.words) bytes += word.length + 1 + 8 + 1;
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  let at = 0;
  const i32 = (v) => { view.setInt32(at, v, true); at += 4; };
  const i64 = (v) => { view.setBigInt64(at, BigInt(v), true); at += 8; };
  const u8 = (v) => { out[at++] = v; };
  // Copied as bytes: the matrix may start at any offset of the file.
  const floats = (data) => {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  };
  i32(MAGIC);
  i32(version);
  for (const name of ARG_NAMES) {
    const value = name === 'loss' ? numberOf(LOSSES, args.loss) : name === 'model' ? numberOf(MODELS, args.model) : args[name];
    i32(value);
  }
  view.setFloat64(at, args.t, true);
  at += 8;
  i32(size);
  i32(dictionary.nwords);
  i32(dictionary.nlabels);
  i64(dictionary.ntokens);
  i64(pruneIndex === null ? -1 : pruneIndex.size);
  dictionary.words.forEach((word, i) => {
    out.set(word, at);
    at += word.length;
    u8(0);
    i64(dictionary.counts[i]);
    u8(dictionary.types[i]);
  });
  for (const [bucket, row] of pruneIndex ?? []) {
    i32(bucket);
    i32(row);
  }
  for (const matrix of [input, output]) {
    u8(0);  // dense (quant_input, then qout)
    i64(matrix.rows);
    i64(matrix.cols);
    floats(matrix.data);
  }
  return out;
}
