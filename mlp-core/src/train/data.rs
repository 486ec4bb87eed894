//! The data `fit`, `evaluate` and `predict` take, as Keras takes it: one
//! slice per declared input and one target slice per declared output, in
//! declaration order, typed by the model. A chain takes `&x` and `&y`; a
//! graph `(&x_wide, &x_deep)` and `(&y_main, &y_aux)` (or one slice for a
//! single input or output). Each slice is a `&[T]`, a `&Vec<T>` or a
//! `&[T; N]`. An input's samples are typed by its width, an output's targets
//! by its width and its loss, so a wrong one does not compile; the lengths
//! are checked when the call starts, with errors naming the input or output
//! and both sizes.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::loss::MeanSquaredError;
//! use mlp_core::train::{InputData, TargetData};
//!
//! let wide = vec![SVector::<f32, 5>::zeros(); 4];
//! let deep = vec![SVector::<f32, 6>::zeros(); 4];
//! let x = InputData::<(SVector<f32, 5>, SVector<f32, 6>)>::columns((&wide, &deep));
//! assert_eq!((x.len(), x[1].width(), x[1].len()), (2, 6, 4));
//! let y = [1.0_f32, 2.0, 3.0, 4.0];
//! let targets = TargetData::<MeanSquaredError, (SVector<f32, 1>,)>::columns(&y);
//! assert_eq!(targets[0].len(), 4);
//! # Ok::<(), mlp_core::Error>(())
//! ```

use super::losses::OutputLoss;
use crate::loss::{Loss, TargetFor, TargetRef};
use crate::sample::Sample;
use core::marker::PhantomData;
use std::sync::Arc;
use std::vec::Vec;

/// A slice of samples as `fit` takes it: `&[T]`, `&Vec<T>` or `&[T; N]`.
pub trait Column<'a>: Copy {
    /// The sample type.
    type Item: 'a;
    /// The samples.
    fn samples(self) -> &'a [Self::Item];
}

impl<'a, T: 'a> Column<'a> for &'a [T] {
    type Item = T;
    fn samples(self) -> &'a [T] {
        self
    }
}

impl<'a, T: 'a> Column<'a> for &'a Vec<T> {
    type Item = T;
    fn samples(self) -> &'a [T] {
        self
    }
}

impl<'a, T: 'a, const N: usize> Column<'a> for &'a [T; N] {
    type Item = T;
    fn samples(self) -> &'a [T] {
        self
    }
}

/// The samples of one input, whatever their type (`SVector<f32, N>`).
trait RowSource: Sync + Send {
    fn width(&self) -> usize;
    fn write_row(&self, i: usize, out: &mut [f32]);
    fn is_finite(&self, i: usize) -> bool;
    fn prefetch(&self, i: usize);
}

impl<S: Sample> RowSource for &[S] {
    fn width(&self) -> usize {
        S::SIZE
    }

    #[inline]
    fn write_row(&self, i: usize, out: &mut [f32]) {
        self[i].write_row_major(out);
    }

    fn is_finite(&self, i: usize) -> bool {
        self[i].is_finite()
    }

    #[inline]
    fn prefetch(&self, i: usize) {
        crate::kernels::prefetch(&self[i]);
    }
}

/// One input's samples (a slice of any [`Sample`] type, or a range of
/// one), as the trainer reads them.
#[derive(Clone)]
pub struct Rows<'a> {
    source: Arc<dyn RowSource + 'a>,
    start: usize,
    len: usize,
}

