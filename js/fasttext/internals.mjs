// What the trainer (train.mjs) reaches inside a FastText model it trains:
// its input and output bags and its dictionary, registered by the model's
// constructor. Not part of the package's exports.
export const modelParts = new WeakMap();
