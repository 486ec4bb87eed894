use mlp::prelude::*;

network! {
    pub struct WideDeep {
        deep = Input[6];
        hidden = Dense<30, relu>(deep);
        hidden = Dense<30, relu>(deep);
        a = Dense<30, relu, name = block>(deep);
        b = Dense<30, relu, name = block>(a);
        c = Dense<30, relu, name = dense>(b);
        output y = Dense<1>(c);
    }
}

fn main() {}
