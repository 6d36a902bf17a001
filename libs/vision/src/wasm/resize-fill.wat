;; Bilinear resize of packed RGB (OpenCV INTER_LINEAR, 11-bit fixed-point weights) fused with the planar float
;; tensor fill: the kernel behind `fillTensorResized` (libs/vision/src/preprocess.ts), which keeps the JavaScript
;; version as the reference. Assembled by `npm run wasm` into resize-fill-bytes.ts; a unit test checks that the
;; committed bytes are what this file assembles to.
;;
;; Every value is the integer the JavaScript writes, (a*wx0*wy0 + b*wx1*wy0 + c*wx0*wy1 + d*wx1*wy1 + 2^21) >> 22:
;; the sum is exact in 32 bits (at most 255 * 2^22 + 2^21), so summing the vertical taps first, as here, and the
;; horizontal ones first, as the JavaScript does, give the same result. The vertical pass is uniform along a row
;; (one weight pair), which suits SIMD; the horizontal one reads two neighbouring pixels per output column.
;;
;; Memory is the caller's: it lays out the tables, the row buffer, the source and the tensor, and passes addresses.
(module
  (import "env" "memory" (memory 1))

  ;; src:      source RGB, rows of `stride` bytes; readable up to 15 bytes past its end.
  ;; rowBytes: `stride` rounded up to 16; the vertical pass works on whole 16-byte blocks.
  ;; row:      scratch for one vertically blended row: rowBytes i32 values and 16 bytes more.
  ;; xtab:     per output column, the address of its left pixel in `row` (row + pixel * 12) and its right weight.
  ;; ytab:     per output row, the byte offsets in `src` of its two source rows and the lower row's weight.
  ;; dstR/G/B: address of the first image value in the tensor plane that takes red, green, blue (channel order is
  ;;           the caller's choice of planes); dstStep: bytes from one tensor row to the next.
  ;; scale:    multiplier of the 0..255 values.
  (func (export "resizeFill")
    (param $src i32) (param $rowBytes i32) (param $row i32)
    (param $xtab i32) (param $width i32) (param $ytab i32) (param $height i32)
    (param $dstR i32) (param $dstG i32) (param $dstB i32) (param $dstStep i32) (param $scale f64)
    (local $yEnd i32) (local $upper i32) (local $lower i32) (local $w1 i32) (local $weights v128)
    (local $i i32) (local $p i32) (local $a v128) (local $b v128)
    (local $xt i32) (local $xEnd i32) (local $xLast i32) (local $x i32) (local $xs i32) (local $v v128)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $red v128) (local $green v128)
    (local $blue v128) (local $unit i32) (local $scales v128) (local $half v128)
    (local.set $unit (f64.eq (local.get $scale) (f64.const 1)))
    (local.set $scales (f64x2.splat (local.get $scale)))
    ;; (sum + 2^21) >> 22 is a sample's value from its weighted sum.
    (local.set $half (i32x4.splat (i32.const 0x200000)))
    (local.set $xEnd (i32.shl (local.get $width) (i32.const 2)))
    (local.set $xLast (i32.sub (local.get $xEnd) (i32.const 16)))
    (local.set $yEnd (i32.add (local.get $ytab) (i32.mul (local.get $height) (i32.const 12))))
    (loop $rows
      ;; Vertical pass: row[i] = upper[i] * (2048 - w1) + lower[i] * w1, as i16 pairs into i32x4.dot_i16x8_s.
      (local.set $upper (i32.add (local.get $src) (i32.load (local.get $ytab))))
      (local.set $lower (i32.add (local.get $src) (i32.load offset=4 (local.get $ytab))))
      (local.set $w1 (i32.load offset=8 (local.get $ytab)))
      (local.set $weights
        (i32x4.splat (i32.or (i32.sub (i32.const 2048) (local.get $w1)) (i32.shl (local.get $w1) (i32.const 16)))))
      (local.set $i (i32.const 0))
      (local.set $p (local.get $row))
      (loop $blend
        (local.set $a (v128.load (i32.add (local.get $upper) (local.get $i))))
        (local.set $b (v128.load (i32.add (local.get $lower) (local.get $i))))
        ;; Bytes 0..7 of each row, interleaved upper/lower.
        (local.set $v (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $a) (local.get $b)))
        (v128.store (local.get $p)
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $v)) (local.get $weights)))
        (v128.store offset=16 (local.get $p)
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $v)) (local.get $weights)))
        ;; Bytes 8..15.
        (local.set $v (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $a) (local.get $b)))
        (v128.store offset=32 (local.get $p)
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $v)) (local.get $weights)))
        (v128.store offset=48 (local.get $p)
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $v)) (local.get $weights)))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br_if $blend (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $rowBytes))))
      ;; Horizontal pass, 4 output pixels at a time; the last group steps back to end at the row's end (the caller
      ;; passes width >= 4), rewriting a few values with the same ones. For each pixel, lanes 0..2 of the loads at its
      ;; left and right source pixels are R, G, B: left * 2048 + (right - left) * w1 is the exact sum, in 32 bits.
      (local.set $x (i32.const 0))
      (loop $columns
        (local.set $xs (select (local.get $x) (local.get $xLast) (i32.lt_u (local.get $x) (local.get $xLast))))
        ;; Table entries are 8 bytes, output values 4: the group's entries start at xtab + xs * 2.
        (local.set $xt (i32.add (local.get $xtab) (i32.shl (local.get $xs) (i32.const 1))))
        (local.set $p (i32.load offset=0 (local.get $xt)))
        (local.set $v0 (i32x4.add (i32x4.shl (local.tee $a (v128.load (local.get $p))) (i32.const 11))
          (i32x4.mul (i32x4.sub (v128.load offset=12 (local.get $p)) (local.get $a))
            (v128.load32_splat offset=4 (local.get $xt)))))
        (local.set $p (i32.load offset=8 (local.get $xt)))
        (local.set $v1 (i32x4.add (i32x4.shl (local.tee $a (v128.load (local.get $p))) (i32.const 11))
          (i32x4.mul (i32x4.sub (v128.load offset=12 (local.get $p)) (local.get $a))
            (v128.load32_splat offset=12 (local.get $xt)))))
        (local.set $p (i32.load offset=16 (local.get $xt)))
        (local.set $v2 (i32x4.add (i32x4.shl (local.tee $a (v128.load (local.get $p))) (i32.const 11))
          (i32x4.mul (i32x4.sub (v128.load offset=12 (local.get $p)) (local.get $a))
            (v128.load32_splat offset=20 (local.get $xt)))))
        (local.set $p (i32.load offset=24 (local.get $xt)))
        (local.set $v3 (i32x4.add (i32x4.shl (local.tee $a (v128.load (local.get $p))) (i32.const 11))
          (i32x4.mul (i32x4.sub (v128.load offset=12 (local.get $p)) (local.get $a))
            (v128.load32_splat offset=28 (local.get $xt)))))
        ;; Transpose [R G B _] x 4 pixels into R, G and B of the 4 pixels.
        (local.set $a (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
        (local.set $b (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
        (local.set $v1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
        (local.set $v3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
        (local.set $red (i32x4.shr_s (i32x4.add (local.get $half)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))) (i32.const 22)))
        (local.set $green (i32x4.shr_s (i32x4.add (local.get $half)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))) (i32.const 22)))
        (local.set $blue (i32x4.shr_s (i32x4.add (local.get $half)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $v1) (local.get $v3))) (i32.const 22)))
        ;; The values as f32 (exact), then, for a scale other than 1, each times `scale` in f64 and rounded to f32
        ;; once, as storing `a * scale` into a Float32Array does.
        (if (local.get $unit)
          (then
            (local.set $red (f32x4.convert_i32x4_s (local.get $red)))
            (local.set $green (f32x4.convert_i32x4_s (local.get $green)))
            (local.set $blue (f32x4.convert_i32x4_s (local.get $blue))))
          (else
            (local.set $red (f32x4.convert_i32x4_s (local.get $red)))
            (local.set $red (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (local.get $red)) (local.get $scales)))
              (f32x4.demote_f64x2_zero (f64x2.mul (local.get $scales) (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $red) (local.get $red)))))))
            (local.set $green (f32x4.convert_i32x4_s (local.get $green)))
            (local.set $green (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (local.get $green)) (local.get $scales)))
              (f32x4.demote_f64x2_zero (f64x2.mul (local.get $scales) (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $green) (local.get $green)))))))
            (local.set $blue (f32x4.convert_i32x4_s (local.get $blue)))
            (local.set $blue (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (local.get $blue)) (local.get $scales)))
              (f32x4.demote_f64x2_zero (f64x2.mul (local.get $scales) (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $blue) (local.get $blue)))))))
          ))
        (v128.store (i32.add (local.get $dstR) (local.get $xs)) (local.get $red))
        (v128.store (i32.add (local.get $dstG) (local.get $xs)) (local.get $green))
        (v128.store (i32.add (local.get $dstB) (local.get $xs)) (local.get $blue))
        (br_if $columns (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 16))) (local.get $xEnd))))
      (local.set $dstR (i32.add (local.get $dstR) (local.get $dstStep)))
      (local.set $dstG (i32.add (local.get $dstG) (local.get $dstStep)))
      (local.set $dstB (i32.add (local.get $dstB) (local.get $dstStep)))
      (br_if $rows (i32.lt_u (local.tee $ytab (i32.add (local.get $ytab) (i32.const 12))) (local.get $yEnd))))))
