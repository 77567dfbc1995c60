// A restricted unpickler for what torch.save writes (pickle protocols 2 to
// 5; Python's Lib/pickle.py and pickletools.py define the opcodes): it builds
// values and executes nothing. The only globals are those torch.save writes
// for tensors and containers (GLOBALS); any other is a TypeError naming it,
// raised when the opcode is read, before anything is allocated for tensors.
// REDUCE and BUILD apply only to those globals.
//
// Values: None -> null, bool, int (a Number when safe, else a BigInt),
// float, str, bytes (Uint8Array), tuple and list -> Array (a tuple frozen),
// dict and OrderedDict -> Map, a storage (persistent id) -> Storage, a
// tensor -> Tensor.

/** A tensor's storage: one record of the archive. */
export class Storage {
  constructor(dtype, key, numel) {
    this.dtype = dtype;
    this.key = key;
    this.numel = numel;
  }
}

/** A tensor: a view (offset, shape, stride, in elements) of a storage. */
export class Tensor {
  constructor(storage, offset, shape, stride) {
    this.storage = storage;
    this.offset = offset;
    this.shape = shape;
    this.stride = stride;
  }
}

// The storage classes torch.save names, by the dtype of their elements.
export const STORAGE_DTYPES = Object.freeze({
  FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16', DoubleStorage: 'F64', ByteStorage: 'U8',
  CharStorage: 'I8', ShortStorage: 'I16', IntStorage: 'I32', LongStorage: 'I64', BoolStorage: 'BOOL',
});

const GLOBAL_NAMES = [
  'collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter',
  ...Object.keys(STORAGE_DTYPES).map((name) => `torch.${name}`),
];

// A global allowed by name: what REDUCE / BUILD / a persistent id may use.
class Global {
  constructor(name) { this.name = name; }
}

const corrupt = (what) => new RangeError(`the .pt file's pickle is truncated or corrupt: ${what}`);

function isInt(v) { return typeof v === 'bigint' || Number.isInteger(v); }
const count = (v, what) => {
  if (!(Number.isSafeInteger(v) && v >= 0)) throw corrupt(`${what} is ${typeof v === 'bigint' ? `${v}n` : v}`);
  return v;
};

// A tuple of non-negative safe integers (a size or stride).
function dims(v, what) {
  if (!Array.isArray(v)) throw corrupt(`${what} is not a tuple`);
  return v.map((d, i) => count(d, `${what}[${i}]`));
}

function reduce(callable, args) {
  if (!(callable instanceof Global)) throw new TypeError('the .pt file calls something other than an allowed global (REDUCE)');
  if (!Array.isArray(args)) throw corrupt(`${callable.name}'s arguments are not a tuple`);
  switch (callable.name) {
    case 'collections.OrderedDict':
      if (args.length !== 0) throw corrupt('OrderedDict with arguments');
      return new Map();
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, shape, stride] = args;
      if (!(storage instanceof Storage)) throw corrupt('a tensor without a storage');
      const size = dims(shape, 'a tensor size');
      const strides = dims(stride, 'a tensor stride');
      if (size.length !== strides.length) throw corrupt(`a tensor of size [${size}] with strides [${strides}]`);
      return new Tensor(storage, count(offset, 'a storage offset'), size, strides);
    }
    case 'torch._utils._rebuild_parameter':
      if (!(args[0] instanceof Tensor)) throw corrupt('a parameter without a tensor');
      return args[0];
    default:
      throw new TypeError(`the .pt file calls ${callable.name} (REDUCE): only OrderedDict and tensors are built`);
  }
}

/**
 * The object pickled in `bytes` (an archive's data.pkl). persistentLoad:
 * none needed (torch.save's persistent ids are its storages, read here).
 */
