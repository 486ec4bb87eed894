//! The opt-in int8 one-sample path (`DenseI8::forward_one_u8`: inputs
//! quantised to u8 per sample, integer sums on VNNI where the processor has
//! it) keeps the book's model's test accuracy within 0.2 points of f32, on
//! all 10,000 Fashion-MNIST test images, with the int8 weights the embedded
//! bake produces (`DenseI8::quantize`, one scale per unit, as
//! `quant::quantize_unit` quantises a baked file), and with those weights
//! packed for VNNI (`DenseI8::pack`) gives the same outputs bit for bit.

use mlp::datasets::fashion_mnist;
use mlp::loss::SparseCategoricalCrossentropy;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::quant::DenseI8;

network! {
    struct BookMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// The index of the largest output.
fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

#[test]
fn int8_one_sample_path_stays_within_0_2_points_of_f32() {
    let ((x_train, y_train), (x_test, y_test)) = fashion_mnist::load_data().unwrap();
    let (x_train, x_test) = (
        fashion_mnist::scale(&x_train),
        fashion_mnist::scale(&x_test),
    );
    let mut model = BookMlp::new(42);
    model
        .compile(SparseCategoricalCrossentropy, Sgd::new(0.01), [])
        .fit(
            &x_train,
            &y_train,
            Fit::epochs(3).batch_size(32).verbose(0).seed(1),
        )
        .unwrap();
    let l1 = Box::new(DenseI8::quantize(&model.dense));
    let l2 = Box::new(DenseI8::quantize(&model.dense_1));
    let l3 = Box::new(DenseI8::quantize(&model.dense_2));
    let (p1, p2, p3) = (l1.pack(), l2.pack(), l3.pack());

    let f32_out = model.predict_with_batch_size(&x_test, 256).unwrap();
    let (mut right_f32, mut right_u8, mut right_w8) = (0, 0, 0);
    for ((x, y), out) in x_test.iter().zip(&y_test).zip(&f32_out) {
        let mut flat = SVector::<f32, 784>::zeros();
        mlp::Flatten::<28, 28>::flatten_into(x, flat.as_mut_slice());
        let x = flat;
        let u8_path = l3.forward_one_u8(&l2.forward_one_u8(&l1.forward_one_u8(&x)));
        // The weights packed for VNNI: the same outputs, bit for bit.
        let packed = p3.forward_one_u8(&p2.forward_one_u8(&p1.forward_one_u8(&x)));
        assert_eq!(packed, u8_path);
        let weights_only = l3.forward_one(&l2.forward_one(&l1.forward_one(&x)));
        let y = usize::from(*y);
        right_f32 += usize::from(argmax(out.as_slice()) == y);
        right_u8 += usize::from(argmax(u8_path.as_slice()) == y);
        right_w8 += usize::from(argmax(weights_only.as_slice()) == y);
    }
    let points = |right: usize| right as f64 / 100.0;
    let (f32_acc, u8_acc, w8_acc) = (points(right_f32), points(right_u8), points(right_w8));
    println!(
        "test accuracy: f32 {f32_acc:.2}%, int8 weights {w8_acc:.2}%, int8 weights and u8 inputs {u8_acc:.2}%"
    );
    assert!(f32_acc > 80.0, "a trained model: {f32_acc}%");
    assert!(
        (u8_acc - f32_acc).abs() <= 0.2,
        "int8 path {u8_acc}% vs f32 {f32_acc}%"
    );
}
