/**
 * ONNX protobuf messages through `onnx-proto` (protobufjs static code generated from onnx.proto),
 * and the conversion of TensorProto payloads to Axon's dtypes. No protobuf is decoded by hand here.
 *
 * Dtype policy (Axon computes in f32 and i32):
 *   FLOAT → f32; DOUBLE → f32 (noted: computes in f32);
 *   INT64/INT32/INT16/INT8/UINT8/UINT16/BOOL → i32 (INT64/UINT32 range-checked);
 *   anything else (FLOAT16, BFLOAT16, STRING, COMPLEX, UINT64) is an error naming the tensor.
 */
import onnxProto from 'onnx-proto';
import type { DType } from '../ir/types.ts';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

export const DataType = onnx.TensorProto.DataType;

export class OnnxError extends Error {
  override name = 'OnnxError';
}

/** int64 fields arrive as number or Long; this converts and checks they fit a JS integer. */
export function toInt(v: number | { toNumber(): number; toString(): string } | null | undefined, what: string): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  // beyond ±2^53 only "infinite" bounds occur in practice (Slice ends of INT64_MAX); they stay huge
  void what;
  return v.toNumber();
}

export function dataTypeName(t: number): string {
  return (DataType as unknown as Record<number, string>)[t] ?? `#${t}`;
}

/** The Axon dtype an ONNX element type maps to, or undefined when Axon cannot hold it. */
export function axonDType(t: number): DType | undefined {
  switch (t) {
    case DataType.FLOAT: case DataType.DOUBLE: return 'f32';
    case DataType.INT64: case DataType.INT32: case DataType.INT16: case DataType.INT8:
    case DataType.UINT8: case DataType.UINT16: case DataType.UINT32: case DataType.BOOL: return 'i32';
    default: return undefined;
  }
}

export function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxError(`${source}: not a valid ONNX model (protobuf decoding failed: ${(e as Error).message})`);
  }
}

export function decodeTensor(bytes: Uint8Array, source: string): onnxProto.onnx.TensorProto {
  try {
    return onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new OnnxError(`${source}: not a valid ONNX TensorProto (${(e as Error).message})`);
  }
}

export interface DecodedTensor {
  dims: number[];
  dtype: DType;
  onnxType: number;
  /** values as JS numbers (f64 for floats, exact integers for ints) */
  data: Float64Array;
}

const I32_MIN = -2147483648, I32_MAX = 2147483647;

/** The range check of int64 → i32: an import-time integer value that becomes an i32 tensor must fit. */
export function checkI32(data: ArrayLike<number>, what: string): void {
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (x < I32_MIN || x > I32_MAX) throw new OnnxError(`${what}: int64 value ${x} at index ${i} does not fit Axon's i32`);
  }
}

/** Reads the raw little-endian payload of `rawData` for an element type. */
function fromRaw(raw: Uint8Array, t: number, n: number, what: string): Float64Array {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(n);
  const width: Record<number, number> = {
    [DataType.FLOAT]: 4, [DataType.DOUBLE]: 8, [DataType.INT64]: 8, [DataType.INT32]: 4, [DataType.INT16]: 2, [DataType.INT8]: 1,
    [DataType.UINT8]: 1, [DataType.UINT16]: 2, [DataType.UINT32]: 4, [DataType.BOOL]: 1,
  };
  const w = width[t];
  if (w === undefined) throw new OnnxError(`${what}: element type ${dataTypeName(t)} is not supported`);
  if (raw.byteLength !== w * n) throw new OnnxError(`${what}: raw data has ${raw.byteLength} bytes, ${n} ${dataTypeName(t)} elements need ${w * n}`);
  for (let i = 0; i < n; i++) {
    const o = i * w;
    switch (t) {
      case DataType.FLOAT: out[i] = dv.getFloat32(o, true); break;
      case DataType.DOUBLE: out[i] = dv.getFloat64(o, true); break;
      // int64 stays exact up to 2^53 while it is an import-time value; checkI32 guards the step to an i32 tensor
      case DataType.INT64: out[i] = Number(dv.getBigInt64(o, true)); break;
      case DataType.INT32: out[i] = dv.getInt32(o, true); break;
      case DataType.INT16: out[i] = dv.getInt16(o, true); break;
      case DataType.INT8: out[i] = dv.getInt8(o); break;
      case DataType.UINT8: case DataType.BOOL: out[i] = dv.getUint8(o); break;
      case DataType.UINT16: out[i] = dv.getUint16(o, true); break;
      case DataType.UINT32: {
        const u = dv.getUint32(o, true);
        if (u > I32_MAX) throw new OnnxError(`${what}: uint32 value ${u} at index ${i} does not fit Axon's i32`);
        out[i] = u;
        break;
      }
    }
  }
  return out;
}

/**
 * A TensorProto's values. `external` reads an external-data file (already checked to stay in the
 * model's folder by the caller) and returns its bytes for the given offset/length.
 */
export function tensorValues(t: TensorProto, what: string, external?: (location: string, offset: number, length: number | undefined) => Uint8Array): DecodedTensor {
  const onnxType = t.dataType ?? 0;
  const dtype = axonDType(onnxType);
  const name = t.name ? `${what} "${t.name}"` : what;
  if (!dtype) throw new OnnxError(`${name}: element type ${dataTypeName(onnxType)} is not supported (Axon holds f32 and i32; float64 computes as f32, integers and bool as i32)`);
  const dims = (t.dims ?? []).map((d) => toInt(d, `${name} dims`));
  const n = dims.reduce((a, b) => a * b, 1);
  let data: Float64Array;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = entries.get('location');
    if (!location) throw new OnnxError(`${name}: external data without a "location" entry`);
    if (!external) throw new OnnxError(`${name}: the tensor's data is in the external file "${location}"; pass the model as a path (or options.readExternal) so it can be read`);
    const offset = Number(entries.get('offset') ?? 0);
    const length = entries.has('length') ? Number(entries.get('length')) : undefined;
    data = fromRaw(external(location, offset, length), onnxType, n, name);
  } else if (t.rawData && t.rawData.length > 0) {
    data = fromRaw(t.rawData, onnxType, n, name);
  } else {
    const src: ArrayLike<unknown> =
      onnxType === DataType.FLOAT ? t.floatData ?? [] :
      onnxType === DataType.DOUBLE ? t.doubleData ?? [] :
      onnxType === DataType.INT64 ? t.int64Data ?? [] :
      onnxType === DataType.UINT32 ? t.uint64Data ?? [] :
      t.int32Data ?? [];
    if (src.length !== n) throw new OnnxError(`${name}: holds ${src.length} values, dims [${dims.join(', ')}] need ${n}`);
    data = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = src[i] as number | { toNumber(): number; toString(): string };
      const x = typeof v === 'number' ? v : toInt(v, name);
      data[i] = x;
    }
  }
  return { dims, dtype, onnxType, data };
}
