// Reads a fastText model file (.bin, and .ftz: product-quantized) as
// fastText 0.9.2 writes it (src/fasttext.cc saveModel; args.cc,
// dictionary.cc, densematrix.cc, quantmatrix.cc, productquantizer.cc):
//   int32 magic 793712314, int32 version (<= 12)
//   args: int32 dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate, float64 t
//   dictionary: int32 size nwords nlabels, int64 ntokens pruneidx_size,
//     size x (NUL-terminated bytes, int64 count, int8 type), pruneidx_size x (int32, int32)
//   bool quant_input, the input matrix; bool qout, the output matrix
//   dense matrix: int64 m n, m x n float32
//   quantized: bool qnorm, int64 m n, int32 codesize, codesize bytes, a PQ
//     (int32 dim nsubq dsub lastdsub, dim x 256 float32), and with qnorm m
//     norm codes and a PQ of dimension 1
// Quantized matrices are decoded into float32 rows, each value the float32
// product fastText adds (norm x centroid). Little-endian, as fastText writes
// it on every machine it ships for.

export const MAGIC = 793712314;
export const MAX_VERSION = 12;
export const LOSSES = Object.freeze({ 1: 'hs', 2: 'ns', 3: 'softmax', 4: 'ova' });
export const MODELS = Object.freeze({ 1: 'cbow', 2: 'sg', 3: 'supervised' });
const KSUB = 256;
// The largest table the module holds (include/ebag/buffer.h kMaxBytes: the
// wasm32 heap's maximum): a matrix that decodes to more is refused before it
// is decoded, a trainer's options that would make one before anything is
// allocated. A model loaded with a dtype is held to its rows in that dtype.
export const MAX_TABLE_BYTES = 2 ** 32 - 2 ** 16;

/** Thrown by a cursor over the first part of a file that needs more of it (stream.mjs reads on). */
export const MORE_BYTES = Symbol('more bytes');
// The magic, the version and the args: what is checked before a file is read on.
export const HEAD_BYTES = 4 + 4 + 12 * 4 + 8;

