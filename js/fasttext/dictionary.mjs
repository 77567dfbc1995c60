// fastText's dictionary and tokenizer (src/dictionary.cc, 0.9.2), over the
// UTF-8 bytes fastText sees: a text is split on exactly the bytes space,
// \n \r \t \v \f and \0; words are looked up by their bytes; char n-grams
// and word n-grams hash as fastText hashes them (FNV-1a over *signed* bytes,
// then `% bucket`; word n-grams in 64 bits).

const SEPARATORS = new Uint8Array(256);
for (const c of [0x20, 0x0a, 0x0d, 0x09, 0x0b, 0x0c, 0x00]) SEPARATORS[c] = 1;
const NEWLINE = 0x0a;
const EOS = '</s>';
const LABEL_PREFIX = '__label__';
const encoder = new TextEncoder();
const WORD_NGRAM_MULTIPLIER = 116049371n;
const UINT64 = (1n << 64n) - 1n;

/** Bytes as a string of one char per byte (the dictionary's keys). */
export function byteString(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  return out;
}

// FNV-1a as fastText computes it: h ^ uint32(int8(byte)), then h * 16777619.
function hashBytes(bytes, begin, end) {
  let h = 2166136261;
  for (let i = begin; i < end; i++) {
    h = Math.imul((h ^ ((bytes[i] << 24) >> 24)) >>> 0, 16777619) >>> 0;
  }
  return h;
}

export class Dictionary {
  constructor({ words, types, nwords, nlabels, pruneIndex }, args) {
    this.args = args;
    this.nwords = nwords;
    this.nlabels = nlabels;
    this.pruneIndex = pruneIndex;
    this.entries = words;
    this.ids = new Map();
    for (let i = 0; i < words.length; i++) this.ids.set(byteString(words[i]), i);
    this.types = types;
    this.labels = words.slice(nwords).map((w) => new TextDecoder().decode(w));
    this.subwordCache = new Map();
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
  // for </s>); out of vocabulary, its char n-grams only.
  subwords(token, id) {
    if (id >= 0) {
      let cached = this.subwordCache.get(id);
      if (cached === undefined) {
        cached = [id];
        if (byteString(this.entries[id]) !== EOS) this.charNgrams(bracketed(this.entries[id]), cached);
        this.subwordCache.set(id, cached);
      }
      return cached;
    }
    const out = [];
    if (byteString(token) !== EOS) this.charNgrams(bracketed(token), out);
    return out;
  }

  /**
   * What fastText's getLine reads for the line `text + "\n"`: the tokens up to
   * and including the first </s>, and the input rows (in vocabulary words
   * with their subwords or OOV words' char n-grams, then the word n-grams).
   */
  line(text) {
    const bytes = encoder.encode(`${text}\n`);
    const words = [];
    const ids = [];
    const hashes = [];
    for (const token of tokens(bytes)) {
      const key = byteString(token);
      const h = hashBytes(token, 0, token.length);
      const id = this.ids.get(key) ?? -1;
      const isLabel = id >= 0 ? this.types[id] === 1 : key.startsWith(LABEL_PREFIX);
      if (!isLabel) {
        words.push(key === EOS ? EOS : new TextDecoder().decode(token));
        if (id >= 0 && this.args.maxn <= 0) ids.push(id);
        else for (const row of this.subwords(token, id)) ids.push(row);
        hashes.push(h | 0);
      }
      if (key === EOS) break;
    }
    this.wordNgrams(hashes, ids);
    return { words, ids };
  }

  // fastText's addWordNgrams: for each position, the hashes of the next
  // n - 1 words folded in 64 bits (int32 hashes sign-extended), % bucket.
  wordNgrams(hashes, out) {
    const n = this.args.wordNgrams;
    if (n <= 1) return;
    const bucket = BigInt(this.args.bucket);
    for (let i = 0; i < hashes.length; i++) {
      let h = BigInt(hashes[i]) & UINT64;
      for (let j = i + 1; j < hashes.length && j < i + n; j++) {
        h = (h * WORD_NGRAM_MULTIPLIER + (BigInt(hashes[j]) & UINT64)) & UINT64;
        this.pushHash(out, Number(h % bucket));
      }
    }
  }

  /** A word's input rows, as fastText's getSubwords(word). */
  wordRows(word) {
    const token = encoder.encode(word);
    return this.subwords(token, this.ids.get(byteString(token)) ?? -1);
  }
}

function bracketed(word) {
  const out = new Uint8Array(word.length + 2);
  out[0] = 0x3c;
  out.set(word, 1);
  out[word.length + 1] = 0x3e;
  return out;
}

// fastText's readWord over a line: tokens split on its separators; the
// newline gives </s>.
function* tokens(bytes) {
  const eos = encoder.encode(EOS);
  let start = -1;
  for (let i = 0; i < bytes.length; i++) {
    if (SEPARATORS[bytes[i]]) {
      if (start >= 0) {
        yield bytes.subarray(start, i);
        start = -1;
      }
      if (bytes[i] === NEWLINE) yield eos;
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) yield bytes.subarray(start);
}
