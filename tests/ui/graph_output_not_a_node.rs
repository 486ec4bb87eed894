use mlp::prelude::*;

network! {
    pub struct WideDeep {
        deep = Input[6];
        hidden1 = Dense<30, relu>(deep);
        output hiden1;
        output deep;
    }
}

fn main() {}
