/**
 * Weights as safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header { name: { dtype, shape, data_offsets } , __metadata__ }, then the
 * raw little-endian tensors. PyTorch loads it with safetensors.torch.load_file.
 */
export interface NamedTensor { shape: readonly number[]; dtype: 'f32' | 'i32'; data: ArrayLike<number> }

export function encodeSafetensors(tensors: Record<string, NamedTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const n of names) {
    const t = tensors[n]!;
    const bytes = t.data.length * 4;
    header[n] = { dtype: t.dtype === 'f32' ? 'F32' : 'I32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // the data starts 8-byte aligned
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const n of names) {
    const t = tensors[n]!;
    const typed = t.dtype === 'f32' ? Float32Array.from(t.data) : Int32Array.from(t.data);
    out.set(new Uint8Array(typed.buffer), at);
    at += typed.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): Record<string, NamedTensor> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`safetensors: header of ${n} bytes does not fit the ${bytes.length}-byte file`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out: Record<string, NamedTensor> = {};
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = e.data_offsets;
    const raw = bytes.slice(8 + n + a, 8 + n + b);
    if (e.dtype !== 'F32' && e.dtype !== 'I32') throw new Error(`safetensors: tensor "${name}" has dtype ${e.dtype}; Axon reads F32 and I32`);
    out[name] = { shape: e.shape, dtype: e.dtype === 'F32' ? 'f32' : 'i32', data: e.dtype === 'F32' ? new Float32Array(raw.buffer) : new Int32Array(raw.buffer) };
  }
  return out;
}
