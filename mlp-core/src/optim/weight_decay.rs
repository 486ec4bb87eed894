//! Keras 3's decoupled weight decay, shared by every optimizer.

/// Keras's `_apply_weight_decay`: `w = w - w * weight_decay * lr` for every
/// parameter, before the optimizer's own update (in `f32`, in Keras's order
/// of operations). Nothing for `None` or a zero decay.
#[inline]
pub(crate) fn apply(params: &mut [f32], weight_decay: Option<f32>, lr: f32) {
    if let Some(wd) = weight_decay
        && wd != 0.0
    {
        for p in params {
            *p = *p - *p * wd * lr;
        }
    }
}

/// Whether the decay changes nothing (`None` or zero).
#[inline]
pub(crate) fn is_off(weight_decay: Option<f32>) -> bool {
    weight_decay.is_none_or(|wd| wd == 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    // keras/src/optimizers/*_test.py `test_weight_decay`: a variable of 2.0
    // with a zero gradient, three optimizers with learning_rate=1.0 and
    // weight_decay=0.004 applied in turn: 1.9760959.
    #[test]
    fn keras_weight_decay() {
        let mut w = [2.0_f32];
        for _ in 0..3 {
            apply(&mut w, Some(0.004), 1.0);
        }
        assert!((w[0] as f64 - 1.976_095_9).abs() < 1e-6, "{}", w[0]);
        apply(&mut w, None, 1.0);
        apply(&mut w, Some(0.0), 1.0);
        assert!((w[0] as f64 - 1.976_095_9).abs() < 1e-6);
        assert!(is_off(None) && is_off(Some(0.0)) && !is_off(Some(0.1)));
    }
}
