//! Helpers around the data: Keras's `keras.utils`.
//!
//! ```
//! use mlp_core::SVector;
//! use mlp_core::utils::to_categorical;
//!
//! let labels: [u8; 3] = [0, 2, 1];
//! let y: Vec<SVector<f32, 3>> = to_categorical(&labels)?;
//! assert_eq!(y[1], SVector::<f32, 3>::new(0.0, 0.0, 1.0));
//! assert!(to_categorical::<3, u8>(&[3]).is_err());
//! # Ok::<(), mlp_core::Error>(())
//! ```

#[cfg(feature = "alloc")]
use alloc::{format, vec::Vec};
#[cfg(feature = "alloc")]
use nalgebra::SVector;

/// One-hot vectors of `N` classes from class indices (Keras's
/// `to_categorical` with `num_classes = N`). Any integer type works; a label
/// that is negative or `>= N` is an error naming its position, its value and
/// `N`, and nothing is returned.
#[cfg(feature = "alloc")]
pub fn to_categorical<const N: usize, T>(labels: &[T]) -> crate::Result<Vec<SVector<f32, N>>>
where
    T: Copy + TryInto<usize> + core::fmt::Display,
{
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| match (*label).try_into() {
            Ok(class) if class < N => {
                let mut v = SVector::<f32, N>::zeros();
                v[class] = 1.0;
                Ok(v)
            }
            _ => Err(crate::Error::InvalidArgument {
                name: "labels",
                message: format!(
                    "label {label} at index {i} is not a class index for {N} classes (0..{N})"
                ),
            }),
        })
        .collect()
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn one_hot_rows() {
        let y: Vec<SVector<f32, 4>> = to_categorical(&[3_i64, 0]).unwrap();
        assert_eq!(y[0].as_slice(), &[0.0, 0.0, 0.0, 1.0]);
        assert_eq!(y[1].as_slice(), &[1.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn out_of_range_names_index_and_classes() {
        let e = to_categorical::<10, u8>(&[1, 2, 10]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument `labels`: label 10 at index 2 is not a class index for 10 classes (0..10)"
        );
        let e = to_categorical::<10, i32>(&[-1]).unwrap_err();
        assert!(e.to_string().contains("label -1 at index 0"), "{e}");
    }
}
