// embedding-bag-wasm/fasttext: fastText supervised models (.bin, .ftz) on
// the package's EmbeddingBag. A text's hidden vector is the `mean` bag of its
// input rows (words, char n-grams, word n-grams: dictionary.mjs), the output
// layer one ebag::row_dots call (fastText's dotRow, in wasm), then its loss
// (losses.mjs). FastText (fasttext.mjs) and FastTextTrainer (train.mjs) are
// two views of one FastTextModel (model.mjs).
export { FastText } from './fasttext.mjs';
export { FastTextTrainer } from './train.mjs';
