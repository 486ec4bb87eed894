//! The data sets through the facade: the real files of `data/`, and the
//! download path against a local HTTP server serving generated IDX files.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use flate2::Compression;
use flate2::write::GzEncoder;
use mlp::Error;
use mlp::datasets::california_housing::{self, CaliforniaHousing};
use mlp::datasets::fashion_mnist::{self, CLASS_NAMES, FashionMnist, Part};
use mlp::datasets::idx;
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------- fixtures

/// A gzip-compressed IDX file of unsigned bytes.
fn idx_gz(dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut raw = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        raw.extend(d.to_be_bytes());
    }
    raw.extend(payload);
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&raw).unwrap();
    gz.finish().unwrap()
}

/// The pixel of generated image `i` at (`r`, `c`).
fn pixel(i: usize, r: usize, c: usize) -> u8 {
    ((i * 50 + r * 5 + c * 11) % 256) as u8
}

/// `n` generated 28x28 images, as a `.gz` IDX file.
fn images_gz(n: usize) -> Vec<u8> {
    let mut payload = Vec::new();
    for i in 0..n {
        for r in 0..28 {
            for c in 0..28 {
                payload.push(pixel(i, r, c));
            }
        }
    }
    idx_gz(&[n as u32, 28, 28], &payload)
}

fn labels_gz(labels: &[u8]) -> Vec<u8> {
    idx_gz(&[labels.len() as u32], labels)
}

/// A tiny Fashion-MNIST: 3 training and 2 test samples.
fn tiny_set() -> HashMap<Part, Vec<u8>> {
    HashMap::from([
        (Part::TrainImages, images_gz(3)),
        (Part::TrainLabels, labels_gz(&[9, 0, 3])),
        (Part::TestImages, images_gz(2)),
        (Part::TestLabels, labels_gz(&[7, 1])),
    ])
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn write_set(dir: &Path, set: &HashMap<Part, Vec<u8>>) {
    std::fs::create_dir_all(dir).unwrap();
    for (part, bytes) in set {
        std::fs::write(dir.join(part.file_name()), bytes).unwrap();
    }
}

/// A loader that sees nothing of the machine: an empty data folder, its own
/// cache folder, downloads from `url` expecting the hashes of `set`.
fn isolated(root: &Path, url: &str, set: &HashMap<Part, Vec<u8>>) -> FashionMnist {
    std::fs::create_dir_all(root.join("data")).unwrap();
    let mut loader = FashionMnist::loader()
        .data_dir(root.join("data"))
        .cache_dir(root.join("cache"))
        .base_url(url);
    for (part, bytes) in set {
        loader = loader.expected_sha256(*part, sha256_hex(bytes));
    }
    loader
}

/// Files in a folder (empty if it does not exist).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

// ---------------------------------------------------------------- HTTP server

/// A one-thread HTTP/1.1 server on 127.0.0.1 serving `files` by path
/// (`/name`), 404 otherwise; it records every requested path.
struct Server {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

fn serve(files: HashMap<String, Vec<u8>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/fmnist/", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // Skip the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .to_string();
            log.lock().unwrap().push(path.clone());
            let (status, body) = match path
                .strip_prefix("/fmnist/")
                .and_then(|name| files.get(name))
            {
                Some(body) => ("200 OK", body.clone()),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream
                .write_all(head.as_bytes())
                .and_then(|_| stream.write_all(&body));
        }
    });
    Server { url, requests }
}

fn by_name(set: &HashMap<Part, Vec<u8>>) -> HashMap<String, Vec<u8>> {
    set.iter()
        .map(|(p, b)| (p.file_name().to_string(), b.clone()))
        .collect()
}

/// A URL on which nothing listens.
fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    url
}

fn data_error<T>(r: mlp::Result<T>) -> (String, String) {
    match r {
        Err(Error::Data {
            source_name,
            message,
        }) => (source_name, message),
        Err(other) => panic!("expected Error::Data, got {other:?}"),
        Ok(_) => panic!("expected Error::Data, got data"),
    }
}

// ---------------------------------------------------------------- downloads

