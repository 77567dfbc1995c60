// The per-call methods of a BagCore or CollectionCore (every forward,
// backward and step makes a few), straight to the plain wasm exports that
// bindings/hot_calls.cc generates from bindings/hot_calls.inc: one closure
// per method and object, made once, from the list the module's registry
// carries (registry.mjs), so no list is kept here. Embind's invokers, built
// without eval for strict Content-Security-Policy pages, are generic and
// slow on a per-call path. Addresses are read unsigned (>>> 0). Only a
// handle calls these, and only while its core is alive.
import { hotCallsOf } from './registry.mjs';

// One closure of `arity` arguments after the object: a fixed-arity function
// per call site (no rest arguments, no spread on the per-call path).
function bind(fn, self, arity, address) {
  switch (arity) {
    case 0: return address ? () => fn(self) >>> 0 : () => fn(self);
    case 1: return address ? (a) => fn(self, a) >>> 0 : (a) => fn(self, a);
    case 2: return address ? (a, b) => fn(self, a, b) >>> 0 : (a, b) => fn(self, a, b);
    case 3: return address ? (a, b, c) => fn(self, a, b, c) >>> 0 : (a, b, c) => fn(self, a, b, c);
    case 4: return address ? (a, b, c, d) => fn(self, a, b, c, d) >>> 0 : (a, b, c, d) => fn(self, a, b, c, d);
    case 5: return address ? (a, b, c, d, e) => fn(self, a, b, c, d, e) >>> 0 : (a, b, c, d, e) => fn(self, a, b, c, d, e);
    default: throw new Error(`embedding-bag-wasm: a per-call export of ${arity} arguments (hot_calls.inc) has no binding here`);
  }
}

/** The per-call methods of `core` (an Embind object of class `className`), by camelCase name. */
export function hotCalls(m, core, className) {
  const self = core.address();
  const calls = {};
  for (const { name, export: exported, arity, address } of hotCallsOf(className)) {
    calls[name] = bind(m[exported], self, arity, address);
  }
  return Object.freeze(calls);
}
