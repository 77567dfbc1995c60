// A fastText model loaded with a dtype (FastText.load(source, { dtype })):
// its input matrix -- (words + buckets) x dim floats, most of the file --
// quantized (int8 / fp16) as it streams, never held as float32, so that a
// model whose matrix is larger than the wasm memory loads: a 4M x 300
// matrix is 4.8 GB of floats, 1.2 GB of int8 rows. The output matrix (one
// row per label) stays float32. A .ftz model is small: decoded whole, then
// its input quantized.
import { joinParts, openSource, readAll } from '../sources.mjs';
import { rowBytes } from '../registry.mjs';
import { checkHead, checkInputShape, Cursor, HEAD_BYTES, MAX_TABLE_BYTES, MORE_BYTES, readBack, readDenseShape, readFront, readModel } from './reader.mjs';

// The file's first bytes are parsed again when they have doubled: linear in
// the size of the dictionary, whatever the chunks.
const FIRST_TRY_BYTES = 1 << 16;

/**
 * The parsed model of `source` ({ ..., input: { rows, cols, bag } }), its
 * input matrix in a `dtype` bag that streamedBag(rows, cols) makes
 * ({ bag, write(bytes, offset), finish() }), or that quantizeTable(model)
 * makes of a model parsed whole (a .ftz, a small file). A refusal or an
 * abort frees it. checkFront(front) may refuse the model before its
 * matrix is read.
 */
export async function readQuantizedModel(source, platform, { signal, dtype, checkFront, streamedBag, quantizeTable }) {
  const { total, chunks } = await openSource(source, platform, 'a fastText model', signal);
  const parts = [];
  let length = 0;
  let tried = 0;
  let headChecked = false;
  let front = null;
  let matrix = null; // { rows, cols, bytes, written, table }
  const tail = [];
  let tailLength = 0;
  try {
    for await (const chunk of chunks) {
      signal?.throwIfAborted();
      let data = chunk;
      if (front === null) {
        parts.push(chunk.slice());  // the reader may reuse its buffer
        length += chunk.length;
        if (!headChecked && length >= HEAD_BYTES) {
          checkHead(joinParts(parts, HEAD_BYTES));  // a file that is no model is refused here
          headChecked = true;
        }
        if (length < Math.max(FIRST_TRY_BYTES, 2 * tried)) continue;
        tried = length;
        const head = joinParts(parts, length);
        const parsed = tryFront(head);
        if (parsed === null) continue;
        parts.length = 0;
        ({ front, matrix } = parsed);
        checkFront(front);  // before the matrix is read
        if (front.quantInput) {
          // A .ftz model: the rest, whole, then decoded as without a dtype.
          tail.push(head);
          tailLength += head.length;
          continue;
        }
        checkInputShape(front.args, front.dictionary, matrix);
        const bytes = matrix.rows * rowBytes(dtype, matrix.cols);
        if (bytes > MAX_TABLE_BYTES) {
          throw new RangeError(`the fastText file's input matrix is ${matrix.rows} x ${matrix.cols}: ${bytes} bytes as ${dtype}, ` +
            `larger than a table can be (${MAX_TABLE_BYTES} bytes)`);
        }
        matrix.bytes = matrix.rows * matrix.cols * 4;
        // A known length is checked before the table is made.
        if (total !== undefined && parsed.at + matrix.bytes > total) throw shortMatrix(matrix, parsed.at + matrix.bytes - total);
        matrix.written = 0;
        matrix.table = streamedBag(matrix.rows, matrix.cols);
        data = head.subarray(parsed.at);
      }
      if (matrix !== null && !front.quantInput && matrix.written < matrix.bytes) {
        const take = Math.min(data.length, matrix.bytes - matrix.written);
        matrix.table.write(data.subarray(0, take), matrix.written);
        matrix.written += take;
        data = data.subarray(take);
      }
      if (data.length > 0) {
        tail.push(data.slice());  // a view of the chunk (the reader may reuse its buffer) or of the head
        tailLength += data.length;
      }
    }
    // A file that ended before its front was parsed (a small one): whole.
    if (front === null) return quantizeTable(readModel(joinParts(parts, length)));
    if (front.quantInput) return quantizeTable(readModel(joinParts(tail, tailLength)));
    if (matrix.written < matrix.bytes) throw shortMatrix(matrix, matrix.bytes - matrix.written);
    matrix.table.finish();
    const model = readBack(new Cursor(joinParts(tail, tailLength)), front, { rows: matrix.rows, cols: matrix.cols });
    model.input.bag = matrix.table.bag;
    return model;
  } catch (error) {
    matrix?.table?.bag.dispose();
    throw error;
  }
}

const shortMatrix = ({ rows, cols }, missing) => new RangeError(`the fastText file is truncated: its input matrix is ` +
  `${rows} x ${cols} floats, the file ends ${missing} bytes short of it`);

// The front and the input matrix's shape from the file's first bytes, or
// null when they end before the matrix's floats begin.
function tryFront(head) {
  const c = new Cursor(head, true);
  try {
    const front = readFront(c);
    const matrix = front.quantInput ? {} : readDenseShape(c, 'input');
    return { front, matrix, at: c.at };
  } catch (error) {
    if (error === MORE_BYTES) return null;
    throw error;
  }
}

/** A whole fastText file (no dtype): its bytes, the head checked first. */
export function readWholeModel(source, platform, signal) {
  return readAll(source, platform, 'a fastText model', { signal, head: { bytes: HEAD_BYTES, check: checkHead } });
}
