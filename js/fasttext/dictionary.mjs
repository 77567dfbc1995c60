// fastText's dictionary and tokenizer (src/dictionary.cc, 0.9.2), over the
// UTF-8 bytes fastText sees: a text is split on exactly the bytes space,
// \n \r \t \v \f and \0; words are looked up by their bytes; char n-grams
// and word n-grams hash as fastText hashes them (FNV-1a over *signed* bytes,
// then `% bucket`; word n-grams in 64 bits). Tokens are never copied: the
// vocabulary is an open-addressing table over the words' hashes (as
// fastText's word2int), compared byte for byte.

const SEPARATORS = new Uint8Array(256);
for (const c of [0x20, 0x0a, 0x0d, 0x09, 0x0b, 0x0c, 0x00]) SEPARATORS[c] = 1;
const NEWLINE = 0x0a;
const EOS = '</s>';
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EOS_BYTES = encoder.encode(EOS);
const LABEL_PREFIX = encoder.encode('__label__');
const WORD_NGRAM_MULTIPLIER = 116049371;
// Out-of-vocabulary words' char n-grams are cached up to this many words
// (then the cache starts over): texts repeat their words.
const OOV_CACHE_SIZE = 65536;

// FNV-1a as fastText computes it: h ^ uint32(int8(byte)), then h * 16777619.
function hashBytes(bytes, begin, end) {
  let h = 2166136261;
  for (let i = begin; i < end; i++) {
    h = Math.imul((h ^ ((bytes[i] << 24) >> 24)) >>> 0, 16777619) >>> 0;
  }
  return h;
}

// Whether bytes[begin, end) equals `word`.
function sameBytes(bytes, begin, end, word) {
  if (end - begin !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (bytes[begin + i] !== word[i]) return false;
  return true;
}

function startsWith(bytes, begin, end, prefix) {
  if (end - begin < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[begin + i] !== prefix[i]) return false;
  return true;
}

/**
 * The tokens fastText's readWord reads from the line `text` (its UTF-8
 * bytes split on fastText's separators; the line's </s> not included), each
 * a Uint8Array: what a training file's line adds to the dictionary.
 */
export function lineTokens(text) {
  const bytes = encoder.encode(text);
  const tokens = [];
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && SEPARATORS[bytes[i]] !== 1) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) tokens.push(bytes.subarray(start, i));
    start = -1;
  }
  return tokens;
}

/** Whether a token (UTF-8 bytes) is a label: it starts with __label__. */
export const isLabelToken = (token) => startsWith(token, 0, token.length, LABEL_PREFIX);

export { EOS_BYTES };

/** Input rows of lines, appended to one growing Int32Array. */
export class RowSink {
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
    this.length = 0;
  }

  push(row) {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = row;
  }

  pushAll(rows) {
    for (let i = 0; i < rows.length; i++) this.push(rows[i]);
  }

  get rows() { return this.data.subarray(0, this.length); }
}

export class Dictionary {
  constructor({ words, types, nwords, nlabels, pruneIndex }, args) {
    this.args = args;
    this.nwords = nwords;
    this.pruneIndex = pruneIndex;
    this.entries = words;
    this.types = types;
    this.labels = words.slice(nwords).map((w) => decoder.decode(w));
    let capacity = 16;
    while (capacity < 2 * words.length) capacity *= 2;
    this.slots = new Int32Array(capacity).fill(-1);
    for (let i = 0; i < words.length; i++) {
      let slot = hashBytes(words[i], 0, words[i].length) & (capacity - 1);
      while (this.slots[slot] !== -1) slot = (slot + 1) & (capacity - 1);
      this.slots[slot] = i;
    }
    this.eos = this.#find(EOS_BYTES, 0, EOS_BYTES.length, hashBytes(EOS_BYTES, 0, EOS_BYTES.length));
    this.subwordCache = new Map();
    this.oovCache = new Map();  // hash -> [{ word, rows }]
    this.oovCount = 0;
    this.buffer = new Uint8Array(256);
    this.hashes = new Int32Array(64);
  }

