// The Error of an EmbeddingBagCollection core's last status. A position in
// the KeyedJaggedTensor is named with its key, sample and table; everything
// else is errors.mjs's wording of the code, prefixed with the table it
// concerns.
import { show, statusError } from './errors.mjs';
import { lastStatus } from './handle.mjs';
import { codeName } from './registry.mjs';

/**
 * explain(core, context) for the collection's handle. tables: [{ name, bag }],
 * features: [{ name, table }]. context: what the failed call read ({ keys,
 * bounds, hasLengths, batch, numValues }), empty for training calls.
 */
export function collectionExplainer(tables, features) {
  return (core, { keys, bounds, hasLengths, batch, numValues } = {}) => {
    const status = lastStatus(core);
    const { argument, position, value } = status;
    const k = core.errorKey();
    const t = core.errorTable();
    const table = t >= 0 ? tables[t] : null;
    const key = k >= 0 && keys ? features[keys[k]].name : null;
    // The sample whose bag holds values[p] (key k's bags).
    const sampleOf = (p) => {
      let start = hasLengths ? 0 : bounds[k * batch];
      if (hasLengths) for (let i = 0; i < k * batch; i++) start += bounds[i];
      for (let b = 0; b < batch; b++) {
        const end = hasLengths ? start + bounds[k * batch + b] : bounds[k * batch + b + 1];
        if (p < end) return b;
        start = end;
      }
      return batch - 1;
    };
    const keyOfBag = (p) => `key ${show(features[keys[Math.floor(p / batch)]].name)}, sample ${p % batch}`;
    switch (codeName(status.code)) {
      case 'indexOutOfRange':
        if (argument === 'values' && key !== null) {
          return new RangeError(`values[${position}] = ${value} is out of range [0, ${table.bag.numEmbeddings}) ` +
            `(key ${show(key)}, sample ${sampleOf(position)}, table ${show(table.name)})`);
        }
        break;
      case 'negativeSize':
        return new RangeError(`lengths[${position}] = ${value} is negative (${keyOfBag(position)})`);
      case 'offsetsDecreasing':
        return new RangeError(`offsets[${position}] = ${value} is less than offsets[${position - 1}] (${keyOfBag(position - 1)})`);
      case 'offsetPastEnd':
        return new RangeError(`offsets[${position}] = ${value} is past the end of values (${numValues} ids)`);
      case 'lengthMismatch':
        if (argument === 'values') {
          return new RangeError(`${hasLengths ? 'lengths sum' : 'offsets end'} to ${value}, but values has ${numValues} ids`);
        }
        break;
      case 'tableCalledAlone':
        return new Error(`table ${show(table.name)} was used on its own (forward) since the collection's forward(): ` +
          'run the collection\'s forward() again before its backward()');
      default:
        break;
    }
    const { bag } = table ?? {};
    const context = table === null ? {} : { numEmbeddings: bag.numEmbeddings, embeddingDim: bag.embeddingDim, mode: bag.mode, dtype: bag.dtype };
    const error = statusError(status, context);
    if (table !== null) error.message = `table ${show(table.name)}${key !== null ? `, key ${show(key)}` : ''}: ${error.message}`;
    return error;
  };
}