#[test]
fn download_is_verified_cached_and_reused() {
    let set = tiny_set();
    let server = serve(by_name(&set));
    let root = tempfile::tempdir().unwrap();
    let loader = isolated(root.path(), &server.url, &set);

    let ((x_train, y_train), (x_test, y_test)) = loader.load().unwrap();
    assert_eq!(
        (x_train.len(), y_train, x_test.len(), y_test),
        (3, vec![9, 0, 3], 2, vec![7, 1])
    );
    for (i, img) in x_train.iter().enumerate() {
        for (r, c) in [(0, 0), (0, 27), (27, 0), (5, 17), (17, 5)] {
            assert_eq!(img[(r, c)], pixel(i, r, c), "image {i} at ({r}, {c})");
        }
    }
    let mut requested = server.requests.lock().unwrap().clone();
    requested.sort();
    let mut expected: Vec<String> = Part::ALL
        .iter()
        .map(|p| format!("/fmnist/{}", p.file_name()))
        .collect();
    expected.sort();
    assert_eq!(requested, expected);

    // The cache holds exactly the four verified files, nothing temporary.
    let cache = root.path().join("cache").join("fashion-mnist");
    let mut names: Vec<String> = Part::ALL
        .iter()
        .map(|p| p.file_name().to_string())
        .collect();
    names.sort();
    assert_eq!(listing(&cache), names);
    for (part, bytes) in &set {
        assert_eq!(&std::fs::read(cache.join(part.file_name())).unwrap(), bytes);
    }

    // A second load is served from the cache, even with the server gone.
    let again = isolated(root.path(), &dead_url(), &set).load().unwrap();
    assert_eq!(again.0.1, vec![9, 0, 3]);
    assert_eq!(server.requests.lock().unwrap().len(), 4);
}

#[test]
fn corrupt_download_is_rejected_and_not_cached() {
    let set = tiny_set();
    let mut served = by_name(&set);
    let bad = served.get_mut(Part::TrainImages.file_name()).unwrap();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x01;
    let bad_hash = sha256_hex(bad);
    let server = serve(served);
    let root = tempfile::tempdir().unwrap();

    let (source, message) = data_error(isolated(root.path(), &server.url, &set).load());
    assert_eq!(source, format!("{}train-images-idx3-ubyte.gz", server.url));
    assert!(message.contains("train-images-idx3-ubyte.gz"), "{message}");
    assert!(
        message.contains(&format!(
            "is {bad_hash}, expected {}",
            sha256_hex(&set[&Part::TrainImages])
        )),
        "{message}"
    );
    assert!(message.contains("not cached"), "{message}");
    assert!(listing(&root.path().join("cache").join("fashion-mnist")).is_empty());
}

#[test]
fn offline_without_copies_says_where_to_put_the_files() {
    let set = tiny_set();
    let root = tempfile::tempdir().unwrap();
    let url = dead_url();
    let (source, message) = data_error(isolated(root.path(), &url, &set).load());
    assert_eq!(source, "Fashion-MNIST");
    assert!(
        message
            .starts_with("train-images-idx3-ubyte.gz was not found and the download failed: GET"),
        "{message}"
    );
    let data = root.path().join("data");
    for place in [
        data.clone(),
        data.join("fashion-mnist"),
        root.path().join("cache").join("fashion-mnist"),
    ] {
        assert!(
            message.contains(&format!("  - {} (", place.display())),
            "{place:?} missing from: {message}"
        );
    }
    for part in Part::ALL {
        assert!(message.contains(part.file_name()), "{message}");
    }
    assert!(
        message.contains(&format!(
            "from {url} and put them into one of these folders"
        )),
        "{message}"
    );
    assert!(message.contains("$MLP_DATA_DIR"), "{message}");
    assert!(listing(&root.path().join("cache").join("fashion-mnist")).is_empty());

    // With downloads off, nothing is fetched and the message says so.
    let server = serve(by_name(&set));
    let (_, message) = data_error(
        isolated(root.path(), &server.url, &set)
            .download(false)
            .load(),
    );
    assert!(
        message.contains("was not found and downloading is switched off"),
        "{message}"
    );
    assert!(server.requests.lock().unwrap().is_empty());
}

