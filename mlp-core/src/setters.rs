//! `setters!`: the builder setters of the crate's option types, written once.

/// Writes builder setters inside an `impl` block: each `name: Type` becomes
/// `pub fn name(mut self, name: Type) -> Self`, which sets the field of that
/// name and returns `self`, with the doc comments written above it;
/// `name: Type => f` stores `f(name)` instead (`Some`, `Into::into`,
/// `f64::abs`). `const` first makes them `const fn`s (without `=> f`).
///
/// ```text
/// impl Sgd<S> {
///     setters! {
///         /// Sets the momentum (Keras's `momentum`).
///         momentum: f32,
///         /// Sets Keras 3's decoupled `weight_decay`.
///         weight_decay: f32 => Some,
///     }
/// }
/// ```
macro_rules! setters {
    (@map $value:ident) => {
        $value
    };
    (@map $value:ident, $map:expr) => {
        $map($value)
    };
    (const $($(#[doc = $doc:literal])* $field:ident: $t:ty),* $(,)?) => {$(
        $(#[doc = $doc])*
        pub const fn $field(mut self, $field: $t) -> Self {
            self.$field = $field;
            self
        }
    )*};
    ($($(#[doc = $doc:literal])* $field:ident: $t:ty $(=> $map:expr)?),* $(,)?) => {$(
        $(#[doc = $doc])*
        pub fn $field(mut self, $field: $t) -> Self {
            self.$field = setters!(@map $field $(, $map)?);
            self
        }
    )*};
}
