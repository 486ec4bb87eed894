// The file's first hidden layer ends in Relu, this one in tanh: the first
// difference is the error (the nodes that read it, here every later one,
// with `softmax` where the PyTorch file ends in logits, are not compared).
use mlp::prelude::*;

network! {
    #[weights("../../../../tests/fixtures/torch-files/wide_deep_torch/model.onnx")]
    pub struct WideDeep {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<30, tanh>(deep);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide, hidden2);
        output main_output = Dense<1, softmax>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

fn main() {
    let _ = WideDeep::WEIGHTS;
}