#[test]
fn missing_file_on_the_server_names_the_status() {
    let set = tiny_set();
    let mut served = by_name(&set);
    served.remove(Part::TestLabels.file_name());
    let server = serve(served);
    let root = tempfile::tempdir().unwrap();
    let (_, message) = data_error(isolated(root.path(), &server.url, &set).load());
    assert!(
        message.starts_with("t10k-labels-idx1-ubyte.gz was not found and the download failed"),
        "{message}"
    );
    assert!(message.contains("404"), "{message}");
    // The three good files were verified and kept.
    assert_eq!(
        listing(&root.path().join("cache").join("fashion-mnist")).len(),
        3
    );
}

#[test]
fn data_dir_copies_win_over_download() {
    let set = tiny_set();
    let server = serve(by_name(&set));
    let root = tempfile::tempdir().unwrap();
    write_set(&root.path().join("data").join("fashion-mnist"), &set);
    let ((x, _), _) = isolated(root.path(), &server.url, &set).load().unwrap();
    assert_eq!(x.len(), 3);
    assert!(server.requests.lock().unwrap().is_empty());
}

// ---------------------------------------------------------------- bad files

#[test]
fn bad_files_are_data_errors_naming_the_file() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let loader = FashionMnist::loader()
        .data_dir(&dir)
        .cache_dir(root.path().join("cache"))
        .download(false);
    let case = |part: Part, bytes: Vec<u8>| -> (String, String) {
        let mut set = tiny_set();
        set.insert(part, bytes);
        write_set(&dir, &set);
        data_error(loader.load())
    };
    let path = |part: Part| dir.join(part.file_name()).display().to_string();

    // Wrong magic: labels where images belong.
    let (source, message) = case(Part::TrainImages, labels_gz(&[1, 2, 3]));
    assert_eq!(source, path(Part::TrainImages));
    assert!(
        message.contains("expected IDX magic 0x00000803"),
        "{message}"
    );
    assert!(message.contains("found 0x00000801"), "{message}");

    // Truncated gzip.
    let gz = images_gz(3);
    let (source, message) = case(Part::TestImages, gz[..gz.len() * 2 / 3].to_vec());
    assert_eq!(source, path(Part::TestImages));
    assert!(message.contains("truncated"), "{message}");

    // Truncated payload.
    let (_, message) = case(Part::TestImages, idx_gz(&[2, 28, 28], &[0; 784 + 100]));
    assert!(
        message.contains("announces 2 x 28 x 28 = 1568 payload bytes, found 884"),
        "{message}"
    );

    // Images of another size.
    let (_, message) = case(Part::TrainImages, idx_gz(&[3, 32, 32], &[0; 3 * 32 * 32]));
    assert!(
        message.contains("expected items of 28 x 28, found 32 x 32"),
        "{message}"
    );

    // A label that is not a class.
    let (source, message) = case(Part::TrainLabels, labels_gz(&[9, 10, 3]));
    assert_eq!(source, path(Part::TrainLabels));
    assert!(
        message.contains("label 1 is 10, expected a class from 0 to 9"),
        "{message}"
    );

    // Counts that disagree.
    let mut set = tiny_set();
    set.insert(Part::TestLabels, labels_gz(&[1, 2, 3]));
    write_set(&dir, &set);
    match loader.load() {
        Err(Error::Length {
            expected: 2,
            found: 3,
            ..
        }) => {}
        other => panic!("expected Error::Length, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_28x28_file_read_as_another_shape() {
    let root = tempfile::tempdir().unwrap();
    let p = root.path().join("images.gz");
    std::fs::write(&p, images_gz(3)).unwrap();
    assert_eq!(idx::read_images::<28, 28>(&p).unwrap().len(), 3);
    for err in [
        idx::read_images::<14, 56>(&p).unwrap_err(),
        idx::read(&p, &[784]).unwrap_err(),
    ] {
        match err {
            Error::Data {
                source_name,
                message,
            } => {
                assert_eq!(source_name, p.display().to_string());
                assert!(
                    message.contains("expected") && message.contains("found"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

// ---------------------------------------------------------------- the real data

/// Height and width of the box around the pixels brighter than 32.
fn bounding_box(img: &fashion_mnist::Image) -> (usize, usize) {
    let rows: Vec<usize> = (0..28)
        .filter(|&r| (0..28).any(|c| img[(r, c)] > 32))
        .collect();
    let cols: Vec<usize> = (0..28)
        .filter(|&c| (0..28).any(|r| img[(r, c)] > 32))
        .collect();
    let span = |v: &[usize]| v.last().map_or(0, |l| l - v[0] + 1);
    (span(&rows), span(&cols))
}

#[test]
fn real_fashion_mnist() {
    let ((x_train, y_train), (x_test, y_test)) = fashion_mnist::load_data().unwrap();
    assert_eq!(
        (x_train.len(), y_train.len(), x_test.len(), y_test.len()),
        (60_000, 60_000, 10_000, 10_000)
    );
    assert_eq!(y_train[..10], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    for (labels, per_class) in [(&y_train, 6000), (&y_test, 1000)] {
        let mut counts = [0usize; 10];
        labels.iter().for_each(|&l| counts[usize::from(l)] += 1);
        assert_eq!(counts, [per_class; 10]);
    }
    let mean = |x: &[fashion_mnist::Image]| {
        x.iter()
            .flat_map(|img| img.iter())
            .map(|&p| u64::from(p))
            .sum::<u64>() as f64
            / (x.len() * 784) as f64
    };
    let (train_mean, test_mean) = (mean(&x_train), mean(&x_test));
    assert!(
        (train_mean - 72.94).abs() < 0.01,
        "train mean pixel {train_mean}"
    );
    assert!(
        (test_mean - 73.15).abs() < 0.01,
        "test mean pixel {test_mean}"
    );

    // Orientation: trousers are taller than wide, sneakers wider than tall.
    let mean_box = |class: &str| {
        let label = CLASS_NAMES.iter().position(|&n| n == class).unwrap() as u8;
        let boxes: Vec<(usize, usize)> = x_train
            .iter()
            .zip(&y_train)
            .filter(|&(_, &y)| y == label)
            .map(|(x, _)| bounding_box(x))
            .collect();
        let n = boxes.len() as f64;
        (
            boxes.iter().map(|b| b.0 as f64).sum::<f64>() / n,
            boxes.iter().map(|b| b.1 as f64).sum::<f64>() / n,
        )
    };
    let (h, w) = mean_box("Trouser");
    assert!(h > w + 5.0, "trousers: mean height {h}, width {w}");
    let (h, w) = mean_box("Sneaker");
    assert!(w > h + 5.0, "sneakers: mean height {h}, width {w}");

    let scaled = fashion_mnist::scale(&x_train[..1000]);
    for (s, x) in scaled.iter().zip(&x_train) {
        assert!(
            s.iter()
                .zip(x.iter())
                .all(|(&s, &p)| s == f32::from(p) / 255.0 && (0.0..=1.0).contains(&s))
        );
    }
}

#[test]
fn real_california_housing() {
    let housing = california_housing::load().unwrap();
    assert_eq!((housing.x.len(), housing.y.len()), (20_640, 20_640));
    assert_eq!(california_housing::FEATURE_NAMES[7], "Longitude");
    let n = housing.len() as f64;
    let mean = |j: usize| housing.x.iter().map(|x| f64::from(x[j])).sum::<f64>() / n;
    // Column means from data/california-housing/PROVENANCE.md.
    let documented = [
        3.870671,
        28.639486,
        5.429000,
        1.096675,
        1425.476744,
        3.070655,
        35.631861,
        -119.569704,
    ];
    for (j, want) in documented.into_iter().enumerate() {
        let got = mean(j);
        assert!(
            (got - want).abs() < 1e-5 * want.abs().max(1.0),
            "{}: {got} vs {want}",
            california_housing::FEATURE_NAMES[j]
        );
    }
    let y_mean = housing.y.iter().map(|&y| f64::from(y)).sum::<f64>() / n;
    assert!(
        (y_mean - 2.068558).abs() < 1e-5,
        "MedHouseVal mean {y_mean}"
    );
    let (lo, hi) = housing
        .y
        .iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), &y| (lo.min(y), hi.max(y)));
    assert_eq!((lo, hi), (0.14999, 5.00001));
}

#[test]
fn split_and_scale_real_housing() {
    let housing = california_housing::load().unwrap();
    let ((x_train, y_train), (x_test, y_test)) =
        mlp::datasets::train_test_split(&housing.x, &housing.y, 0.2, 42).unwrap();
    assert_eq!(
        (x_train.len(), y_train.len(), x_test.len(), y_test.len()),
        (16_512, 16_512, 4_128, 4_128)
    );
    let scaler = mlp::datasets::StandardScaler::fit(&x_train).unwrap();
    let scaled = scaler.transform(&x_train);
    for j in 0..8 {
        let m = scaled.iter().map(|x| f64::from(x[j])).sum::<f64>() / scaled.len() as f64;
        let v = scaled
            .iter()
            .map(|x| (f64::from(x[j]) - m).powi(2))
            .sum::<f64>()
            / scaled.len() as f64;
        assert!(
            m.abs() < 1e-4 && (v.sqrt() - 1.0).abs() < 1e-4,
            "feature {j}: mean {m}, std {}",
            v.sqrt()
        );
    }
    let back = scaler.inverse_transform(&scaled);
    for (a, b) in x_train.iter().zip(&back) {
        assert!(
            (a - b).abs().max() <= 1e-5 * a.abs().max().max(1.0),
            "{a} vs {b}"
        );
    }
}

/// `train_test_split` shuffles as NumPy's `RandomState(seed).permutation(n)`
/// (so as scikit-learn's `train_test_split`): compared with the permutations
/// NumPy wrote into tests/fixtures/numpy-permutation (see its README).
#[test]
fn numpy_permutations_match() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/numpy-permutation/permutations.json");
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let indices = |v: &serde_json::Value| -> Vec<u32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| u32::try_from(i.as_u64().unwrap()).unwrap())
            .collect()
    };
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 10, "{} cases", cases.len());
    for case in cases {
        let (seed, n) = (case["seed"].as_u64().unwrap(), case["n"].as_u64().unwrap());
        let (first, last) = (indices(&case["first"]), indices(&case["last"]));
        if n < 2 {
            // A permutation of one row, and no split of it.
            assert_eq!((first.as_slice(), last.as_slice()), (&[0][..], &[0][..]));
            continue;
        }
        // The permutation is the test rows then the training rows.
        let x: Vec<u32> = (0..u32::try_from(n).unwrap()).collect();
        let ((train, _), (test, _)) = mlp::datasets::train_test_split(&x, &x, 0.25, seed).unwrap();
        assert_eq!(test.len(), (n as usize).div_ceil(4), "seed {seed}, n {n}");
        let perm: Vec<u32> = test.into_iter().chain(train).collect();
        let k = first.len();
        assert_eq!(perm[..k], first, "seed {seed}, n {n}: first {k}");
        assert_eq!(perm[perm.len() - k..], last, "seed {seed}, n {n}: last {k}");
        let bytes: Vec<u8> = perm.iter().flat_map(|i| i.to_le_bytes()).collect();
        assert_eq!(
            sha256_hex(&bytes),
            case["sha256_le_u32"].as_str().unwrap(),
            "seed {seed}, n {n}: the whole permutation"
        );
    }
}

/// The book's splits of the real data: `train_test_split(housing.data,
/// housing.target, random_state=42)`, then the same on the training part.
#[test]
fn book_housing_split_rows() {
    let housing = california_housing::load().unwrap();
    let ((x_train_full, y_train_full), (x_test, y_test)) =
        mlp::datasets::train_test_split(&housing.x, &housing.y, 0.25, 42).unwrap();
    let ((x_train, _), (x_valid, _)) =
        mlp::datasets::train_test_split(&x_train_full, &y_train_full, 0.25, 42).unwrap();
    assert_eq!(
        (x_train.len(), x_valid.len(), x_test.len()),
        (11_610, 3_870, 5_160)
    );
    // The first test row is block group 20046 (MedInc 1.6812, value 0.477),
    // as in the book's `test_set.head()`; then 3024 and 15663.
    for (k, row) in [20_046, 3_024, 15_663].into_iter().enumerate() {
        assert_eq!(x_test[k], housing.x[row], "test row {k}");
        assert_eq!(y_test[k], housing.y[row], "test row {k}");
    }
    assert_eq!((x_test[0][0], y_test[0]), (1.6812, 0.477));
    // The validation set starts with rows 3045, 10819 and 15233 of the
    // training part (`RandomState(42).permutation(15480)`).
    for (k, row) in [3_045, 10_819, 15_233].into_iter().enumerate() {
        assert_eq!(x_valid[k], x_train_full[row], "valid row {k}");
    }
}

// ---------------------------------------------------------------- California housing's archive

/// The repository's copy of StatLib's archive (scikit-learn's checksum).
fn cal_housing_tgz() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/california-housing")
            .join(california_housing::ARCHIVE_NAME),
    )
    .unwrap()
}

