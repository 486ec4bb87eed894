//! Numerically stable functions of logits, for the losses' `from_logits`.

/// `log(sum(exp(z)))`, computed as `m + log(sum(exp(z - m)))` with `m` the
/// largest logit, so that no `exp` overflows. NaN if any logit is NaN;
/// `+inf` if the largest is `+inf`.
pub(crate) fn log_sum_exp(z: &[f32]) -> f32 {
    let m = z.iter().fold(f32::NEG_INFINITY, |m, v| m.max(*v));
    if !m.is_finite() || z.iter().any(|v| v.is_nan()) {
        return if z.iter().any(|v| v.is_nan()) {
            f32::NAN
        } else {
            m
        };
    }
    let sum: f32 = z.iter().map(|v| libm::expf(v - m)).sum();
    m + libm::logf(sum)
}

/// `softmax(z)` written into `out`, through `exp(z - lse)`.
pub(crate) fn softmax_into(z: &[f32], lse: f32, out: &mut [f32]) {
    for (o, v) in out.iter_mut().zip(z) {
        *o = libm::expf(v - lse);
    }
}

/// `log(sigmoid(x)) = -softplus(-x)`, stable for any `x`:
/// `min(x, 0) - log1p(exp(-|x|))`.
#[inline]
pub(crate) fn log_sigmoid(x: f32) -> f32 {
    x.min(0.0) - libm::log1pf(libm::expf(-x.abs()))
}

/// `sigmoid(x)`, without overflow for large `|x|`.
#[inline]
pub(crate) fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::expf(-x))
    } else {
        let e = libm::expf(x);
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_for_large_logits() {
        let lse = log_sum_exp(&[1000.0, 1000.0]);
        assert!((lse - (1000.0 + 2.0_f32.ln())).abs() < 1e-3, "{lse}");
        assert!((log_sum_exp(&[-1000.0, 0.0]) - 0.0).abs() < 1e-6);
        assert!(log_sum_exp(&[f32::NAN, 0.0]).is_nan());
        assert!((log_sigmoid(-100.0) + 100.0).abs() < 1e-4);
        assert!(log_sigmoid(100.0).abs() < 1e-6);
        assert_eq!(sigmoid(-200.0), 0.0);
        assert_eq!(sigmoid(200.0), 1.0);
        let mut p = [0.0; 3];
        let z = [1.0, 2.0, 3.0];
        softmax_into(&z, log_sum_exp(&z), &mut p);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
}
