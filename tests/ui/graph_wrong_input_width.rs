// Each input of a graph takes samples of its declared width: the deep
// input's 6 features given to the wide input (5) do not compile.
use mlp::loss::MeanSquaredError;
use mlp::optim::Sgd;
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

fn main() -> mlp::Result<()> {
    let deep = vec![SVector::<f32, 6>::zeros(); 4];
    let y = vec![1.0_f32; 4];
    let mut model = WideDeep::new(1);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
    trainer.fit((&deep, &deep), &y, Fit::epochs(1))?;
    Ok(())
}