/// A loader that sees only `root/data` and `root/cache`, downloading from `url`.
fn isolated_housing(root: &Path, url: &str) -> CaliforniaHousing {
    CaliforniaHousing::loader()
        .data_dir(root.join("data"))
        .cache_dir(root.join("cache"))
        .url(url)
}

/// The archive, converted as scikit-learn converts it, gives exactly the
/// values of the CSV that scikit-learn wrote.
#[test]
fn california_archive_equals_the_csv() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join(california_housing::ARCHIVE_NAME),
        cal_housing_tgz(),
    )
    .unwrap();
    let from_archive = isolated_housing(root.path(), &dead_url())
        .download(false)
        .load()
        .unwrap();
    assert_eq!(from_archive, california_housing::load().unwrap());
}

#[test]
fn california_download_is_verified_cached_and_reused() {
    let name = california_housing::ARCHIVE_NAME;
    let server = serve(HashMap::from([(name.to_string(), cal_housing_tgz())]));
    let root = tempfile::tempdir().unwrap();
    let url = format!("{}{name}", server.url);
    let housing = isolated_housing(root.path(), &url).load().unwrap();
    assert_eq!(housing.len(), 20_640);
    assert_eq!((housing.x[0][0], housing.y[0]), (8.3252, 4.526));
    assert_eq!(
        listing(&root.path().join("cache").join("california-housing")),
        [name]
    );
    // A second load is served from the cache, even with the server gone.
    let again = isolated_housing(root.path(), &dead_url()).load().unwrap();
    assert_eq!(again, housing);
    assert_eq!(server.requests.lock().unwrap().len(), 1);
}

