// The scaled modes' golden cases (sqrtn, weighted mean; dense and sparse
// gradients, quantized rows) in Chromium and Firefox, on both variants: the page served
// cross-origin isolated runs the threaded build, not isolated the
// single-threaded one. The same checkers as Node's (tests/golden/check_case.mjs,
// check_collection.mjs, collection_fuzz.mjs: random collections against one
// EmbeddingBag per (feature, table); check_fasttext.mjs: fastText's models
// and its own answers, through embedding-bag-wasm/fasttext; check_optimizer.mjs:
// training against PyTorch; training_digest.mjs: the same bits as in Node).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { BROWSERS, useBrowser, withDemoPage } from './browsers.mjs';

for (const name of BROWSERS) describe(`golden cases in ${name}`, { timeout: 120_000 }, () => {
  const handle = useBrowser(name);
  for (const isolated of [true, false]) {
    test(`sqrtn and weighted mean match the float64 formula, EmbeddingBagCollection matches PyTorch and its definition, fastText models match fastText, training matches PyTorch with the same bits as Node (${isolated ? 'threaded' : 'one thread'})`, () =>
      withDemoPage(handle.browser, isolated, async (page) => {
        const result = await page.evaluate(async () => {
          const { EmbeddingBag, EmbeddingBagCollection } = await import('/js/index.browser.mjs');
          const { checkGoldenCase } = await import('/tests/golden/check_case.mjs');
          const { checkCollectionCase } = await import('/tests/golden/check_collection.mjs');
          const { fuzzCollections } = await import('/tests/golden/collection_fuzz.mjs');
          const { checkOptimizerCase } = await import('/tests/golden/check_optimizer.mjs');
          const { TRAINING_DIGEST, trainingDigest } = await import('/tests/golden/training_digest.mjs');
          const training = (await (await fetch('/tests/golden/optimizer_golden.json')).json()).cases;
          const { cases } = await (await fetch('/tests/golden/scaled_golden.json')).json();
          const collections = (await (await fetch('/tests/golden/collection_golden.json')).json()).cases;
          // An id out of range: the error names key, sample and table; the
          // collection still answers as before.
          const ebc = new EmbeddingBagCollection([
            { name: 't_user', numEmbeddings: 10, embeddingDim: 2, featureNames: ['user_id'] },
            { name: 't_item', numEmbeddings: 5, embeddingDim: 3, featureNames: ['item_id', 'history'], pooling: 'mean' },
          ], { seed: 3 });
          const kjt = { keys: ['user_id', 'item_id', 'history'], values: [1, 2, 3, 4, 0, 1, 2], lengths: [1, 1, 1, 1, 2, 1] };
          const before = Array.from(ebc.forward(kjt).values);
          let error = null;
          try {
            ebc.forward({ ...kjt, values: [1, 2, 3, 4, 0, 1, 7] });
          } catch (e) {
            error = `${e.name}: ${e.message}`;
          }
          const after = Array.from(ebc.forward(kjt).values);
          ebc.dispose();
          // fastText's own answers for its models (check_fasttext.mjs), models fetched.
          const { FastText } = await import('/js/fasttext/index.mjs');
          const { checkFastTextModel } = await import('/tests/golden/check_fasttext.mjs');
          const fastTextGolden = await (await fetch('/tests/golden/fasttext_golden.json')).json();
          const fastText = [];
          for (const model of fastTextGolden.models) {
            const ft = await FastText.load(await fetch(`/tests/golden/fasttext/${model.file}`));
            fastText.push(...checkFastTextModel(ft, model));
            ft.dispose();
          }
          return {
            variant: globalThis.demo.state.info.variant,
            cases: cases.length,
            collections: collections.length,
            fuzz: fuzzCollections({ EmbeddingBag, EmbeddingBagCollection }, 1, 60),
            fastText,
            fastTextModels: fastTextGolden.models.length,
            training: training.length,
            trainingFailures: training.flatMap((c) => checkOptimizerCase(EmbeddingBag, c)),
            digest: [trainingDigest(EmbeddingBag, EmbeddingBagCollection), TRAINING_DIGEST],
            error,
            unchanged: before.join() === after.join(),
            modes: [...new Set(cases.map((c) => c.mode))].sort(),
            failures: [...cases.flatMap((c) => checkGoldenCase(EmbeddingBag, c)),
              ...collections.flatMap((c) => checkCollectionCase(EmbeddingBagCollection, c))],
          };
        });
        assert.equal(result.variant, isolated ? 'simd-threaded' : 'simd');
        assert.ok(result.fastTextModels >= 9);
        assert.ok(result.training >= 60);
        assert.deepEqual(result.trainingFailures, []);
        assert.equal(result.digest[0], result.digest[1]);
        assert.deepEqual(result.fastText, []);
        assert.ok(result.cases >= 30);
        assert.ok(result.collections >= 7);
        assert.deepEqual(result.fuzz, []);
        assert.equal(result.error, 'RangeError: values[6] = 7 is out of range [0, 5) (key "history", sample 1, table "t_item")');
        assert.ok(result.unchanged);
        assert.deepEqual(result.modes, ['mean', 'sqrtn']);
        assert.deepEqual(result.failures, []);
        assert.deepEqual(page.problems, []);
      }));
  }
});
