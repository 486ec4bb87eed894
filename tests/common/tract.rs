//! Runs ONNX bytes in tract (`tract-onnx`, a pure-Rust ONNX runtime), to
//! check that what `save_onnx` writes is read by a runtime that is not ours.

use tract_onnx::prelude::*;

/// The outputs of the ONNX model `bytes` for a batch: one `(values, shape
/// of one sample)` per input, in the file's order, values row-major; one
/// vector of values per output.
pub fn run(bytes: &[u8], inputs: &[(&[f32], &[usize])]) -> Result<Vec<Vec<f32>>, String> {
    let s = |e: TractError| format!("tract: {e:?}");
    let mut model = tract_onnx::onnx()
        .model_for_read(&mut std::io::Cursor::new(bytes))
        .map_err(s)?;
    let mut values: TVec<TValue> = tvec![];
    for (k, (data, shape)) in inputs.iter().enumerate() {
        let per = shape.iter().product::<usize>().max(1);
        let mut full = vec![data.len() / per];
        full.extend_from_slice(shape);
        model = model
            .with_input_fact(k, InferenceFact::dt_shape(f32::datum_type(), &full))
            .map_err(s)?;
        values.push(Tensor::from_shape(&full, data).map_err(s)?.into());
    }
    let plan = model
        .into_optimized()
        .map_err(s)?
        .into_runnable()
        .map_err(s)?;
    let outputs = plan.run(values).map_err(s)?;
    outputs
        .iter()
        .map(|t| t.as_slice::<f32>().map(<[f32]>::to_vec).map_err(s))
        .collect()
}
