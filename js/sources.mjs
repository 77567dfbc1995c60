// Where a weight file's bytes come from, as { total, chunks }: `total` the
// byte length when known before reading (else undefined), `chunks` an async
// iterable of Uint8Arrays. The platform-independent sources are here (bytes,
// Blob / File, Response, ReadableStream, http(s) URLs through fetch); paths
// and file URLs are the platform's (index.node.mjs), and in the browser every
// string or URL is fetched.
import { isArray, show } from './errors.mjs';
import { isDetached } from './snapshot.mjs';

const hasGlobal = (name) => typeof globalThis[name] === 'function';

// A stream's chunk as bytes: a Uint8Array as it is, another view or an
// ArrayBuffer viewed as bytes; anything else (a string) is a TypeError.
function bytesOf(value) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`a weight file's stream must yield bytes (Uint8Array), not ${show(value)}`);
}

// Reads a ReadableStream to its end, or cancels it when the consumer stops
// early (the loader has what it needs, an error) or `signal` aborts: a
// pending read then ends at once, even when the stream has stalled.
async function* streamChunks(stream, signal) {
  const reader = stream.getReader();
  const cancel = () => reader.cancel(signal.reason).catch(() => {});
  signal?.addEventListener('abort', cancel, { once: true });
  let finished = false;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) {
        finished = true;
        return;
      }
      yield bytesOf(value);
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
    if (!finished) reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

