// A bag's table made in the module from checked options: the core, its
// options and optimizer set, its rows written (given weight, a seeded normal
// init, or left zero for a loader or a quantizer to write next). On any
// refusal the core is freed and nothing is left behind.
import { floatArray } from './inputs.mjs';
import { heap, requireModule } from './module.mjs';
import { bagExplainer, Handle } from './handle.mjs';
import { hotCalls } from './hot-calls.mjs';
import { checkDim, normaliseOptions, seedOf } from './options.mjs';
import { parseOptimizer, setOnCore } from './optimizers.mjs';
import { Code, dtypeInfo, modeInfo, rowBytes } from './registry.mjs';
import { settle } from './snapshot.mjs';

/**
 * The table of `new EmbeddingBag(numEmbeddings, embeddingDim, given)`.
 * dtype: 'fp32', or a quantized dtype (inference only; its rows written
 * next). rowsToCome: the table stays zero (a loader or quantizer writes it);
 * the package's own factories alone pass these two.
 * @returns {{ handle: Handle (its table set), optimizer: object | null }}
 */
export function openTable(numEmbeddings, embeddingDim, given, dtype = 'fp32', rowsToCome = false) {
  const m = requireModule();
  checkDim(numEmbeddings, 'numEmbeddings');
  checkDim(embeddingDim, 'embeddingDim');
  const o = normaliseOptions(given);
  // Past 2^53 an integer is out of [-N, N) for any N; the core would see it
  // wrapped through int64.
  if (o.paddingIdx !== null && !Number.isSafeInteger(o.paddingIdx)) {
    throw new RangeError(`paddingIdx = ${o.paddingIdx} is out of range [${-numEmbeddings}, ${numEmbeddings})`);
  }
  if (dtype !== 'fp32') {
    for (const key of ['sparse', 'scaleGradByFreq', 'optimizer']) {
      if (o[key]) throw new TypeError(`${key} concerns ${key === 'optimizer' ? 'training' : 'gradients'}; a quantized (${dtype}) bag is inference-only`);
    }
  }
  const optimizer = o.optimizer === null ? null : parseOptimizer(o.optimizer);
  let weight = null;
  if (o.weight !== undefined) {
    const pinned = [];
    weight = floatArray(o.weight, 'weight', pinned);
    if (weight.length !== numEmbeddings * embeddingDim) {
      throw new RangeError(`weight has length ${weight.length}, expected ${numEmbeddings * embeddingDim} (numEmbeddings x embeddingDim)`);
    }
    // A view of wasm memory (another bag's weight) is copied before the new
    // table's allocation can detach it.
    weight = settle(pinned, 'weight')(weight);
  }
  const core = new m.BagCore(numEmbeddings, embeddingDim, dtypeInfo(dtype).number);
  const describe = () => ({ numEmbeddings, embeddingDim, mode: o.mode, dtype });
  const handle = new Handle(core, hotCalls(m, core, 'BagCore'), 'EmbeddingBag', bagExplainer(describe));
  try {
    if (!core.ok()) {
      throw new RangeError(
        `a table of numEmbeddings x embeddingDim = ${numEmbeddings} x ${embeddingDim} ${dtype === 'fp32' ? 'floats' : `${dtype} values`} ` +
          `(${numEmbeddings * rowBytes(dtype, embeddingDim)} bytes) does not fit in the wasm memory ` +
          `(4 GiB in all, ${m.allocatedHeapBytes()} bytes of it in use)`,
      );
    }
    const status = core.setOptions(
      modeInfo(o.mode).number, o.paddingIdx !== null, o.paddingIdx ?? 0, o.maxNorm !== null, o.maxNorm ?? 0,
      o.normType, o.scaleGradByFreq, o.sparse, o.includeLastOffset,
    );
    if (status !== Code.ok) throw handle.error({ maxNorm: o.maxNorm, normType: o.normType, mode: o.mode });
    if (optimizer !== null && setOnCore(core, optimizer) !== Code.ok) {
      throw handle.error({ optimizer });
    }
    if (dtype !== 'fp32' || rowsToCome) {
      // Rows written next (quantize, fromQuantized, a loader).
    } else if (weight) {
      heap(core.weightPtr() + weight.length * 4).f32.set(weight, core.weightPtr() / 4);
    } else {
      const seed = seedOf(o);
      if (core.initNormal(Number(seed >> 32n), Number(seed & 0xffffffffn)) !== Code.ok) throw handle.error();
    }
  } catch (error) {
    handle.dispose();
    throw error;
  }
  const pad = o.paddingIdx;
  const options = Object.freeze({
    mode: o.mode,
    maxNorm: o.maxNorm,
    normType: o.normType,
    scaleGradByFreq: o.scaleGradByFreq,
    sparse: o.sparse,
    // Stored wrapped to [0, N), as PyTorch does.
    paddingIdx: pad === null ? null : pad < 0 ? pad + numEmbeddings : pad,
    includeLastOffset: o.includeLastOffset,
  });
  handle.table = Object.freeze({ numEmbeddings, embeddingDim, dtype, sparse: options.sparse, options });
  return { handle, optimizer };
}
