// fastText's prediction from a hidden vector (src/loss.cc, 0.9.2), in
// fastText's float32 arithmetic: Math.fround where fastText rounds to float.
// Every loss ends in a list of [log score, label] sorted by score; the
// probability fastText prints is expf(score), score = log(p + 1e-5).

const f32 = Math.fround;
const SIGMOID_TABLE_SIZE = 512;
const MAX_SIGMOID = 8;

// fastText's std_log: log(x + 1e-5) in double, stored as float.
const stdLog = (x) => f32(Math.log(f32(x) + 1e-5));

// The 513-entry sigmoid table of ova and ns (no interpolation).
const SIGMOID = Float32Array.from({ length: SIGMOID_TABLE_SIZE + 1 }, (_, i) => {
  const x = f32(f32(i * 2 * MAX_SIGMOID) / SIGMOID_TABLE_SIZE - MAX_SIGMOID);
  return 1 / (1 + f32(Math.exp(-x)));
});

function tableSigmoid(x) {
  if (x < -MAX_SIGMOID) return 0;
  if (x > MAX_SIGMOID) return 1;
  const i = Math.trunc(f32(f32(f32(f32(x + MAX_SIGMOID) * SIGMOID_TABLE_SIZE) / MAX_SIGMOID) / 2));
  return SIGMOID[i];
}

// fastText keeps its best predictions in a std::vector heap under
// comparePairs (a.score > b.score: the front is the worst kept). Equal
// scores are common (ova's and ns's sigmoid is a table), so which of them
// are kept, and their order, follow libstdc++'s heap algorithms
// (bits/stl_heap.h), reproduced here step for step.
const better = (a, b) => a[0] > b[0];

function siftUp(heap, hole, top, value) {
  let parent = Math.floor((hole - 1) / 2);
  while (hole > top && better(heap[parent], value)) {
    heap[hole] = heap[parent];
    hole = parent;
    parent = Math.floor((hole - 1) / 2);
  }
  heap[hole] = value;
}

function adjust(heap, hole, length, value) {
  const top = hole;
  let child = hole;
  while (child < Math.floor((length - 1) / 2)) {
    child = 2 * (child + 1);
    if (better(heap[child], heap[child - 1])) child--;
    heap[hole] = heap[child];
    hole = child;
  }
  if ((length & 1) === 0 && child === Math.floor((length - 2) / 2)) {
    child = 2 * (child + 1);
    heap[hole] = heap[child - 1];
    hole = child - 1;
  }
  siftUp(heap, hole, top, value);
}

// std::pop_heap over heap[0, length): the front to heap[length - 1].
function popHeap(heap, length) {
  if (length <= 1) return;
  const value = heap[length - 1];
  heap[length - 1] = heap[0];
  adjust(heap, 0, length - 1, value);
}

// fastText's push_back + push_heap, then pop_heap + pop_back past k.
function keep(heap, k, entry) {
  heap.push(entry);
  siftUp(heap, heap.length - 1, 0, entry);
  if (heap.length > k) {
    popHeap(heap, heap.length);
    heap.pop();
  }
}

// std::sort_heap: best first.
function sortHeap(heap) {
  for (let length = heap.length; length > 1; length--) popHeap(heap, length);
  return heap;
}

// loss.cc findKBest: the k best of `output` at or above `threshold`
// (unshifted), best first.
// Once the heap is full, most outputs are below its front: when (x + 1e-5)
// is under (front + 1e-5) x (1 - 4e-6), log(x + 1e-5) is at least 4e-6 below
// the front's score, more than four float steps (a score lies in
// [log(1e-5), 0], where a step is at most 2^-20), so it rounds below it and
// fastText's own test (score < front's score) holds without the log.
function kBest(output, k, threshold) {
  const heap = [];
  let frontOutput = 0;
  for (let i = 0; i < output.length; i++) {
    const x = output[i];
    if (x < threshold) continue;
    if (heap.length === k && x + 1e-5 < (frontOutput + 1e-5) * (1 - 4e-6)) continue;
    const score = stdLog(x);
    if (heap.length === k && score < heap[0][0]) continue;
    keep(heap, k, [score, i, x]);
    frontOutput = heap[0][2];
  }
  return sortHeap(heap);
}

// Both write their probabilities over `scores` (the caller's scratch).
function softmax(scores, k, threshold) {
  let max = scores[0];
  for (let i = 0; i < scores.length; i++) max = Math.max(scores[i], max);
  const output = scores;
  let z = 0;
  for (let i = 0; i < scores.length; i++) {
    output[i] = Math.exp(f32(scores[i] - max));
    z = f32(z + output[i]);
  }
  for (let i = 0; i < scores.length; i++) output[i] = output[i] / z;
  return kBest(output, k, threshold);
}

function binaryLogistic(scores, k, threshold) {
  for (let i = 0; i < scores.length; i++) scores[i] = tableSigmoid(scores[i]);
  return kBest(scores, k, threshold);
}

/**
 * Hierarchical softmax: the Huffman tree of the label counts (loss.cc
 * buildTree) walked from the root, multiplying (p + 1e-5) along the path.
 */
export class HuffmanTree {
  constructor(counts) {
    const osz = counts.length;
    this.osz = osz;
    const size = 2 * osz - 1;
    this.left = new Int32Array(size).fill(-1);
    this.right = new Int32Array(size).fill(-1);
    const count = new Float64Array(size).fill(1e15);
    for (let i = 0; i < osz; i++) count[i] = counts[i];
    let leaf = osz - 1;
    let node = osz;
    for (let i = osz; i < size; i++) {
      const mini = [0, 0];
      for (let j = 0; j < 2; j++) {
        if (leaf >= 0 && count[leaf] < count[node]) mini[j] = leaf--;
        else mini[j] = node++;
      }
      this.left[i] = mini[0];
      this.right[i] = mini[1];
      count[i] = count[mini[0]] + count[mini[1]];
    }
  }

  // scores[r]: the dot of output row r (node r + osz) with the hidden vector.
  // fastText's recursive dfs, walked with a stack of its own (a tree of many
  // labels can be as deep as it has labels): nodes are visited in the same
  // order, left subtree first, so ties come out as fastText's do.
  predict(scores, k, threshold) {
    const heap = [];
    const floor = stdLog(threshold);
    if (this.osz === 0) return heap;
    const nodes = [2 * this.osz - 2];
    const pathScores = [0];
    while (nodes.length > 0) {
      const node = nodes.pop();
      const score = pathScores.pop();
      if (score < floor) continue;
      if (heap.length === k && score < heap[0][0]) continue;
      if (this.left[node] === -1 && this.right[node] === -1) {
        keep(heap, k, [score, node]);
        continue;
      }
      const f = f32(1 / f32(1 + f32(Math.exp(-scores[node - this.osz]))));
      nodes.push(this.right[node], this.left[node]);
      pathScores.push(f32(score + stdLog(f)), f32(score + stdLog(1 - f)));
    }
    return sortHeap(heap);
  }
}

/**
 * The prediction function of a loss: (scores, k, threshold) -> [[log score,
 * label], ...], best first; it may overwrite `scores`.
 */
export function predictor(loss, labelCounts) {
  if (loss === 'softmax') return softmax;
  if (loss === 'ova' || loss === 'ns') return binaryLogistic;
  if (loss === 'hs') {
    const tree = new HuffmanTree(labelCounts);
    return (scores, k, threshold) => tree.predict(scores, k, threshold);
  }
  throw new TypeError(`fastText loss ${loss} cannot predict`);
}
