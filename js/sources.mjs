// Where a weight file's bytes come from, as { total, chunks }: `total` the
// byte length when known before reading (else undefined), `chunks` an async
// iterable of Uint8Arrays. The platform-independent sources are here (bytes,
// Blob / File, Response, ReadableStream, http(s) URLs through fetch); paths
// and file URLs are the platform's (index.node.mjs), and in the browser every
// string or URL is fetched.
import { show } from './errors.mjs';

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
// early (the loader has what it needs, an error, an abort).
async function* streamChunks(stream) {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield bytesOf(value);
    }
  } finally {
    if (!finished) reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

// A response's length, when its body is not re-encoded on the way (a
// Content-Encoding makes Content-Length the compressed size).
function responseLength(response) {
  if (response.headers.get('content-encoding')) return undefined;
  const length = Number(response.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** A fetch() Response as a source; `what` names it in errors. */
export function responseSource(response, what) {
  if (!response.ok) throw new Error(`embedding-bag-wasm: cannot fetch ${what} (HTTP ${response.status})`);
  if (response.bodyUsed) throw new TypeError(`${what}: the Response's body was already read`);
  if (response.body === null) return { total: 0, chunks: [] };
  return { total: responseLength(response), chunks: streamChunks(response.body) };
}

/** A URL fetched (signal aborts the download). */
export async function fetchSource(url, signal) {
  const response = await fetch(url, signal ? { signal } : undefined);
  return responseSource(response, String(url));
}

/** Whether `source` is a string or URL object naming an http(s) URL. */
export function isHttpUrl(source) {
  const text = typeof source === 'string' ? source : typeof source?.href === 'string' ? source.href : null;
  return text !== null && /^https?:\/\//i.test(text);
}

/**
 * The source's bytes. `platform.openSource(source, signal)` handles strings
 * and URL objects; `format` names the file in errors.
 */
export async function openSource(source, platform, format, signal) {
  if (source instanceof Uint8Array) return { total: source.byteLength, chunks: [source] };
  if (source instanceof ArrayBuffer) return { total: source.byteLength, chunks: [new Uint8Array(source)] };
  if (ArrayBuffer.isView(source)) {
    return { total: source.byteLength, chunks: [new Uint8Array(source.buffer, source.byteOffset, source.byteLength)] };
  }
  if (hasGlobal('Blob') && source instanceof Blob) return { total: source.size, chunks: streamChunks(source.stream()) };
  if (hasGlobal('Response') && source instanceof Response) return responseSource(source, `${format} response ${source.url || ''}`.trim());
  if (hasGlobal('ReadableStream') && source instanceof ReadableStream) return { total: undefined, chunks: streamChunks(source) };
  if (typeof source === 'string' || typeof source?.href === 'string') return platform.openSource(source, signal);
  throw new TypeError(`${format} source must be bytes (Uint8Array, ArrayBuffer), a Blob, a Response, a ReadableStream, ` +
    `a path or a URL, not ${show(source)}`);
}

/**
 * The whole of a source, as one Uint8Array (a format parsed at once, like a
 * fastText model). Each chunk is copied as it arrives: a reader may yield
 * views of one buffer it reuses for the next chunk. A Response is read with
 * arrayBuffer(): Chromium can list a body read through a stream reader as
 * an aborted request even when every byte arrived.
 */
export async function readAll(source, platform, format) {
  if (hasGlobal('Response') && source instanceof Response && source.ok && !source.bodyUsed) {
    return new Uint8Array(await source.arrayBuffer());
  }
  const { chunks } = await openSource(source, platform, format);
  if (Array.isArray(chunks) && chunks.length === 1) return chunks[0];
  const parts = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk.slice());
    length += chunk.byteLength;
  }
  if (parts.length === 1) return parts[0];
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  return bytes;
}
