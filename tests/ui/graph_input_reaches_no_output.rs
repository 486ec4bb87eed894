use mlp::prelude::*;

network! {
    pub struct WideDeep {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<30, relu>(deep);
        hidden2 = Dense<30, relu>(hidden1);
        output main_output = Dense<1>(hidden2);
    }
}

fn main() {}
