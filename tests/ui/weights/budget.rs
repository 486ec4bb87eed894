// A compile-time budget: this model's weights (about 1 MiB) do not fit in 64 KiB.
use mlp::prelude::*;

network! {
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

const _: () = assert!(
    <FashionMlp as Model>::WEIGHT_BYTES <= 64 * 1024,
    "the model must fit in 64 KiB of flash"
);

fn main() {}