export function unpickle(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack = [];
  const marks = [];
  const memo = new Map();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let at = 0;
  const need = (n) => {
    if (at + n > bytes.byteLength) throw corrupt(`the pickle ends at byte ${bytes.byteLength}, inside an opcode at ${at}`);
  };
  const u8 = () => { need(1); return bytes[at++]; };
  const u16 = () => { need(2); const v = view.getUint16(at, true); at += 2; return v; };
  const u32 = () => { need(4); const v = view.getUint32(at, true); at += 4; return v; };
  const i32 = () => { need(4); const v = view.getInt32(at, true); at += 4; return v; };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(at, true);
    at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`a length of ${v}`);
    return Number(v);
  };
  const take = (n) => { need(n); const v = bytes.subarray(at, at + n); at += n; return v; };
  const text = (n) => {
    try {
      return decoder.decode(take(n));
    } catch (error) {
      if (error instanceof RangeError) throw error;
      throw corrupt('a string that is not UTF-8');
    }
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) throw corrupt('a GLOBAL without its newline');
    const v = new TextDecoder().decode(bytes.subarray(at, end));
    at = end + 1;
    return v;
  };
  const pop = () => {
    if (stack.length === 0 || (marks.length > 0 && stack.length === marks.at(-1))) throw corrupt(`an empty stack at byte ${at}`);
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) throw corrupt(`an empty stack at byte ${at}`);
    return stack.at(-1);
  };
  const popMark = () => {
    if (marks.length === 0) throw corrupt(`no MARK at byte ${at}`);
    return stack.splice(marks.pop());
  };
  const global = (module, name) => {
    const full = `${module}.${name}`;
    if (!GLOBAL_NAMES.includes(full)) {
      throw new TypeError(`the .pt file names the global ${full}, which is not one torch.save writes for tensors ` +
        `(allowed: ${GLOBAL_NAMES.join(', ')}): nothing in it is executed`);
    }
    return new Global(full);
  };
  const setItems = (dict, items) => {
    if (!(dict instanceof Map)) throw corrupt('SETITEM(S) on something other than a dict');
    if (items.length % 2 !== 0) throw corrupt('SETITEMS with an odd number of items');
    for (let k = 0; k < items.length; k += 2) {
      const key = items[k];
      if (typeof key !== 'string' && !isInt(key)) throw corrupt('a dict key that is neither a string nor an integer');
      dict.set(key, items[k + 1]);
    }
  };
  const append = (list, items) => {
    if (!Array.isArray(list) || Object.isFrozen(list)) throw corrupt('APPEND(S) on something other than a list');
    list.push(...items);
  };
  const memoGet = (key) => {
    if (!memo.has(key)) throw corrupt(`a memo entry ${key} that was never put`);
    return memo.get(key);
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: if (u8() > 5) throw corrupt('a pickle protocol above 5'); break;  // PROTO
      case 0x95: u64(); break;  // FRAME: a hint only
      case 0x2e: {  // STOP
        if (stack.length !== 1 || marks.length !== 0) throw corrupt('STOP with more than one value left');
        return stack[0];
      }
      case 0x28: marks.push(stack.length); break;  // MARK
      case 0x7d: stack.push(new Map()); break;  // EMPTY_DICT
      case 0x5d: stack.push([]); break;  // EMPTY_LIST
      case 0x29: stack.push(Object.freeze([])); break;  // EMPTY_TUPLE
      case 0x74: stack.push(Object.freeze(popMark())); break;  // TUPLE
      case 0x85: stack.push(Object.freeze([pop()])); break;  // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(Object.freeze([a, b])); break; }  // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(Object.freeze([a, b, c])); break; }  // TUPLE3
      case 0x6c: stack.push(popMark()); break;  // LIST
      case 0x64: { const items = popMark(); const dict = new Map(); setItems(dict, items); stack.push(dict); break; }  // DICT
      case 0x73: { const value = pop(); const key = pop(); setItems(top(), [key, value]); break; }  // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; }  // SETITEMS
      case 0x61: { const item = pop(); append(top(), [item]); break; }  // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; }  // APPENDS
      case 0x4e: stack.push(null); break;  // NONE
      case 0x88: stack.push(true); break;  // NEWTRUE
      case 0x89: stack.push(false); break;  // NEWFALSE
      case 0x4b: stack.push(u8()); break;  // BININT1
      case 0x4d: stack.push(u16()); break;  // BININT2
      case 0x4a: stack.push(i32()); break;  // BININT
      case 0x8a: case 0x8b: {  // LONG1, LONG4: little-endian two's complement
        const n = op === 0x8a ? u8() : u32();
        if (n > 64) throw corrupt(`an integer of ${n} bytes`);
        const digits = take(n);
        let v = 0n;
        for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(digits[k]);
        if (n > 0 && digits[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: { need(8); stack.push(view.getFloat64(at, false)); at += 8; break; }  // BINFLOAT (big-endian)
      case 0x58: stack.push(text(u32())); break;  // BINUNICODE
      case 0x8c: stack.push(text(u8())); break;  // SHORT_BINUNICODE
      case 0x8d: stack.push(text(u64())); break;  // BINUNICODE8
      case 0x55: stack.push(text(u8())); break;  // SHORT_BINSTRING (ascii in torch's files)
      case 0x54: stack.push(text(u32())); break;  // BINSTRING
      case 0x43: stack.push(take(u8()).slice()); break;  // SHORT_BINBYTES
      case 0x42: stack.push(take(u32()).slice()); break;  // BINBYTES
      case 0x8e: stack.push(take(u64()).slice()); break;  // BINBYTES8
      case 0x71: memo.set(u8(), top()); break;  // BINPUT
      case 0x72: memo.set(u32(), top()); break;  // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break;  // MEMOIZE
      case 0x68: stack.push(memoGet(u8())); break;  // BINGET
      case 0x6a: stack.push(memoGet(u32())); break;  // LONG_BINGET
      case 0x63: { const module = line(); stack.push(global(module, line())); break; }  // GLOBAL
      case 0x93: {  // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw corrupt('STACK_GLOBAL of non-strings');
        stack.push(global(module, name));
        break;
      }
      case 0x52: { const args = pop(); stack.push(reduce(pop(), args)); break; }  // REDUCE
      case 0x62: {  // BUILD: a state dict's _metadata on its OrderedDict; kept nowhere
        pop();
        if (!(top() instanceof Map)) throw new TypeError('the .pt file sets the state of something other than a dict (BUILD)');
        break;
      }
      case 0x51: {  // BINPERSID: torch.save's ('storage', storage type, key, location, numel)
        const pid = pop();
        if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof Global) || typeof pid[2] !== 'string') {
          throw corrupt('a persistent id that is not a storage');
        }
        const dtype = STORAGE_DTYPES[pid[1].name.slice('torch.'.length)];
        if (dtype === undefined) throw new TypeError(`the .pt file's storage type ${pid[1].name} is not a storage`);
        stack.push(new Storage(dtype, pid[2], count(pid[4], 'a storage size')));
        break;
      }
      default:
        throw new TypeError(`the .pt file's pickle uses opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at - 1}, ` +
          'which torch.save does not write for tensors and containers: nothing in it is executed');
    }
  }
}