// partial: the bytes are the file's first ones, not all of it (a read past
// them throws MORE_BYTES, not a truncation).
export class Cursor {
  constructor(bytes, partial = false) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.at = 0;
    this.partial = partial;
  }

  need(n, what) {
    if (!(n >= 0) || this.at + n > this.bytes.byteLength) {
      if (this.partial && n >= 0) throw MORE_BYTES;
      throw new RangeError(`the fastText file is truncated or inconsistent: ${what} needs ${n} bytes at byte ${this.at}, ` +
        `the file has ${this.bytes.byteLength}`);
    }
  }

  // A RangeError for a file that ends too soon (MORE_BYTES for a partial one).
  truncated(message) {
    return this.partial ? MORE_BYTES : new RangeError(message);
  }

  i32(what) { this.need(4, what); const v = this.view.getInt32(this.at, true); this.at += 4; return v; }
  u8(what) { this.need(1, what); return this.bytes[this.at++]; }
  f64(what) { this.need(8, what); const v = this.view.getFloat64(this.at, true); this.at += 8; return v; }
  // An int64 that must be a safe integer in [0, limit].
  count(what, limit = Number.MAX_SAFE_INTEGER) {
    this.need(8, what);
    const v = this.view.getBigInt64(this.at, true);
    this.at += 8;
    if (v < 0n || v > BigInt(limit)) throw new RangeError(`the fastText file is inconsistent: ${what} = ${v}`);
    return Number(v);
  }

  // `n` float32 values, copied (the file's bytes may be unaligned).
  floats(n, what) {
    this.need(n * 4, what);
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(this.bytes.subarray(this.at, this.at + n * 4));
    this.at += n * 4;
    return out;
  }

  take(n, what) {
    this.need(n, what);
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

function readArgs(c) {
  const names = ['dim', 'ws', 'epoch', 'minCount', 'neg', 'wordNgrams', 'loss', 'model', 'bucket', 'minn', 'maxn', 'lrUpdateRate'];
  const args = {};
  for (const name of names) args[name] = c.i32(`args.${name}`);
  args.t = c.f64('args.t');
  if (!(args.loss in LOSSES)) throw new RangeError(`the fastText file is inconsistent: loss = ${args.loss}`);
  if (!(args.model in MODELS)) throw new RangeError(`the fastText file is inconsistent: model = ${args.model}`);
  args.loss = LOSSES[args.loss];
  args.model = MODELS[args.model];
  for (const name of ['dim', 'bucket', 'minn', 'maxn', 'wordNgrams']) {
    if (args[name] < 0 || (name === 'dim' && args[name] === 0)) throw new RangeError(`the fastText file is inconsistent: args.${name} = ${args[name]}`);
  }
  return args;
}

function readDictionary(c) {
  const size = c.i32('the dictionary size');
  const nwords = c.i32('the word count');
  const nlabels = c.i32('the label count');
  const ntokens = c.count('the token count');
  // -1: not pruned; else the n-gram buckets kept by `quantize -cutoff`.
  c.need(8, 'the prune index size');
  const pruneSize = Number(c.view.getBigInt64(c.at, true));
  c.at += 8;
  if (size < 0 || nwords < 0 || nlabels < 0 || nwords + nlabels !== size) {
    throw new RangeError(`the fastText file is inconsistent: ${size} entries, ${nwords} words, ${nlabels} labels`);
  }
  // An entry takes at least 10 bytes (its NUL, count and type).
  if (size > (c.bytes.byteLength - c.at) / 10) {
    throw c.truncated(`the fastText file is truncated: ${size} dictionary entries in ${c.bytes.byteLength - c.at} bytes`);
  }
  const words = new Array(size);
  const types = new Uint8Array(size);
  const counts = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const end = c.bytes.indexOf(0, c.at);
    if (end < 0) throw c.truncated(`the fastText file is truncated: dictionary entry ${i} has no end`);
    words[i] = c.take(end - c.at, `dictionary entry ${i}`);
    c.at += 1;
    counts[i] = c.count(`the count of dictionary entry ${i}`);
    types[i] = c.u8(`the type of dictionary entry ${i}`);
    if (types[i] > 1 || (types[i] === 1) !== (i >= nwords)) {
      throw new RangeError(`the fastText file is inconsistent: dictionary entry ${i} has type ${types[i]}`);
    }
  }
  let pruneIndex = null;
  if (pruneSize >= 0) {
    if (pruneSize > (c.bytes.byteLength - c.at) / 8) throw c.truncated(`the fastText file is truncated: a prune index of ${pruneSize} pairs`);
    pruneIndex = new Map();
    for (let i = 0; i < pruneSize; i++) {
      const bucketId = c.i32('the prune index');
      pruneIndex.set(bucketId, c.i32('the prune index'));
    }
  }
  return { words, types, counts, nwords, nlabels, ntokens, pruneIndex };
}

// A matrix the module can hold as a table, checked before it is read.
function checkTableSize(rows, cols, what) {
  if (rows * cols * 4 > MAX_TABLE_BYTES) {
    throw new RangeError(`the fastText file's ${what} matrix is ${rows} x ${cols} floats (${rows * cols * 4} bytes): ` +
      `larger than a table can be (${MAX_TABLE_BYTES} bytes)`);
  }
}

/** A dense matrix's shape ({ rows, cols }), its floats to follow. */
export function readDenseShape(c, what) {
  const rows = c.count(`the ${what} matrix's rows`, 2 ** 31 - 1);
  const cols = c.count(`the ${what} matrix's columns`, 2 ** 31 - 1);
  return { rows, cols };
}

function readDense(c, what) {
  const { rows, cols } = readDenseShape(c, what);
  checkTableSize(rows, cols, what);
  if (rows * cols * 4 > c.bytes.byteLength - c.at) {
    throw new RangeError(`the fastText file is truncated: the ${what} matrix is ${rows} x ${cols} floats, ` +
      `${c.bytes.byteLength - c.at} bytes are left`);
  }
  return { rows, cols, data: c.floats(rows * cols, `the ${what} matrix`) };
}