impl<'a> Rows<'a> {
    /// The samples of `samples`.
    pub fn new<S: Sample>(samples: &'a [S]) -> Self {
        Self {
            source: Arc::new(samples),
            start: 0,
            len: samples.len(),
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
    #[inline]
    pub fn write_row(&self, i: usize, out: &mut [f32]) {
        self.source.write_row(self.start + i, out);
    }

    /// Whether every value of sample `i` is finite.
    pub fn is_finite(&self, i: usize) -> bool {
        self.source.is_finite(self.start + i)
    }

    /// Asks the cache for sample `i` (a hint; no effect on results).
    #[inline]
    pub(crate) fn prefetch(&self, i: usize) {
        self.source.prefetch(self.start + i);
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

/// The targets of one output, whatever their type.
trait TargetSource: Send + Sync {
    fn target(&self, i: usize) -> TargetRef<'_>;
}

/// Targets `Y` of loss `L` for an output `O`.
struct Typed<'a, L, O, Y>(&'a [Y], PhantomData<fn() -> (L, O)>);

impl<L: Loss, O, Y: TargetFor<L, O>> TargetSource for Typed<'_, L, O, Y> {
    #[inline]
    fn target(&self, i: usize) -> TargetRef<'_> {
        self.0[i].target()
    }
}

/// The targets of one output, as the trainer reads them.
#[derive(Clone)]
pub struct Targets<'a> {
    source: Arc<dyn TargetSource + 'a>,
    start: usize,
    len: usize,
    /// Whether the labels are of a signed type (shown signed in errors).
    pub(crate) signed: bool,
}

impl<'a> Targets<'a> {
    /// The targets `y` of loss `L` for an output `O`.
    pub fn new<L: Loss, O: 'a, Y: TargetFor<L, O> + 'a>(y: &'a [Y]) -> Self {
        Self {
            source: Arc::new(Typed::<L, O, Y>(y, PhantomData)),
            start: 0,
            len: y.len(),
            signed: matches!(core::any::type_name::<Y>(), "i32" | "i64" | "isize"),
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

    /// Sample `i`'s target.
    #[inline]
    pub fn target(&self, i: usize) -> TargetRef<'_> {
        self.source.target(self.start + i)
    }

    /// Samples `..at` and `at..` (`at` at most `len`).
    pub(crate) fn split_at(&self, at: usize) -> (Self, Self) {
        let part = |start, len| Self {
            source: self.source.clone(),
            start: self.start + start,
            len,
            signed: self.signed,
        };
        (part(0, at), part(at, self.len - at))
    }
}

/// The inputs of a model whose [`InputSamples`](crate::Model::InputSamples)
/// are `S`: one slice per input, as a tuple (`(&x_wide, &x_deep)`), or one
/// slice alone for a model with one input (every chain).
#[diagnostic::on_unimplemented(
    message = "these are not the model's inputs: it takes one slice per input, of `{S}`",
    label = "not one slice per input of `{S}`",
    note = "give a model with one input one slice (`&x`), a graph a tuple of one slice per \
            declared input, in order (`(&x_wide, &x_deep)`); each slice is a `&[T]`, \
            `&Vec<T>` or `&[T; N]` of the input's sample type",
    note = "an image input (`Flatten[28, 28]`) takes `SMatrix<f32, 28, 28>` samples: \
            `Sample::from_row_major(&pixels)` (the `Sample` trait is in the prelude) builds one from \
            784 pixels in row-major order, as numpy and Keras store them"
)]
pub trait InputData<'a, S> {
    /// One [`Rows`] per input.
    fn columns(self) -> Vec<Rows<'a>>;
}

/// The targets of a model with losses `L` whose
/// [`OutputSamples`](crate::Model::OutputSamples) are `O`: one slice per
/// output, as a tuple (`(&y_main, &y_aux)`), or one slice alone for a model
/// with one output (every chain). Each slice's targets are typed by its
/// output's loss and width ([`TargetFor`]).
#[diagnostic::on_unimplemented(
    message = "these are not the model's targets: it takes one slice of targets per output, for the loss `{L}`",
    label = "not one slice of targets per output",
    note = "give a model with one output one slice (`&y`), a graph with several outputs a tuple of \
            one slice per declared output, in order (`(&y_price, &y_class)`); each slice is a \
            `&[T]`, `&Vec<T>` or `&[T; N]` of targets its output's loss takes"
)]
pub trait TargetData<'a, L, O> {
    /// One [`Targets`] per output.
    fn columns(self) -> Vec<Targets<'a>>;
}

