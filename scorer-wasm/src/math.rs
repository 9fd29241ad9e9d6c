//! The scorer's own arithmetic, written so that every target computes the same bits.
//!
//! `f64::exp` calls the platform's libm, which differs between glibc on x86-64 and the Rust port
//! used on `wasm32`, so scores could disagree in the last bit between the trainer and the browser.
//! [`exp`] is a port of musl's `exp` (itself FreeBSD/fdlibm's), plain IEEE operations with no fused
//! multiply-add, so native and wasm builds agree exactly. Sums run in one fixed order ([`dot`]):
//! Rust never reassociates floating-point additions, with or without SIMD.

/// `e^x`, within 1 ulp of the exact value, bit-identical on every target.
///
/// Port of musl `src/math/exp.c` (© 1993 Sun Microsystems, permissive licence).
pub fn exp(x: f64) -> f64 {
    // musl's constants, as the bit patterns its comments give.
    const HALF: [f64; 2] = [0.5, -0.5];
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const INV_LN2: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);
    const P1: f64 = f64::from_bits(0x3fc5_5555_5555_553e);
    const P2: f64 = f64::from_bits(0xbf66_c16c_16be_bd93);
    const P3: f64 = f64::from_bits(0x3f11_566a_af25_de2c);
    const P4: f64 = f64::from_bits(0xbebb_bd41_c5d2_6bf1);
    const P5: f64 = f64::from_bits(0x3e66_3769_72be_a4d0);
    const OVERFLOW: f64 = f64::from_bits(0x4086_2e42_fefa_39ef); // 709.78...
    const UNDERFLOW: f64 = f64::from_bits(0xc087_4910_d52d_3051); // -745.13...

    let hx_full = (x.to_bits() >> 32) as u32;
    let sign = (hx_full >> 31) as usize;
    let hx = hx_full & 0x7fff_ffff;

    if hx >= 0x4086_232b {
        // |x| >= 708.39...
        if x.is_nan() {
            return x;
        }
        if x > OVERFLOW {
            return f64::INFINITY;
        }
        if x < UNDERFLOW {
            return 0.0;
        }
    }

    let (hi, lo, k, r);
    if hx > 0x3fd6_2e42 {
        // |x| > 0.5 ln2: reduce to r = x - k ln2 with |r| <= 0.5 ln2
        k = if hx >= 0x3ff0_a2b2 { (INV_LN2 * x + HALF[sign]) as i32 } else { 1 - 2 * sign as i32 };
        hi = x - f64::from(k) * LN2_HI;
        lo = f64::from(k) * LN2_LO;
        r = hi - lo;
    } else if hx > 0x3e30_0000 {
        // 2^-28 < |x| <= 0.5 ln2
        k = 0;
        hi = x;
        lo = 0.0;
        r = x;
    } else {
        return 1.0 + x;
    }

    let rr = r * r;
    let c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
    let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
    if k == 0 { y } else { scalbn(y, k) }
}

/// `x · 2^n`, as musl computes it (no double rounding in the subnormal range).
fn scalbn(x: f64, mut n: i32) -> f64 {
    let two_1023 = f64::from_bits(0x7fe0_0000_0000_0000);
    let two_m1022_53 = f64::from_bits(0x0010_0000_0000_0000) * f64::from_bits(0x4340_0000_0000_0000);
    let mut y = x;
    if n > 1023 {
        y *= two_1023;
        n -= 1023;
        if n > 1023 {
            y *= two_1023;
            n -= 1023;
            if n > 1023 {
                n = 1023;
            }
        }
    } else if n < -1022 {
        y *= two_m1022_53;
        n += 1022 - 53;
        if n < -1022 {
            y *= two_m1022_53;
            n += 1022 - 53;
            if n < -1022 {
                n = -1022;
            }
        }
    }
    y * f64::from_bits(((0x3ff + n) as u64) << 52)
}

/// The logistic function `1 / (1 + e^-z)`, computed without overflow for any `z`.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + exp(-z))
    } else {
        let e = exp(z);
        e / (1.0 + e)
    }
}

/// `Σ a[i]·b[i]`, summed left to right: the order every runtime uses.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = 0.0;
    for (x, y) in a.iter().zip(b) {
        acc += x * y;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn exp_is_within_one_ulp_of_the_platform() {
        let mut x = -745.0;
        while x < 709.0 {
            assert!(ulps(exp(x), x.exp()) <= 1, "exp({x}) = {} vs {}", exp(x), x.exp());
            x += 0.0137;
        }
        for x in [0.0, -0.0, 1e-300, -1e-300, 1e-9, 0.3, -0.3, 0.5, 1.0, -1.0, 50.0] {
            assert!(ulps(exp(x), x.exp()) <= 1, "exp({x})");
        }
    }

    #[test]
    fn exp_edges() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(800.0), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert!(exp(-744.0) > 0.0); // subnormal results are kept
    }

    #[test]
    fn sigmoid_saturates_without_nan() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert!((sigmoid(2.0) + sigmoid(-2.0) - 1.0).abs() <= f64::EPSILON);
    }
}
