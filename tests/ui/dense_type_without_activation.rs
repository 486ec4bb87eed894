// Writing a layer type by hand: the third parameter must be an activation type.
use mlp::layer::Dense;

fn main() {
    let _layer = Dense::<4, 2, f32>::zeros();
}