  // The id of bytes[begin, end) (hash h), or -1.
  #find(bytes, begin, end, h) {
    const mask = this.slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot];
      if (id === -1 || sameBytes(bytes, begin, end, this.entries[id])) return id;
    }
  }

  // fastText's pushHash: an n-gram bucket as an input row, or nothing when
  // `quantize -cutoff` dropped it.
  pushHash(out, id) {
    if (this.pruneIndex !== null) {
      if (this.pruneIndex.size === 0) return;
      const kept = this.pruneIndex.get(id);
      if (kept === undefined) return;
      id = kept;
    }
    out.push(this.nwords + id);
  }

  // The char n-grams of `word` (bytes with its < > boundaries): every n-gram
  // of minn..maxn UTF-8 characters but the lone boundaries.
  charNgrams(word, out) {
    const { minn, maxn, bucket } = this.args;
    for (let i = 0; i < word.length; i++) {
      if ((word[i] & 0xc0) === 0x80) continue;
      let j = i;
      for (let n = 1; j < word.length && n <= maxn; n++) {
        j++;
        while (j < word.length && (word[j] & 0xc0) === 0x80) j++;
        if (n >= minn && !(n === 1 && (i === 0 || j === word.length))) {
          this.pushHash(out, hashBytes(word, i, j) % bucket);
        }
      }
    }
  }

  // A word's input rows: in vocabulary, its id then its char n-grams (none
  // for </s>); out of vocabulary, its char n-grams only (cached).
  #subwords(bytes, begin, end, h, id) {
    if (id >= 0) {
      let rows = this.subwordCache.get(id);
      if (rows === undefined) {
        rows = [id];
        if (id !== this.eos) this.charNgrams(bracketed(this.entries[id], 0, this.entries[id].length), rows);
        this.subwordCache.set(id, rows);
      }
      return rows;
    }
    let bucket = this.oovCache.get(h);
    if (bucket !== undefined) {
      for (const cached of bucket) if (sameBytes(bytes, begin, end, cached.word)) return cached.rows;
    }
    const rows = [];
    if (!sameBytes(bytes, begin, end, EOS_BYTES)) this.charNgrams(bracketed(bytes, begin, end), rows);
    if (this.oovCount >= OOV_CACHE_SIZE) {
      this.oovCache.clear();
      this.oovCount = 0;
      bucket = undefined;
    }
    if (bucket === undefined) this.oovCache.set(h, (bucket = []));
    bucket.push({ word: bytes.slice(begin, end), rows });
    this.oovCount++;
    return rows;
  }

  // The line's UTF-8 bytes and its newline, in a buffer reused line to line.
  #utf8(text) {
    if (this.buffer.length < 3 * text.length + 1) this.buffer = new Uint8Array(3 * text.length + 64);
    const { written } = encoder.encodeInto(text, this.buffer);
    this.buffer[written] = NEWLINE;
    return this.buffer.subarray(0, written + 1);
  }

  /**
   * What fastText's getLine reads for the line `text + "\n"`: its input rows
   * (in vocabulary words with their subwords, OOV words' char n-grams, then
   * the word n-grams) pushed to `sink`; with `words` (an array), the tokens
   * up to and including the first </s> pushed to it (labels left out).
   */
  appendLine(text, sink, words = null) {
    const bytes = this.#utf8(text);
    let count = 0;
    // fastText's readWord: tokens split on its separators; the newline is </s>.
    let start = -1;
    for (let i = 0; i < bytes.length; i++) {
      if (SEPARATORS[bytes[i]] !== 1) {
        if (start < 0) start = i;
        continue;
      }
      if (start >= 0) {
        const word = this.#token(bytes, start, i, sink, words, count);
        if (word !== 0) count++;
        if (word === 2) break;
      }
      start = -1;
      if (bytes[i] === NEWLINE) {
        const word = this.#token(EOS_BYTES, 0, EOS_BYTES.length, sink, words, count);
        if (word !== 0) count++;
        if (word === 2) break;
      }
    }
    this.#wordNgrams(count, sink);
  }

  /** appendLine for one text: { words (with `withWords`), ids }. */
  line(text, withWords = false) {
    const sink = new RowSink(64);
    const words = withWords ? [] : null;
    this.appendLine(text, sink, words);
    return { words, ids: sink.rows };
  }

  // One token of a line, bytes[begin, end): 0 a label, 1 a word, 2 </s>
  // (the line ends). A word's hash goes to this.hashes[count].
  #token(bytes, begin, end, sink, words, count) {
    const h = hashBytes(bytes, begin, end);
    const id = this.#find(bytes, begin, end, h);
    const isLabel = id >= 0 ? this.types[id] === 1 : startsWith(bytes, begin, end, LABEL_PREFIX);
    const isEos = id >= 0 ? id === this.eos : sameBytes(bytes, begin, end, EOS_BYTES);
    if (isLabel) return isEos ? 2 : 0;
    if (words) words.push(isEos ? EOS : decoder.decode(bytes.subarray(begin, end)));
    if (id >= 0 && this.args.maxn <= 0) sink.push(id);
    else sink.pushAll(this.#subwords(bytes, begin, end, h, id));
    if (count === this.hashes.length) {
      const grown = new Int32Array(2 * count);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[count] = h | 0;
    return isEos ? 2 : 1;
  }

  // fastText's addWordNgrams over the line's first `count` word hashes: for
  // each position, the hashes of the next n - 1 words folded in 64 bits,
  // h * 116049371 + next (int32 hashes sign-extended), then % bucket.
  #wordNgrams(count, sink) {
    const n = this.args.wordNgrams;
    if (n <= 1) return;
    const { bucket } = this.args;
    const hashes = this.hashes;
    for (let i = 0; i < count; i++) {
      let lo = hashes[i] >>> 0;
      let hi = hashes[i] < 0 ? 0xffffffff : 0;
      for (let j = i + 1; j < count && j < i + n; j++) {
        const folded = foldWordHash(hi, lo, hashes[j]);
        hi = folded[0];
        lo = folded[1];
        this.pushHash(sink, uint64Mod(hi, lo, bucket));
      }
    }
  }

  /** A word's input rows, as fastText's getSubwords(word). */
  wordRows(word) {
    const bytes = encoder.encode(word);
    const h = hashBytes(bytes, 0, bytes.length);
    return this.#subwords(bytes, 0, bytes.length, h, this.#find(bytes, 0, bytes.length, h));
  }
}

