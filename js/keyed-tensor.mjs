// TorchRec's KeyedTensor, the result of EmbeddingBagCollection.forward():
// every feature's pooled embeddings side by side in one [B, sum of D]
// array (values), with the features' names (keys) and widths
// (lengthPerKey).
import { show } from './errors.mjs';

export class KeyedTensor {
  constructor(keys, lengthPerKey, values, shape) {
    this.keys = keys;
    this.lengthPerKey = lengthPerKey;
    this.values = values;
    this.shape = shape;
  }

  /** Where each feature's columns start, and the total width last (TorchRec's offset_per_key). */
  get offsetPerKey() {
    const offsets = [0];
    for (const d of this.lengthPerKey) offsets.push(offsets.at(-1) + d);
    return offsets;
  }

  /** One feature's [B, D] embeddings, row-major (a new array: its columns are strided in values). */
  get(key) {
    const k = this.keys.indexOf(key);
    if (k < 0) throw new RangeError(`no key ${show(key)} in this KeyedTensor (keys: ${this.keys.join(', ')})`);
    return this.#columns(this.offsetPerKey[k], this.lengthPerKey[k]);
  }

  /** Every feature's [B, D] embeddings by key (TorchRec's to_dict()). */
  toDict() {
    const offsets = this.offsetPerKey;
    const dict = {};
    this.keys.forEach((key, k) => {
      Object.defineProperty(dict, key, { value: this.#columns(offsets[k], this.lengthPerKey[k]), enumerable: true, writable: true, configurable: true });
    });
    return dict;
  }

  #columns(begin, width) {
    const [batch, total] = this.shape;
    const out = new Float32Array(batch * width);
    for (let b = 0; b < batch; b++) out.set(this.values.subarray(b * total + begin, b * total + begin + width), b * width);
    return out;
  }
}
