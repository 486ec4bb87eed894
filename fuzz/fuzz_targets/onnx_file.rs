//! ONNX models and PyTorch state dicts on arbitrary bytes, through
//! `load_onnx_from_bytes` and `load_torch_from_bytes` of a chain and of a
//! graph (the declarations of the seeds, tests/fixtures/torch-files/).
//! Never a panic, memory bounded by the input (a tensor that declares more
//! values than the bytes hold is an error, not an allocation); a refused
//! file changes no weight; an accepted one holds only finite values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::prelude::*;

network! {
    struct HousingBn {
        Input[8] -> Dense<50> -> BatchNormalization<epsilon = 1e-5> -> ELU -> Dropout<0.2> -> Dense<1>
    }
}

network! {
    struct WideDeep {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<30, relu>(deep);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

fn check(before: &[f32], after: &[f32], result: mlp_core::Result<()>) {
    match result {
        Ok(()) => assert!(after.iter().all(|v| v.is_finite())),
        Err(_) => assert_eq!(after, before),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut chain = HousingBn::new(1);
    let before = chain.params().to_vec();
    let r = chain.load_onnx_from_bytes(data);
    check(&before, chain.params(), r);
    let before = chain.params().to_vec();
    let r = chain.load_torch_from_bytes(data);
    check(&before, chain.params(), r);

    let mut graph = WideDeep::new(1);
    let before = graph.params().to_vec();
    let r = graph.load_onnx_from_bytes(data);
    check(&before, graph.params(), r);
    let before = graph.params().to_vec();
    let r = graph.load_torch_from_bytes(data);
    check(&before, graph.params(), r);
});
