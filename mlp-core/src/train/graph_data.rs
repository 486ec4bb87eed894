//! The data a graph trains on, as Keras's `fit` takes it: one slice per
//! declared input (`(&x_wide, &x_deep)`) and one target slice per declared
//! output (`(&y, &y)`), in declaration order. The widths and lengths are
//! checked when `fit` starts, with errors naming the input or output and
//! both sizes.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::loss::MeanSquaredError;
//! use mlp_core::train::{GraphData, Rows, Targets};
//!
//! let wide = vec![SVector::<f32, 5>::zeros(); 4];
//! let deep = vec![SVector::<f32, 6>::zeros(); 4];
//! let x: Vec<Rows<'_>> = (&wide, &deep).columns();
//! assert_eq!((x.len(), x[1].width(), x[1].len()), (2, 6, 4));
//! let y: Vec<Targets<'_, MeanSquaredError>> = (&[1.0_f32, 2.0, 3.0, 4.0][..],).columns();
//! assert_eq!(y[0].len(), 4);
//! # Ok::<(), mlp_core::Error>(())
//! ```

use crate::loss::{OutputTarget, TargetRef};
use crate::sample::Sample;
use core::marker::PhantomData;
use std::sync::Arc;
use std::vec::Vec;

/// The samples of one input, whatever their type (`SVector<f32, N>`).
trait RowSource: Sync {
    fn len(&self) -> usize;
    fn width(&self) -> usize;
    fn write_row(&self, i: usize, out: &mut [f32]);
    fn is_finite(&self, i: usize) -> bool;
}

impl<S: Sample> RowSource for &[S] {
    fn len(&self) -> usize {
        <[S]>::len(self)
    }

    fn width(&self) -> usize {
        S::SIZE
    }

    fn write_row(&self, i: usize, out: &mut [f32]) {
        self[i].write_row_major(out);
    }

    fn is_finite(&self, i: usize) -> bool {
        self[i].is_finite()
    }
}

/// One input's samples (a slice of any [`Sample`] type, or a range of
/// one), for a graph's `fit`.
#[derive(Clone)]
pub struct Rows<'a> {
    source: Arc<dyn RowSource + 'a>,
    start: usize,
    len: usize,
}

impl<'a> Rows<'a> {
    fn new(source: Arc<dyn RowSource + 'a>) -> Self {
        let len = source.len();
        Self {
            source,
            start: 0,
            len,
        }
    }

    /// Samples.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Values per sample.
    pub fn width(&self) -> usize {
        self.source.width()
    }

    /// Writes sample `i`'s values into `out` (`width` long).
    pub fn write_row(&self, i: usize, out: &mut [f32]) {
        self.source.write_row(self.start + i, out);
    }

    /// Whether every value of sample `i` is finite.
    pub fn is_finite(&self, i: usize) -> bool {
        self.source.is_finite(self.start + i)
    }

    /// Samples `..at` and `at..` (`at` at most `len`).
    pub(crate) fn split_at(&self, at: usize) -> (Self, Self) {
        let part = |start, len| Self {
            source: self.source.clone(),
            start: self.start + start,
            len,
        };
        (part(0, at), part(at, self.len - at))
    }
}

impl<'a, S: Sample> From<&'a [S]> for Rows<'a> {
    fn from(samples: &'a [S]) -> Self {
        Self::new(Arc::new(samples))
    }
}

impl<'a, S: Sample> From<&'a Vec<S>> for Rows<'a> {
    fn from(samples: &'a Vec<S>) -> Self {
        Self::from(samples.as_slice())
    }
}

impl<'a, S: Sample, const N: usize> From<&'a [S; N]> for Rows<'a> {
    fn from(samples: &'a [S; N]) -> Self {
        Self::from(samples.as_slice())
    }
}

/// One output's targets for loss `L` (`f32`, `SVector<f32, N>` or class
/// indices, as [`OutputTarget`] allows), for a graph's `fit`.
pub struct Targets<'a, L> {
    target: Arc<dyn Fn(usize) -> TargetRef<'a> + Send + Sync + 'a>,
    start: usize,
    len: usize,
    loss: PhantomData<fn() -> L>,
}

impl<'a, L> Targets<'a, L> {
    /// Samples.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sample `i`'s target.
    pub fn target(&self, i: usize) -> TargetRef<'a> {
        (self.target)(self.start + i)
    }

    /// Samples `..at` and `at..` (`at` at most `len`).
    pub(crate) fn split_at(&self, at: usize) -> (Self, Self) {
        let part = |start, len| Self {
            target: self.target.clone(),
            start: self.start + start,
            len,
            loss: PhantomData,
        };
        (part(0, at), part(at, self.len - at))
    }
}

impl<'a, L: 'a, Y: OutputTarget<L>> From<&'a [Y]> for Targets<'a, L> {
    fn from(y: &'a [Y]) -> Self {
        Self {
            target: Arc::new(move |i| y[i].output_target()),
            start: 0,
            len: y.len(),
            loss: PhantomData,
        }
    }
}

impl<'a, L: 'a, Y: OutputTarget<L>> From<&'a Vec<Y>> for Targets<'a, L> {
    fn from(y: &'a Vec<Y>) -> Self {
        Self::from(y.as_slice())
    }
}

impl<'a, L: 'a, Y: OutputTarget<L>, const N: usize> From<&'a [Y; N]> for Targets<'a, L> {
    fn from(y: &'a [Y; N]) -> Self {
        Self::from(y.as_slice())
    }
}

/// One slice per input or output, as `fit` takes them: a tuple of slices
/// (`(&x_wide, &x_deep)`, or `(&x,)`), or one slice for a graph with one
/// input or output. Each becomes a `T` ([`Rows`] or [`Targets`]).
pub trait GraphData<'a, T> {
    /// The slices, in order.
    fn columns(self) -> Vec<T>;
}

impl<'a, S: Sample> GraphData<'a, Rows<'a>> for &'a [S] {
    fn columns(self) -> Vec<Rows<'a>> {
        vec![self.into()]
    }
}

impl<'a, S: Sample> GraphData<'a, Rows<'a>> for &'a Vec<S> {
    fn columns(self) -> Vec<Rows<'a>> {
        vec![self.into()]
    }
}

impl<'a, L: 'a, Y: OutputTarget<L>> GraphData<'a, Targets<'a, L>> for &'a [Y] {
    fn columns(self) -> Vec<Targets<'a, L>> {
        vec![self.into()]
    }
}

impl<'a, L: 'a, Y: OutputTarget<L>> GraphData<'a, Targets<'a, L>> for &'a Vec<Y> {
    fn columns(self) -> Vec<Targets<'a, L>> {
        vec![self.into()]
    }
}

impl<'a, T> GraphData<'a, T> for Vec<T> {
    fn columns(self) -> Vec<T> {
        self
    }
}

macro_rules! tuple_data {
    ($($name:ident)+) => {
        impl<'a, T, $($name: Into<T>),+> GraphData<'a, T> for ($($name,)+) {
            #[allow(non_snake_case)]
            fn columns(self) -> Vec<T> {
                let ($($name,)+) = self;
                vec![$($name.into()),+]
            }
        }
    };
}

tuple_data!(A);
tuple_data!(A B);
tuple_data!(A B C);
tuple_data!(A B C D);
tuple_data!(A B C D E);
tuple_data!(A B C D E F);
tuple_data!(A B C D E F G);
tuple_data!(A B C D E F G H);
