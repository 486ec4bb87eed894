use mlp::prelude::*;

network! {
    pub struct WideDeep {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<30, relu>(deep);
        hidden2 = Dense<30, relu>(hiden1);
        concat = Concatenate(wide, hidden2);
        output main_output = Dense<1>(concat, banana);
    }
}

fn main() {}