// One impl per kind of slice, not one over `Column`: a slice of samples of
// another type then matches no impl, and the message above is shown (with
// `Column::Item` in the impl, the compiler reports a bare type mismatch).
macro_rules! one_input {
    ($(<$($n:ident),*> $slice:ty),+) => {$(
        impl<'a, S: Sample, $(const $n: usize)*> InputData<'a, (S,)> for $slice {
            fn columns(self) -> Vec<Rows<'a>> {
                vec![Rows::new(self.samples())]
            }
        }
    )+};
}

one_input!(<> &'a [S], <> &'a Vec<S>, <N> &'a [S; N]);

impl<'a, L: OutputLoss<0>, O0: 'a, C: Column<'a>> TargetData<'a, L, (O0,)> for C
where
    C::Item: TargetFor<L::Loss, O0>,
{
    fn columns(self) -> Vec<Targets<'a>> {
        vec![Targets::new::<L::Loss, O0, C::Item>(self.samples())]
    }
}

macro_rules! tuple_data {
    ($($i:tt $C:ident $O:ident),+) => {
        impl<'a, $($C: Column<'a>),+> InputData<'a, ($($C::Item,)+)> for ($($C,)+)
        where
            $($C::Item: Sample),+
        {
            fn columns(self) -> Vec<Rows<'a>> {
                vec![$(Rows::new(self.$i.samples())),+]
            }
        }

        impl<'a, L: $(OutputLoss<$i> +)+, $($O: 'a,)+ $($C: Column<'a>),+> TargetData<'a, L, ($($O,)+)>
            for ($($C,)+)
        where
            $($C::Item: TargetFor<<L as OutputLoss<$i>>::Loss, $O>),+
        {
            fn columns(self) -> Vec<Targets<'a>> {
                vec![$(Targets::new::<<L as OutputLoss<$i>>::Loss, $O, $C::Item>(self.$i.samples())),+]
            }
        }
    };
}

tuple_data!(0 A OA);
tuple_data!(0 A OA, 1 B OB);
tuple_data!(0 A OA, 1 B OB, 2 C OC);
tuple_data!(0 A OA, 1 B OB, 2 C OC, 3 D OD);
tuple_data!(0 A OA, 1 B OB, 2 C OC, 3 D OD, 4 E OE);
tuple_data!(0 A OA, 1 B OB, 2 C OC, 3 D OD, 4 E OE, 5 F OF);
tuple_data!(0 A OA, 1 B OB, 2 C OC, 3 D OD, 4 E OE, 5 F OF, 6 G OG);
tuple_data!(0 A OA, 1 B OB, 2 C OC, 3 D OD, 4 E OE, 5 F OF, 6 G OG, 7 H OH);

/// A model's data as the trainer reads it: one [`Rows`] per input, one
/// [`Targets`] per output, and optional weights per sample, all of one
/// length (checked before use).
#[derive(Clone)]
pub(crate) struct Columns<'a> {
    pub(crate) x: Vec<Rows<'a>>,
    pub(crate) y: Vec<Targets<'a>>,
    pub(crate) sample_weight: Option<&'a [f32]>,
}

impl<'a> Columns<'a> {
    /// Samples (of the first input).
    pub(crate) fn len(&self) -> usize {
        self.x.first().map_or(0, Rows::len)
    }

    /// Samples `..at` and `at..`.
    pub(crate) fn split_at(&self, at: usize) -> (Self, Self) {
        let (x0, x1) = self.x.iter().map(|r| r.split_at(at)).unzip();
        let (y0, y1) = self.y.iter().map(|t| t.split_at(at)).unzip();
        let (w0, w1) = match self.sample_weight {
            Some(w) => {
                let (a, b) = w.split_at(at.min(w.len()));
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        (
            Self {
                x: x0,
                y: y0,
                sample_weight: w0,
            },
            Self {
                x: x1,
                y: y1,
                sample_weight: w1,
            },
        )
    }
}
