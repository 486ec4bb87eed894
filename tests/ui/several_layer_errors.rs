// Every mistake in the new layer kinds is reported at once.
use mlp::prelude::*;

network! {
    pub struct Net {
        Flatten[28, 28]
            -> Dropout<1.5>
            -> BatchNormalization<momentun = 0.9>
            -> Dense<100, elu, kernel_regularizer = l3>
            -> LeakyReLU<relu>
            -> Dense<10, softmax>
    }
}

fn main() {}
