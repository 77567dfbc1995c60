// esbuild --inject for dist/index.cjs: CommonJS has no import.meta.url.
export const import_meta_url = require('node:url').pathToFileURL(__filename).href;
