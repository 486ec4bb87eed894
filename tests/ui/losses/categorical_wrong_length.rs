// One-hot labels of 3 classes for a network with 10 outputs.
use mlp::loss::{CategoricalCrossentropy, TargetFor};
use mlp::SVector;

/// Stands for `fit`: targets must suit the loss, for a network with 10 outputs.
fn check<L, Y: TargetFor<L, SVector<f32, 10>>>(_loss: L, _y: &[Y]) {}

fn main() {
    let y_train = vec![SVector::<f32, 3>::zeros(); 4];
    check(CategoricalCrossentropy, &y_train);
}