function readPq(c, what) {
  const dim = c.i32(`the ${what} quantizer's dim`);
  const nsubq = c.i32(`the ${what} quantizer's nsubq`);
  const dsub = c.i32(`the ${what} quantizer's dsub`);
  const lastdsub = c.i32(`the ${what} quantizer's lastdsub`);
  if (dim <= 0 || dsub <= 0 || lastdsub <= 0 || nsubq <= 0 || (nsubq - 1) * dsub + lastdsub !== dim) {
    throw new RangeError(`the fastText file is inconsistent: a ${what} quantizer of dim ${dim}, ${nsubq} x ${dsub} (last ${lastdsub})`);
  }
  return { dim, nsubq, dsub, lastdsub, centroids: c.floats(dim * KSUB, `the ${what} quantizer's centroids`) };
}

// Centroid `code` of sub-quantizer m (productquantizer.cc get_centroids).
function centroid(pq, m, code) {
  return m === pq.nsubq - 1 ? m * KSUB * pq.dsub + code * pq.lastdsub : (m * KSUB + code) * pq.dsub;
}

// premultiplied: rows are norm x centroid (the input matrix, whose rows
// fastText adds); otherwise the centroids and a norm per row (the output
// matrix, whose dot products fastText multiplies by the norm).
function readQuantized(c, what, premultiplied) {
  const qnorm = c.u8(`the ${what} matrix's qnorm`) !== 0;
  const rows = c.count(`the ${what} matrix's rows`, 2 ** 31 - 1);
  const cols = c.count(`the ${what} matrix's columns`, 2 ** 31 - 1);
  // The decoded size, before anything is read or decoded: a few MB of codes
  // can stand for GBs of rows.
  checkTableSize(rows, cols, what);
  const codeSize = c.i32(`the ${what} matrix's code size`);
  const codes = c.take(codeSize, `the ${what} matrix's codes`);
  const pq = readPq(c, what);
  let normCodes = null;
  let npq = null;
  if (qnorm) {
    normCodes = c.take(rows, `the ${what} matrix's norm codes`);
    npq = readPq(c, `${what} norm`);
  }
  if (pq.dim !== cols || codeSize !== rows * pq.nsubq || (npq && npq.dim !== 1)) {
    throw new RangeError(`the fastText file is inconsistent: a ${what} matrix of ${rows} x ${cols} with ${codeSize} codes`);
  }
  // Row i = norm_i x its centroids, in float32 (quantmatrix.cc addRowToVector).
  const data = new Float32Array(rows * cols);
  const norms = qnorm && !premultiplied ? new Float32Array(rows) : null;
  for (let i = 0; i < rows; i++) {
    const norm = qnorm ? npq.centroids[centroid(npq, 0, normCodes[i])] : 1;
    if (norms) norms[i] = norm;
    const scale = premultiplied ? norm : 1;
    for (let m = 0; m < pq.nsubq; m++) {
      const from = centroid(pq, m, codes[i * pq.nsubq + m]);
      const d = m === pq.nsubq - 1 ? pq.lastdsub : pq.dsub;
      for (let n = 0; n < d; n++) data[i * cols + m * pq.dsub + n] = Math.fround(scale * pq.centroids[from + n]);
    }
  }
  return { rows, cols, data, norms };
}

const hasMagic = (bytes) => bytes.byteLength >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0, true) === MAGIC;
const notFastText = () => new TypeError('not a fastText model (.bin / .ftz): the file does not start with fastText\'s magic number');

// The magic number, the version and the args, from a cursor at byte 0.
function readHead(c) {
  if (!hasMagic(c.bytes)) throw notFastText();
  c.at = 4;
  const version = c.i32('the version');
  if (version > MAX_VERSION || version < 0) {
    throw new RangeError(`the fastText file has version ${version}; fastText 0.9.2 reads versions up to ${MAX_VERSION}`);
  }
  return { version, args: readArgs(c) };
}

/**
 * Checks the first HEAD_BYTES of a file (fewer when it is shorter) before
 * the rest is read: a TypeError when it is not a fastText model, a
 * RangeError when its version or args are impossible.
 */
export function checkHead(prefix) {
  // A shorter file: its magic number here, the rest is readModel's.
  if (prefix.byteLength >= HEAD_BYTES) readHead(new Cursor(prefix));
  else if (!hasMagic(prefix)) throw notFastText();
}

