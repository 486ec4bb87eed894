use mlp::prelude::*;

network! {
    pub struct WideDeep {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<30, relu>(deep);
        sum = Add(hidden1, wide);
        output y = Dense<1>(sum);
    }
}

fn main() {}
