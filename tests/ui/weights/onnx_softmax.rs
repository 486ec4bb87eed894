// The PyTorch model ends in logits (no Softmax in the file); a declaration
// whose last Dense is `softmax` is refused, and one whose hidden layer is
// `tanh` where the file has `Relu` too.
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
