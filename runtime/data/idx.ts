/**
 * IDX file parser (the format of MNIST and Fashion-MNIST). Browser-safe: bytes in, typed
 * arrays out. Gzip is not handled here because decompression is platform glue
 * (node:zlib in runtime/node/, DecompressionStream in browsers); a gzip header is reported
 * as such rather than as a bad magic number.
 *
 * Layout: 0x00 0x00 <type code> <ndims>, then ndims big-endian u32 sizes, then the data
 * (big-endian for multi-byte types).
 */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxTensor {
  dims: number[];
  data: IdxData;
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'ubyte', bytes: 1 },
  0x09: { name: 'sbyte', bytes: 1 },
  0x0b: { name: 'short', bytes: 2 },
  0x0c: { name: 'int', bytes: 4 },
  0x0d: { name: 'float', bytes: 4 },
  0x0e: { name: 'double', bytes: 8 },
};

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The header of an IDX file: element type code, dims and where the data starts. */
export interface IdxHeader {
  code: number;
  dims: number[];
  headerBytes: number;
}

/** Parses the header from the start of an IDX file (the data need not be there). */
export function parseIdxHeader(bytes: Uint8Array, what = 'IDX data'): IdxHeader {
  if (isGzip(bytes)) throw new Error(`${what}: is gzip-compressed; decompress it before parsing`);
  if (bytes.length < 4) throw new Error(`${what}: too short for an IDX header (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${what}: bad IDX magic ${magic} (expected 00 00 <type> <ndims>)`);
  }
  if (!TYPES[bytes[2]!]) throw new Error(`${what}: unknown IDX element type 0x${bytes[2]!.toString(16)}`);
  const ndims = bytes[3]!;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new Error(`${what}: truncated IDX header (${ndims} dims need ${headerBytes} bytes, got ${bytes.length})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  return { code: bytes[2]!, dims, headerBytes };
}

/** Parses a whole IDX file. `what` names the file in errors (e.g. its path). */
export function parseIdx(bytes: Uint8Array, what = 'IDX data'): IdxTensor {
  const { code, dims, headerBytes } = parseIdxHeader(bytes, what);
  const type = TYPES[code]!;
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    throw new Error(`${what}: IDX size mismatch: header says ${type.name}[${dims.join(', ')}] = ${expected} bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { dims, data: readElements(view, headerBytes, count, code) };
}

function readElements(view: DataView, start: number, count: number, code: number): IdxData {
  switch (code) {
    case 0x08: return new Uint8Array(view.buffer.slice(view.byteOffset + start, view.byteOffset + start + count));
    case 0x09: return new Int8Array(view.buffer.slice(view.byteOffset + start, view.byteOffset + start + count));
    case 0x0b: return Int16Array.from({ length: count }, (_, i) => view.getInt16(start + 2 * i, false));
    case 0x0c: return Int32Array.from({ length: count }, (_, i) => view.getInt32(start + 4 * i, false));
    case 0x0d: return Float32Array.from({ length: count }, (_, i) => view.getFloat32(start + 4 * i, false));
    default: return Float64Array.from({ length: count }, (_, i) => view.getFloat64(start + 8 * i, false));
  }
}

/** An images file: ubyte[N, H, W]. */
export function parseIdxImages(bytes: Uint8Array, what = 'IDX images'): { count: number; height: number; width: number; pixels: Uint8Array } {
  const t = parseIdx(bytes, what);
  if (t.dims.length !== 3 || !(t.data instanceof Uint8Array)) {
    throw new Error(`${what}: expected ubyte images [N, H, W], got ${t.data.constructor.name}[${t.dims.join(', ')}]`);
  }
  const [count, height, width] = t.dims as [number, number, number];
  return { count, height, width, pixels: t.data };
}

/** The shape of an images file from its header alone (e.g. the first block of a .gz). */
export function parseIdxImagesHeader(bytes: Uint8Array, what = 'IDX images'): { count: number; height: number; width: number } {
  const h = parseIdxHeader(bytes, what);
  if (h.dims.length !== 3 || h.code !== 0x08) {
    throw new Error(`${what}: expected ubyte images [N, H, W], got ${TYPES[h.code]!.name}[${h.dims.join(', ')}]`);
  }
  const [count, height, width] = h.dims as [number, number, number];
  return { count, height, width };
}

/** A labels file: ubyte[N]. */
export function parseIdxLabels(bytes: Uint8Array, what = 'IDX labels'): Int32Array {
  const t = parseIdx(bytes, what);
  if (t.dims.length !== 1 || !(t.data instanceof Uint8Array)) {
    throw new Error(`${what}: expected ubyte labels [N], got ${t.data.constructor.name}[${t.dims.join(', ')}]`);
  }
  return Int32Array.from(t.data);
}

/** Encodes ubyte data as IDX (for tests, fixtures and exporting subsets). */
export function encodeIdxUbyte(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
