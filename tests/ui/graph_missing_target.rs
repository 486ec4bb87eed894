// A graph with two outputs takes one target slice per output: one slice
// for both does not compile.
use mlp::loss::MeanSquaredError;
use mlp::optim::Sgd;
use mlp::prelude::*;

network! {
    pub struct TwoOutputs {
        x = Input[4];
        hidden = Dense<8, relu>(x);
        output main_output = Dense<1>(hidden);
        output aux_output = Dense<1>(hidden);
    }
}

fn main() -> mlp::Result<()> {
    let x = vec![SVector::<f32, 4>::zeros(); 4];
    let y = vec![1.0_f32; 4];
    let mut model = TwoOutputs::new(1);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
    trainer.fit(&x, &y, Fit::epochs(1))?;
    Ok(())
}
