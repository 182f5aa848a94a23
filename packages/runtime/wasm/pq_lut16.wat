;; Product-quantized dense layer on its codes, for the CPU (WebAssembly SIMD), codebooks of k ≤ 16 centroids.
;;
;; The paper's lookup-table method (shared/paper.md): per input, LUT[s][c] = ⟨codebook[s][c], x_s⟩, then
;; y_i = b_i + Σ_s LUT[s][code[i][s]]. With k ≤ 16 a segment's whole table is 16 float32 entries, so a 16-lane
;; byte shuffle (i8x16.swizzle) looks up 16 rows at once if the table is held as 4 byte planes: plane p holds
;; byte p of each entry. Four swizzles give the 4 bytes of 16 entries, which byte/half-word interleaves put back
;; together into four f32x4 of exact float32 LUT values (no quantized tables: the sums are those of the float32
;; LUT, as in the JavaScript executor and the GPU kernels). The JavaScript twin is src/cpu/lut.ts.
;;
;; Memory layout (the caller, src/cpu/wasm-lut.ts, owns and fills it):
;;   codebook  [segment][u < d][16] f32      centroids transposed so 4 entries take one f32x4; entries ≥ k are 0
;;   x         [segment][u < d] f32          zero past cols
;;   lut       [segment][plane 0..3][16] u8  written by build_lut
;;   codes     [row block][segment][16] u8   32 rows a block: byte j holds row j's code (low nibble) and row
;;                                           16 + j's code (high nibble); rows past the layer are code 0
;;   bias, y   [row block × 32] f32
;; Every region is 16-byte aligned.
(module
  (import "env" "memory" (memory 1))

  ;; LUT of one input for `segments` segments of d coordinates: 16 dot products per segment in four f32x4,
  ;; then transposed to byte planes.
  (func (export "build_lut")
    (param $codebook i32) (param $x i32) (param $segments i32) (param $d i32) (param $lut i32)
    (local $s i32) (local $u i32) (local $xs v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (if (i32.or (i32.eqz (local.get $segments)) (i32.eqz (local.get $d))) (then (return)))
    (local.set $s (local.get $segments))
    (loop $segment
      (local.set $e0 (v128.const i32x4 0 0 0 0))
      (local.set $e1 (v128.const i32x4 0 0 0 0))
      (local.set $e2 (v128.const i32x4 0 0 0 0))
      (local.set $e3 (v128.const i32x4 0 0 0 0))
      (local.set $u (local.get $d))
      (loop $coordinate
        (local.set $xs (f32x4.splat (f32.load (local.get $x))))
        (local.set $e0 (f32x4.add (local.get $e0) (f32x4.mul (local.get $xs) (v128.load offset=0 (local.get $codebook)))))
        (local.set $e1 (f32x4.add (local.get $e1) (f32x4.mul (local.get $xs) (v128.load offset=16 (local.get $codebook)))))
        (local.set $e2 (f32x4.add (local.get $e2) (f32x4.mul (local.get $xs) (v128.load offset=32 (local.get $codebook)))))
        (local.set $e3 (f32x4.add (local.get $e3) (f32x4.mul (local.get $xs) (v128.load offset=48 (local.get $codebook)))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $codebook (i32.add (local.get $codebook) (i32.const 64)))
        (br_if $coordinate (local.tee $u (i32.sub (local.get $u) (i32.const 1)))))
      ;; $e0 holds entries 0-3 as bytes [e0b0 e0b1 e0b2 e0b3 e1b0 …]. First gather bytes 0/1 and 2/3 of
      ;; entries 0-7 and 8-15, then join the halves into the four planes.
      (local.set $t0 (i8x16.shuffle 0 4 8 12 16 20 24 28 1 5 9 13 17 21 25 29 (local.get $e0) (local.get $e1)))
      (local.set $t1 (i8x16.shuffle 2 6 10 14 18 22 26 30 3 7 11 15 19 23 27 31 (local.get $e0) (local.get $e1)))
      (local.set $t2 (i8x16.shuffle 0 4 8 12 16 20 24 28 1 5 9 13 17 21 25 29 (local.get $e2) (local.get $e3)))
      (local.set $t3 (i8x16.shuffle 2 6 10 14 18 22 26 30 3 7 11 15 19 23 27 31 (local.get $e2) (local.get $e3)))
      (v128.store offset=0 (local.get $lut)
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
      (v128.store offset=16 (local.get $lut)
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
      (v128.store offset=32 (local.get $lut)
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
      (v128.store offset=48 (local.get $lut)
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
      (local.set $lut (i32.add (local.get $lut) (i32.const 64)))
      (br_if $segment (local.tee $s (i32.sub (local.get $s) (i32.const 1))))))

  ;; y = bias + Σ_s LUT[s][code] for `rowBlocks` blocks of 32 rows over `segments` segments, then max(0, ·) when
  ;; `relu` is non-zero.
  (func (export "gather")
    (param $codes i32) (param $lut i32) (param $segments i32) (param $rowBlocks i32)
    (param $bias i32) (param $relu i32) (param $y i32)
    (local $block i32) (local $s i32) (local $table i32)
    (local $code v128) (local $idx v128)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $w01 v128) (local $w23 v128) (local $v01 v128) (local $v23 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (if (i32.or (i32.eqz (local.get $rowBlocks)) (i32.eqz (local.get $segments))) (then (return)))
    (local.set $block (local.get $rowBlocks))
    (loop $rows
      (local.set $a0 (v128.load offset=0 (local.get $bias)))
      (local.set $a1 (v128.load offset=16 (local.get $bias)))
      (local.set $a2 (v128.load offset=32 (local.get $bias)))
      (local.set $a3 (v128.load offset=48 (local.get $bias)))
      (local.set $a4 (v128.load offset=64 (local.get $bias)))
      (local.set $a5 (v128.load offset=80 (local.get $bias)))
      (local.set $a6 (v128.load offset=96 (local.get $bias)))
      (local.set $a7 (v128.load offset=112 (local.get $bias)))
      (local.set $table (local.get $lut))
      (local.set $s (local.get $segments))
      (loop $segment
        (local.set $code (v128.load (local.get $codes)))
        (local.set $p0 (v128.load offset=0 (local.get $table)))
        (local.set $p1 (v128.load offset=16 (local.get $table)))
        (local.set $p2 (v128.load offset=32 (local.get $table)))
        (local.set $p3 (v128.load offset=48 (local.get $table)))

        ;; Rows 0-15 of the block: the low nibbles.
        (local.set $idx (v128.and (local.get $code) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $b0 (i8x16.swizzle (local.get $p0) (local.get $idx)))
        (local.set $b1 (i8x16.swizzle (local.get $p1) (local.get $idx)))
        (local.set $b2 (i8x16.swizzle (local.get $p2) (local.get $idx)))
        (local.set $b3 (i8x16.swizzle (local.get $p3) (local.get $idx)))
        ;; Bytes 0|1 and 2|3 of rows 0-7 as half-words, then rows 0-3 and 4-7 as float32.
        (local.set $w01 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $b0) (local.get $b1)))
        (local.set $w23 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $b2) (local.get $b3)))
        (local.set $a0 (f32x4.add (local.get $a0)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $w01) (local.get $w23))))
        (local.set $a1 (f32x4.add (local.get $a1)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $w01) (local.get $w23))))
        ;; Rows 8-15.
        (local.set $v01 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $b0) (local.get $b1)))
        (local.set $v23 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $b2) (local.get $b3)))
        (local.set $a2 (f32x4.add (local.get $a2)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $v01) (local.get $v23))))
        (local.set $a3 (f32x4.add (local.get $a3)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $v01) (local.get $v23))))

        ;; Rows 16-31: the high nibbles, the same steps.
        (local.set $idx (i8x16.shr_u (local.get $code) (i32.const 4)))
        (local.set $b0 (i8x16.swizzle (local.get $p0) (local.get $idx)))
        (local.set $b1 (i8x16.swizzle (local.get $p1) (local.get $idx)))
        (local.set $b2 (i8x16.swizzle (local.get $p2) (local.get $idx)))
        (local.set $b3 (i8x16.swizzle (local.get $p3) (local.get $idx)))
        (local.set $w01 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $b0) (local.get $b1)))
        (local.set $w23 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $b2) (local.get $b3)))
        (local.set $a4 (f32x4.add (local.get $a4)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $w01) (local.get $w23))))
        (local.set $a5 (f32x4.add (local.get $a5)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $w01) (local.get $w23))))
        (local.set $v01 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $b0) (local.get $b1)))
        (local.set $v23 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $b2) (local.get $b3)))
        (local.set $a6 (f32x4.add (local.get $a6)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $v01) (local.get $v23))))
        (local.set $a7 (f32x4.add (local.get $a7)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $v01) (local.get $v23))))

        (local.set $codes (i32.add (local.get $codes) (i32.const 16)))
        (local.set $table (i32.add (local.get $table) (i32.const 64)))
        (br_if $segment (local.tee $s (i32.sub (local.get $s) (i32.const 1)))))

      (if (local.get $relu)
        (then
          (local.set $a0 (f32x4.pmax (local.get $a0) (v128.const f32x4 0 0 0 0)))
          (local.set $a1 (f32x4.pmax (local.get $a1) (v128.const f32x4 0 0 0 0)))
          (local.set $a2 (f32x4.pmax (local.get $a2) (v128.const f32x4 0 0 0 0)))
          (local.set $a3 (f32x4.pmax (local.get $a3) (v128.const f32x4 0 0 0 0)))
          (local.set $a4 (f32x4.pmax (local.get $a4) (v128.const f32x4 0 0 0 0)))
          (local.set $a5 (f32x4.pmax (local.get $a5) (v128.const f32x4 0 0 0 0)))
          (local.set $a6 (f32x4.pmax (local.get $a6) (v128.const f32x4 0 0 0 0)))
          (local.set $a7 (f32x4.pmax (local.get $a7) (v128.const f32x4 0 0 0 0)))))
      (v128.store offset=0 (local.get $y) (local.get $a0))
      (v128.store offset=16 (local.get $y) (local.get $a1))
      (v128.store offset=32 (local.get $y) (local.get $a2))
      (v128.store offset=48 (local.get $y) (local.get $a3))
      (v128.store offset=64 (local.get $y) (local.get $a4))
      (v128.store offset=80 (local.get $y) (local.get $a5))
      (v128.store offset=96 (local.get $y) (local.get $a6))
      (v128.store offset=112 (local.get $y) (local.get $a7))
      (local.set $bias (i32.add (local.get $bias) (i32.const 128)))
      (local.set $y (i32.add (local.get $y) (i32.const 128)))
      (br_if $rows (local.tee $block (i32.sub (local.get $block) (i32.const 1))))))
)
