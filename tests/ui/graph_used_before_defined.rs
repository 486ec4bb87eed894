use mlp::prelude::*;

network! {
    pub struct Cycle {
        x = Input[4];
        hidden1 = Dense<8, relu>(hidden2);
        hidden2 = Dense<8, relu>(hidden1);
        loop_ = Dense<8, relu>(loop_);
        output y = Dense<1>(hidden2);
    }
}

fn main() {}
