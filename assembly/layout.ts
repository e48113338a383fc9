// Strided copies between arena views and contiguous scratch. Pointers are byte addresses,
// strides are in elements (any sign; i32 math wraps correctly in 32-bit memory).

@inline export function at(base: usize, elements: i32): usize {
  return base + (<usize>(elements << 2));
}

/**
 * Copies n floats with unaligned vector moves. memory.copy is a call into the engine (tens of ns)
 * and im2col/gathers copy many short rows (14 floats for a 14×14 image), so short rows go inline.
 */
@inline export function copyFloats(dst: usize, src: usize, n: i32): void {
  if (n > 64) { memory.copy(dst, src, <usize>n << 2); return; }
  let i = 0;
  for (; i <= n - 4; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** Zeroes n floats (inline for short runs, as copyFloats). */
@inline export function zeroFloats(dst: usize, n: i32): void {
  if (n > 64) { memory.fill(dst, 0, <usize>n << 2); return; }
  let i = 0;
  for (; i <= n - 4; i += 4) v128.store(dst + (<usize>i << 2), i32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** dst[d0,d1,d2,d3] (contiguous) = src[Σ i·s]. */
export function gather4(
  dst: usize, src: usize,
  d0: i32, d1: i32, d2: i32, d3: i32,
  s0: i32, s1: i32, s2: i32, s3: i32,
): void {
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        const row = at(src, i0 * s0 + i1 * s1 + i2 * s2);
        if (s3 == 1) {
          copyFloats(dst, row, d3);
          dst += <usize>d3 << 2;
        } else {
          for (let i3 = 0; i3 < d3; i3++) {
            store<f32>(dst, load<f32>(at(row, i3 * s3)));
            dst += 4;
          }
        }
      }
    }
  }
}