// The rows each matrix must have, from the dictionary and args (fastText's
// dictionary.cc: a word is row id, an n-gram row nwords + its bucket, or
// nwords + its pruned index; a supervised model's output rows are labels).
function checkShapes(args, dictionary, input, output) {
  checkInputShape(args, dictionary, input);
  const outputRows = args.model === 'supervised' ? dictionary.nlabels : dictionary.nwords;
  if (output.rows !== outputRows) {
    throw new RangeError(`the fastText file is inconsistent: its output matrix has ${output.rows} rows, ` +
      `expected ${outputRows} (one per ${args.model === 'supervised' ? 'label' : 'word'})`);
  }
}

/** The input matrix's { rows, cols } against the args and dictionary (checkShapes' first half). */
export function checkInputShape(args, dictionary, input) {
  const { nwords, pruneIndex } = dictionary;
  if (input.cols !== args.dim) {
    throw new RangeError(`the fastText file is inconsistent: dim ${args.dim}, an input matrix of ${input.cols} columns`);
  }
  const usesNgrams = args.maxn > 0 || args.wordNgrams > 1;
  if (usesNgrams && args.bucket === 0) {
    throw new RangeError(`the fastText file is inconsistent: bucket = 0 with n-grams (maxn ${args.maxn}, wordNgrams ${args.wordNgrams}) leaves them no rows`);
  }
  const ngramRows = pruneIndex === null ? args.bucket : pruneIndex.size;
  if (pruneIndex !== null) {
    for (const [bucket, row] of pruneIndex) {
      if (!(bucket >= 0 && bucket < args.bucket && row >= 0 && row < pruneIndex.size)) {
        throw new RangeError(`the fastText file is inconsistent: the prune index maps bucket ${bucket} to ${row} ` +
          `(buckets below ${args.bucket}, rows below ${pruneIndex.size})`);
      }
    }
  }
  if (input.rows !== nwords + ngramRows) {
    throw new RangeError(`the fastText file is inconsistent: its input matrix has ${input.rows} rows, ` +
      `expected ${nwords + ngramRows} (${nwords} words + ${ngramRows} ${pruneIndex === null ? 'n-gram buckets' : 'pruned n-grams'})`);
  }
}

/**
 * What comes before the input matrix: { version, args, written,
 * dictionary, quantInput } (the cursor then at the matrix).
 */
export function readFront(c) {
  const { version, args } = readHead(c);
  // As written, for toBin() to write the file back as it was.
  const written = { ...args };
  // fastText: old (version 11) supervised models have no char n-grams.
  if (version === 11 && args.model === 'supervised') args.maxn = 0;
  const dictionary = readDictionary(c);
  const quantInput = c.u8('the input matrix kind') !== 0;
  if (!quantInput && dictionary.pruneIndex !== null && dictionary.pruneIndex.size > 0) {
    throw new RangeError('the fastText file is inconsistent: a pruned dictionary with a dense input matrix');
  }
  return { version, args, written, dictionary, quantInput };
}

/** The model in `bytes` (a Uint8Array): { version, args, dictionary, input, output, quantized }. */
export function readModel(bytes) {
  const c = new Cursor(bytes);
  const front = readFront(c);
  const input = front.quantInput ? readQuantized(c, 'input', true) : readDense(c, 'input');
  return readBack(c, front, input);
}

/** The model from what follows its input matrix (the cursor there): front from readFront, input its { rows, cols, ... }. */
export function readBack(c, front, input) {
  const { version, args, written, dictionary, quantInput } = front;
  args.qout = c.u8('the output matrix kind') !== 0;
  written.qout = args.qout;
  const output = quantInput && args.qout ? readQuantized(c, 'output', false) : readDense(c, 'output');
  if (input.cols !== args.dim || output.cols !== args.dim) {
    throw new RangeError(`the fastText file is inconsistent: dim ${args.dim}, matrices of ${input.cols} and ${output.cols} columns`);
  }
  checkShapes(args, dictionary, input, output);
  return { version, args, written, dictionary, input, output, quantized: quantInput };
}
