// A graph with one output takes one slice of targets, typed by its loss as a
// chain's are: class indices given to mean_squared_error do not compile.
use mlp::loss::MeanSquaredError;
use mlp::optim::Adam;
use mlp::prelude::*;

network! {
    pub struct WideDeep {
        wide = Input[5];
        deep = Input[6];
        hidden = Dense<30, relu>(deep);
        concat = Concatenate(wide, hidden);
        output price = Dense<1>(concat);
    }
}

fn main() -> mlp::Result<()> {
    let wide = vec![SVector::<f32, 5>::zeros(); 4];
    let deep = vec![SVector::<f32, 6>::zeros(); 4];
    let labels: Vec<u8> = vec![0, 1, 2, 0];
    let mut model = WideDeep::new(1);
    let mut trainer = model.compile(MeanSquaredError, Adam::new(0.01), []);
    trainer.fit((&wide, &deep), &labels, Fit::epochs(1))?;
    Ok(())
}
