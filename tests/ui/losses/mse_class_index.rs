// Class indices given to mean_squared_error: it takes real-valued vectors.
use mlp::loss::{MeanSquaredError, TargetFor};
use mlp::SVector;

/// Stands for `fit`: targets must suit the loss, for a network with 1 output.
fn check<L, Y: TargetFor<L, SVector<f32, 1>>>(_loss: L, _y: &[Y]) {}

fn main() {
    let y_train: Vec<u8> = vec![0, 3, 1];
    check(MeanSquaredError, &y_train);
}
