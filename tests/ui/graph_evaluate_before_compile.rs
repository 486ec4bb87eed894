// A graph is no different: `evaluate` is the trainer's, which `compile`
// returns.
use mlp::prelude::*;

network! {
    pub struct TwoHeads {
        x = Input[4];
        hidden = Dense<8, relu>(x);
        output price = Dense<1>(hidden);
        output class = Dense<3, softmax>(hidden);
    }
}

fn main() -> mlp::Result<()> {
    let x = vec![SVector::<f32, 4>::zeros(); 4];
    let price = vec![1.0_f32; 4];
    let class: Vec<u8> = vec![0, 1, 2, 0];
    let mut model = TwoHeads::new(1);
    let results = model.evaluate(&x, (&price, &class))?;
    println!("{results}");
    Ok(())
}
