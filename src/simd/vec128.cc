// The decode constants of vec128.h, in their own translation unit so that
// the kernels load them (once per block) instead of folding them into
// constants V8 would rebuild at every use.
#include "simd/vec128.h"

namespace ebag::simd {

#if defined(__wasm_simd128__)
const DecodeConstants kDecodeConstants = {
    wasm_i32x4_const_splat(0x4b000000),
    wasm_i8x16_const_splat(0x0f),
    wasm_i32x4_const_splat(static_cast<int32_t>(0x8fffe000u)),
    wasm_f32x4_const_splat(0x1p112f),
    wasm_i32x4_const_splat(0x7c00),
    wasm_i32x4_const_splat(0x7f800000),
    wasm_i16x8_const_splat(static_cast<int16_t>(0x8fff)),
    wasm_i16x8_const_splat(0x7c00),
    wasm_i16x8_const_splat(0x7f80),
};
#endif

}  // namespace ebag::simd
