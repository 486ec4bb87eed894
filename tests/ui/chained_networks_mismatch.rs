// The output of one network is the input of another only if the sizes agree.
use mlp::prelude::*;

network! {
    pub struct A {
        Input[4] -> Dense<10, softmax>
    }
}

network! {
    pub struct B {
        Input[20] -> Dense<1>
    }
}

fn main() {
    let (a, b) = (A::new(0), B::new(1));
    let x = SVector::<f32, 4>::zeros();
    let _ = b.predict_one(&a.predict_one(&x));
}
