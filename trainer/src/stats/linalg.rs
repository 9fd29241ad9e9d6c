//! Dense linear algebra small enough to write out: a Cholesky solve of a symmetric system.

/// Solves `H·x = b` in place (`b` becomes `x`) by Cholesky factorisation of the symmetric `H`
/// (`k × k`, overwritten); `false` when `H` is not positive definite.
pub fn cholesky_solve(h: &mut [f64], k: usize, b: &mut [f64]) -> bool {
    // H = L·Lᵀ, L kept in the lower triangle.
    for j in 0..k {
        let given = h[j * k + j];
        let mut diagonal = given;
        for m in 0..j {
            diagonal -= h[j * k + m] * h[j * k + m];
        }
        // What is left of the diagonal once the columns before explain it: nothing but rounding
        // when the column is a combination of them.
        if diagonal.is_nan() || diagonal <= 1e-10 * given {
            return false;
        }
        let root = diagonal.sqrt();
        h[j * k + j] = root;
        for i in j + 1..k {
            let mut v = h[i * k + j];
            for m in 0..j {
                v -= h[i * k + m] * h[j * k + m];
            }
            h[i * k + j] = v / root;
        }
    }
    // L·u = b, then Lᵀ·x = u.
    for i in 0..k {
        let mut v = b[i];
        for m in 0..i {
            v -= h[i * k + m] * b[m];
        }
        b[i] = v / h[i * k + i];
    }
    for i in (0..k).rev() {
        let mut v = b[i];
        for m in i + 1..k {
            v -= h[m * k + i] * b[m];
        }
        b[i] = v / h[i * k + i];
    }
    true
}