// `chunks` whose every read settles as soon as `signal` aborts (with its
// reason), whatever the source is waiting for; the source is then closed
// (its return() runs once its pending read ends: a stream's was cancelled
// above, a file's read completes).
function abortable(chunks, signal) {
  if (!signal) return chunks;
  return {
    [Symbol.asyncIterator]() {
      const source = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
      let reject;
      const aborted = new Promise((_, no) => { reject = no; });
      aborted.catch(() => {});
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      let open = true;
      const close = () => {
        if (!open) return;
        open = false;
        signal.removeEventListener('abort', onAbort);
        Promise.resolve().then(() => source.return?.()).catch(() => {});
      };
      return {
        async next() {
          try {
            signal.throwIfAborted();
            const step = await Promise.race([source.next(), aborted]);
            if (step.done) close();
            return step;
          } catch (error) {
            close();
            throw error;
          }
        },
        async return() {
          close();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

// A response's length, when its body is not re-encoded on the way (a
// Content-Encoding makes Content-Length the compressed size).
function responseLength(response) {
  if (response.headers.get('content-encoding')) return undefined;
  const length = Number(response.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** A fetch() Response as a source; `what` names it in errors. */
export function responseSource(response, what, signal) {
  if (!response.ok) throw new Error(`embedding-bag-wasm: cannot fetch ${what} (HTTP ${response.status})`);
  if (response.bodyUsed) throw new TypeError(`${what}: the Response's body was already read`);
  if (response.body === null) return { total: 0, chunks: [] };
  return { total: responseLength(response), chunks: streamChunks(response.body, signal) };
}

/** A URL fetched (signal aborts the download). */
export async function fetchSource(url, signal) {
  const response = await fetch(url, signal ? { signal } : undefined);
  return responseSource(response, String(url), signal);
}

/**
 * A source that can be read more than once: `source` itself (bytes, a Blob,
 * a path or URL), or the bytes of a Response or ReadableStream, whose body
 * is read once.
 */
export async function rereadable(source, platform, format, signal) {
  isArray(source, `${format} source`);  // a revoked Proxy is refused here, by name
  const once = (hasGlobal('Response') && source instanceof Response) || (hasGlobal('ReadableStream') && source instanceof ReadableStream);
  return once ? readAll(source, platform, format, { signal }) : source;
}

/**
 * Random access to a source that allows it: { size, read(offset, length)
 * (a Promise of at most `length` bytes), close() } for bytes, a Blob and (in
 * Node) a path or file: URL; null for a Response, a stream or a URL to
 * fetch, which are read from their start.
 */
export async function rangedSource(source, platform, format) {
  isArray(source, `${format} source`);  // a revoked Proxy is refused here, by name
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source)
    : ArrayBuffer.isView(source) && !isDetached(source.buffer) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : null;
  if (bytes !== null) {
    return { size: bytes.byteLength, read: async (offset, length) => bytes.subarray(offset, offset + length), close: async () => {} };
  }
  if (hasGlobal('Blob') && source instanceof Blob) {
    return {
      size: source.size,
      read: async (offset, length) => new Uint8Array(await source.slice(offset, offset + length).arrayBuffer()),
      close: async () => {},
    };
  }
  if ((typeof source === 'string' || typeof source?.href === 'string') && !isHttpUrl(source) && platform.openRanged) {
    return platform.openRanged(source);
  }
  return null;
}

/** A loader's options.onProgress and options.signal, checked before anything is read. */
export function checkLoadOptions(onProgress, signal) {
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(`onProgress = ${show(onProgress)} must be a function ({ loadedBytes, totalBytes }) => void`);
  }
  checkSignal(signal);
}

/** `signal` (undefined, or an AbortSignal: else a TypeError), returned. */
export function checkSignal(signal) {
  if (signal !== undefined && !(typeof AbortSignal === 'function' && signal instanceof AbortSignal)) {
    throw new TypeError(`signal = ${show(signal)} must be an AbortSignal`);
  }
  return signal;
}

/** Whether `source` is a string or URL object naming an http(s) URL. */
export function isHttpUrl(source) {
  const text = typeof source === 'string' ? source : typeof source?.href === 'string' ? source.href : null;
  return text !== null && /^https?:\/\//i.test(text);
}

/**
 * The source's bytes. `platform.openSource(source, signal)` handles strings
 * and URL objects; `format` names the file in errors. An abort of `signal`
 * settles the read under way at once, with its reason.
 */
export async function openSource(source, platform, format, signal) {
  signal?.throwIfAborted();
  const opened = await open(source, platform, format, signal);
  signal?.throwIfAborted();
  return { total: opened.total, chunks: abortable(opened.chunks, signal) };
}

async function open(source, platform, format, signal) {
  isArray(source, `${format} source`);  // a revoked Proxy is refused here, by name
  const buffer = source instanceof ArrayBuffer ? source : ArrayBuffer.isView(source) ? source.buffer : null;
  if (buffer !== null && isDetached(buffer)) throw new TypeError(`${format} source is detached (its buffer was transferred): pass live bytes`);
  if (source instanceof Uint8Array) return { total: source.byteLength, chunks: [source] };
  if (source instanceof ArrayBuffer) return { total: source.byteLength, chunks: [new Uint8Array(source)] };
  if (ArrayBuffer.isView(source)) {
    return { total: source.byteLength, chunks: [new Uint8Array(source.buffer, source.byteOffset, source.byteLength)] };
  }
  if (hasGlobal('Blob') && source instanceof Blob) return { total: source.size, chunks: streamChunks(source.stream(), signal) };
  if (hasGlobal('Response') && source instanceof Response) return responseSource(source, `${format} response ${source.url || ''}`.trim(), signal);
  if (hasGlobal('ReadableStream') && source instanceof ReadableStream) return { total: undefined, chunks: streamChunks(source, signal) };
  if (typeof source === 'string' || typeof source?.href === 'string') return platform.openSource(source, signal);
  throw new TypeError(`${format} source must be bytes (Uint8Array, ArrayBuffer), a Blob, a Response, a ReadableStream, ` +
    `a path or a URL, not ${show(source)}`);
}

// The longest file read whole: the longest Uint8Array every supported
// engine makes (Node 20's is 2^32 bytes).
export const MAX_WHOLE_BYTES = 2 ** 32 - 1;

/**
 * The whole of a source, as one Uint8Array (a format parsed at once, like a
 * fastText model). Each chunk is copied as it arrives: a reader may yield
 * views of one buffer it reuses for the next chunk.
 * options.signal: aborts the read at any time; options.onProgress hears of
 * every chunk ({ loadedBytes, totalBytes }). options.maxBytes: a source
 * longer than that is refused (before reading, when its length is known).
 * options.head = { bytes, check(prefix, total) }: check runs on the first
 * `bytes` bytes (all of a shorter source) before the rest is read, and
 * throws to refuse the file (a wrong magic number: not the format).
 * A Response without a signal is read with arrayBuffer(): Chromium can list
 * a body read through a stream reader as an aborted request even when every
 * byte arrived.
 */
export async function readAll(source, platform, format, { signal, onProgress, maxBytes = MAX_WHOLE_BYTES, head } = {}) {
  isArray(source, `${format} source`);  // a revoked Proxy is refused here, by name
  const tooLong = (length) => new RangeError(`${format} of ${length} bytes is longer than the ${maxBytes} bytes it may have`);
  if (!signal && !onProgress && hasGlobal('Response') && source instanceof Response && source.ok && !source.bodyUsed) {
    const total = responseLength(source);
    if (total !== undefined && total > maxBytes) throw tooLong(total);
    const bytes = new Uint8Array(await source.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw tooLong(bytes.byteLength);
    head?.check(bytes.subarray(0, head.bytes), bytes.byteLength);
    return bytes;
  }
  const { total, chunks } = await openSource(source, platform, format, signal);
  if (total !== undefined && total > maxBytes) throw tooLong(total);
  const parts = [];
  let length = 0;
  let checked = head === undefined;
  const checkHead = () => {
    checked = true;
    head.check(joinParts(parts, Math.min(length, head.bytes)), total);
  };
  const iterator = chunks[Symbol.asyncIterator] ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  try {
    for (;;) {
      const { done, value: chunk } = await iterator.next();
      if (done) break;
      length += chunk.byteLength;
      if (length > maxBytes) throw tooLong(total ?? `more than ${maxBytes}`);
      onProgress?.({ loadedBytes: length, totalBytes: total });
      // A whole source given as bytes is used as it is.
      parts.push(Array.isArray(chunks) ? chunk : chunk.slice());
      if (!checked && length >= head.bytes) checkHead();
    }
  } catch (error) {
    await iterator.return?.();
    throw error;
  }
  if (!checked) checkHead();
  return parts.length === 1 ? parts[0] : joinParts(parts, length);
}

/** The first `count` bytes of a list of chunks, as one array (one copy; the chunk itself when it is all of them). */
export function joinParts(parts, count) {
  if (parts.length === 1 && parts[0].byteLength === count) return parts[0];
  const bytes = new Uint8Array(count);
  let at = 0;
  for (const part of parts) {
    if (at >= count) break;
    const piece = part.subarray(0, count - at);
    bytes.set(piece, at);
    at += piece.byteLength;
  }
  return bytes;
}
