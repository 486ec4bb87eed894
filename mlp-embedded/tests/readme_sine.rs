//! The README's *Embedded* example, as the README writes it (the root crate's
//! `tests/readme_claims.rs` checks that the block between the markers is in
//! README.md verbatim): the sine model baked from this crate's
//! `weights/sine.safetensors`, in a `static`, within a compile-time budget.

/// The README's lines, in a module of their own: rustfmt leaves them as the
/// README writes them.
#[rustfmt::skip]
mod readme {
    use mlp_core::prelude::*;

    // README begin
    network! {
        #[weights("weights/sine.safetensors")]       // read at compile time
        pub struct SineNet { Input[1] -> Dense<16, relu> -> Dense<16, relu> -> Dense<1> }
    }
    static MODEL: SineNet = SineNet::WEIGHTS;        // in read-only memory, no parsing at run time
    const _: () = assert!(SineNet::WEIGHT_BYTES <= 64 * 1024);   // a compile-time budget
    // README end

    #[test]
    fn the_readme_model_is_the_crates_sine_model() {
        assert_eq!(MODEL.params(), mlp_embedded::MODEL.params());
        let x = SVector::<f32, 1>::new(1.0);
        assert!((MODEL.predict_one(&x)[0] - 1f32.sin()).abs() < 0.05);
    }
}
