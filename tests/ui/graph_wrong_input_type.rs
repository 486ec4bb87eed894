use mlp::prelude::*;

network! {
    pub struct WideDeep {
        wide = Input[5];
        deep = Input[6];
        hidden = Dense<30, relu>(deep);
        concat = Concatenate(wide, hidden);
        output y = Dense<1>(concat);
    }
}

fn main() {
    let model = WideDeep::zeroed();
    let _ = model.predict_one(&SVector::<f32, 6>::zeros());
}
