//! The data sets of the book's chapter 10, and the preprocessing around them.
//!
//! - [`fashion_mnist`]: 70,000 28x28 images of clothing, Keras's `load_data()`
//!   (from `$MLP_DATA_DIR`, the repository's `data/`, the user cache, or a
//!   verified download);
//! - [`california_housing`]: 20,640 block groups, 8 features and the median
//!   house value, as scikit-learn's `fetch_california_housing` (from the same
//!   places, or StatLib's archive downloaded once and checked);
//! - [`train_test_split`] (seeded, the rows scikit-learn's gives for the same
//!   `random_state`) and [`StandardScaler`], as in scikit-learn;
//! - [`idx`]: the reader of the IDX files MNIST-like data sets ship in;
//! - [`npy`]: numpy's `.npy` files (`np.save`), read as a model's samples,
//!   and written.
//!
//! The regression workflow of the book, up to the model:
//!
//! ```
//! use mlp_core::datasets::{california_housing, train_test_split, StandardScaler};
//!
//! let housing = california_housing::load()?;
//! let ((x_train_full, y_train_full), (x_test, y_test)) = train_test_split(&housing.x, &housing.y, 0.25, 42)?;
//! let ((x_train, y_train), (x_valid, y_valid)) = train_test_split(&x_train_full, &y_train_full, 0.25, 42)?;
//! assert_eq!((x_train.len(), x_valid.len(), x_test.len()), (11_610, 3_870, 5_160));
//!
//! let scaler = StandardScaler::fit(&x_train)?;
//! let (x_train, x_valid, x_test) = (scaler.transform(&x_train), scaler.transform(&x_valid), scaler.transform(&x_test));
//! assert!(x_train.iter().map(|x| x[0]).sum::<f32>().abs() < 1.0); // centred
//! # let _ = (x_valid, y_valid, x_test, y_test, y_train);
//! # Ok::<(), mlp_core::Error>(())
//! ```
//!
//! # Where data sets are looked for
//!
//! `$MLP_DATA_DIR` ([`DATA_DIR_ENV`]) names a folder holding the files, or
//! holding one subfolder per data set (`fashion-mnist/`,
//! `california-housing/`). Next comes the repository's `data/` folder, when
//! the crate is built from the repository (a packaged crate has none). Then
//! the cache named by `$MLP_CACHE_DIR` ([`CACHE_DIR_ENV`]), else the
//! platform's cache folder + `mlp` (`~/.cache/mlp` on Linux). A file found
//! nowhere is downloaded once into that cache from its official address,
//! with the `download` feature, and kept only if its SHA-256 is the published
//! one. When a file is missing and cannot be downloaded, the error lists every
//! place looked in and says which file to put where.

mod cal_housing_archive;
pub mod california_housing;
mod download;
pub mod fashion_mnist;
pub mod idx;
mod locate;
pub mod npy;
pub mod scaler;
pub mod split;

pub use scaler::StandardScaler;
pub use split::train_test_split;

/// The environment variable naming a folder of data sets.
pub const DATA_DIR_ENV: &str = "MLP_DATA_DIR";

/// The environment variable naming the download cache folder.
pub const CACHE_DIR_ENV: &str = "MLP_CACHE_DIR";