#[test]
fn corrupt_california_archive_is_rejected() {
    let name = california_housing::ARCHIVE_NAME;
    let mut bytes = cal_housing_tgz();
    bytes[1000] ^= 1;
    let server = serve(HashMap::from([(name.to_string(), bytes.clone())]));
    let root = tempfile::tempdir().unwrap();
    let url = format!("{}{name}", server.url);
    let (source, message) = data_error(isolated_housing(root.path(), &url).load());
    assert_eq!(source, url);
    assert!(
        message.contains(california_housing::ARCHIVE_SHA256)
            && message.contains("the download was discarded and not cached"),
        "{message}"
    );
    assert!(listing(&root.path().join("cache").join("california-housing")).is_empty());

    // A corrupt copy put into a data folder is refused too.
    let data = root.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join(name), &bytes).unwrap();
    let (source, message) = data_error(isolated_housing(root.path(), &url).load());
    assert_eq!(source, data.join(name).display().to_string());
    assert!(
        message.starts_with("SHA-256 is ")
            && message.contains(&format!("expected {}", california_housing::ARCHIVE_SHA256)),
        "{message}"
    );
}

#[test]
fn offline_california_says_which_file_to_put_where() {
    let root = tempfile::tempdir().unwrap();
    let url = dead_url();
    let (source, message) = data_error(isolated_housing(root.path(), &url).load());
    assert_eq!(source, "California housing");
    assert!(
        message.starts_with(
            "neither california_housing.csv nor cal_housing.tgz was found, and the download failed: GET"
        ),
        "{message}"
    );
    let cache = root.path().join("cache").join("california-housing");
    assert!(
        message.contains(&format!(
            "Download cal_housing.tgz from {url} (SHA-256 {}) and put it into {}; or put california_housing.csv",
            california_housing::ARCHIVE_SHA256,
            cache.display()
        )),
        "{message}"
    );
    let data = root.path().join("data");
    for place in [data.clone(), data.join("california-housing"), cache.clone()] {
        assert!(
            message.contains(&format!("  - {} (", place.display())),
            "{place:?} missing from: {message}"
        );
    }
    assert!(message.contains("$MLP_DATA_DIR"), "{message}");
    assert!(listing(&cache).is_empty());
}