function bracketed(bytes, begin, end) {
  const out = new Uint8Array(end - begin + 2);
  out[0] = 0x3c;
  out.set(bytes.subarray(begin, end), 1);
  out[end - begin + 1] = 0x3e;
  return out;
}

/** h * 116049371 + next, modulo 2^64 (h = hi:lo, next an int32 sign-extended): [hi, lo]. */
export function foldWordHash(hi, lo, next) {
  // lo * c = (a * 2^16 + b) * c: its low word by Math.imul, its high word
  // from the exact partial products (each below 2^44).
  const a = lo >>> 16;
  const b = lo & 0xffff;
  const carry = Math.floor((a * WORD_NGRAM_MULTIPLIER + Math.floor((b * WORD_NGRAM_MULTIPLIER) / 65536)) / 65536);
  let newLo = Math.imul(lo, WORD_NGRAM_MULTIPLIER) >>> 0;
  let newHi = (carry + Math.imul(hi, WORD_NGRAM_MULTIPLIER)) >>> 0;
  const sum = newLo + (next >>> 0);
  newLo = sum >>> 0;
  newHi = (newHi + (next < 0 ? 0xffffffff : 0) + (sum > 0xffffffff ? 1 : 0)) >>> 0;
  return [newHi, newLo];
}

/** (hi * 2^32 + lo) % m for m < 2^31, exactly. */
export function uint64Mod(hi, lo, m) {
  let r = hi % m;
  r = (r * 65536) % m;
  r = (r * 65536) % m;
  return (r + lo) % m;
}
