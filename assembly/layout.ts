// Strided copies between arena views and contiguous scratch. Pointers are byte addresses,
// strides are in elements (any sign; i32 math wraps correctly in 32-bit memory).

@inline export function at(base: usize, elements: i32): usize {
  return base + (<usize>(elements << 2));
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
          memory.copy(dst, row, <usize>d3 << 2);
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
