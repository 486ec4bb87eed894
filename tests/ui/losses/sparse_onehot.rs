// One-hot labels given to sparse_categorical_crossentropy: it takes class indices.
use mlp::loss::{SparseCategoricalCrossentropy, TargetFor};
use mlp::SVector;

/// Stands for `fit`: targets must suit the loss, for a network with 10 outputs.
fn check<L, Y: TargetFor<L, SVector<f32, 10>>>(_loss: L, _y: &[Y]) {}

fn main() {
    let y_train = vec![SVector::<f32, 10>::zeros(); 4];
    check(SparseCategoricalCrossentropy, &y_train);
}
