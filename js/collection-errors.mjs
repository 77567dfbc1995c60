// The Error of an EmbeddingBagCollection core's last status: errors.mjs's
// (the words are the code's in include/ebag/status_codes.inc), with what
// only the collection knows: a position in the KeyedJaggedTensor named by
// its key, sample and table, and a table's own failure prefixed with the
// table (and key) it concerns.
import { show, statusError } from './errors.mjs';
import { lastStatus } from './handle.mjs';

// Arguments that are the KJT's own (their positions are located, not prefixed).
const KJT_ARGUMENTS = new Set(['values', 'lengths', 'offsets', 'weights', 'table']);

/**
 * explain(core, context) for the collection's handle. tables: [{ name, bag }],
 * features: [{ name, table }]. context: what the failed call read ({ keys,
 * bounds, hasLengths, batch, numValues }), empty for training calls.
 */
export function collectionExplainer(tables, features) {
  return (core, { keys, bounds, hasLengths, batch, numValues } = {}) => {
    const status = lastStatus(core);
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
    // Where a position is: an id (its key, sample and table), or a bag of
    // lengths / offsets (its key and sample; an offset ends the bag before it).
    const where = ({ argument, position: p }) => {
      if (argument === 'values' && key !== null) return ` (key ${show(key)}, sample ${sampleOf(p)}, table ${show(table.name)})`;
      const bag = argument === 'offsets' ? p - 1 : p;
      if ((argument === 'lengths' || argument === 'offsets') && keys && bag >= 0 && bag < keys.length * batch) {
        return ` (key ${show(features[keys[Math.floor(bag / batch)]].name)}, sample ${bag % batch})`;
      }
      return '';
    };
    const { bag } = table ?? {};
    const error = statusError(status, {
      ...(table === null ? {} : { numEmbeddings: bag.numEmbeddings, embeddingDim: bag.embeddingDim, mode: bag.mode, dtype: bag.dtype }),
      table: table === null ? undefined : show(table.name),
      where,
      offsets: hasLengths === false ? bounds : undefined,
      indexName: 'values',
      numIndices: numValues,
      boundsName: hasLengths ? 'lengths sum' : 'offsets end',
    });
    if (table !== null && !KJT_ARGUMENTS.has(status.argument)) {
      error.message = `table ${show(table.name)}${key !== null ? `, key ${show(key)}` : ''}: ${error.message}`;
    }
    return error;
  };
}
