//! `blight evaluate --generate SUITE --source PATH` scores exactly the dataset `blight generate`
//! writes: the same source, seed and subsets give the same predictions and scores, read from
//! disk or made in memory (the JPEG round trip included).

mod cli_common;

use cli_common::*;

#[test]
fn generated_in_memory_scores_as_the_dataset_on_disk() {
    let Some(model) = efficientnet() else { return };
    let dir = scratch("generate");
    let (val, out) = (dir.join("val"), dir.join("c"));
    let (disk, memory) = (dir.join("disk"), dir.join("memory"));
    run_python(&[
        repo().join("scripts/check_imagenet_c.py").to_str().unwrap(),
        "make",
        val.to_str().unwrap(),
    ]);
    let subsets = [
        "--corruptions",
        "gaussian_noise,fog",
        "--severities",
        "1,5",
        "--seed",
        "7",
    ];
    let mut args = vec![
        "generate",
        "imagenet-c",
        "--source",
        val.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend(subsets);
    ok(&blight(&args));
    let common = [
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--batch",
        "4",
        "--save-logits",
        "--quiet",
    ];
    let mut args = common.to_vec();
    args.extend([
        "--dataset",
        out.to_str().unwrap(),
        "--clean",
        val.to_str().unwrap(),
        "--out",
        disk.to_str().unwrap(),
    ]);
    ok(&blight(&args));
    let mut args = common.to_vec();
    args.extend([
        "--generate",
        "imagenet-c",
        "--source",
        val.to_str().unwrap(),
        "--out",
        memory.to_str().unwrap(),
    ]);
    args.extend(subsets);
    ok(&blight(&args));

    let (on_disk, in_memory) = (predictions(&disk), predictions(&memory));
    // The clean part and 2 corruptions × 2 severities, of every source image.
    assert_eq!(on_disk.len() % 5, 0);
    assert!(!on_disk.is_empty());
    assert_eq!(on_disk, in_memory);
    // The corrupted parts are not the clean images: their scores differ.
    let clean = &on_disk[0]["scores"];
    let key = &on_disk[0]["key"];
    let corrupted: Vec<_> = on_disk
        .iter()
        .filter(|p| &p["key"] == key && !p["corruption"].is_null())
        .collect();
    assert_eq!(corrupted.len(), 4);
    assert!(corrupted.iter().all(|p| &p["scores"] != clean));

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(memory.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["dataset"]["kind"], "generated");
    // Another seed makes another dataset.
    let other = dir.join("other");
    let mut args = common.to_vec();
    args.extend([
        "--generate",
        "imagenet-c",
        "--source",
        val.to_str().unwrap(),
        "--out",
        other.to_str().unwrap(),
        "--corruptions",
        "gaussian_noise",
        "--severities",
        "5",
    ]);
    ok(&blight(&args));
    let noise = |p: &Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        p.iter()
            .filter(|p| p["corruption"] == "gaussian_noise" && p["severity"] == 5)
            .map(|p| p["scores"].clone())
            .collect()
    };
    assert_ne!(noise(&predictions(&other)), noise(&on_disk));
}

/// The command line's error (clap's, several lines).
fn refused(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "expected a failure, got success");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn generate_refuses_a_dataset_too() {
    let err = refused(&blight(&[
        "evaluate",
        "--model",
        "m.onnx",
        "--dataset",
        "d",
        "--generate",
        "imagenet-c",
        "--source",
        "s",
    ]));
    assert!(
        err.contains("'--dataset <DATASET>' cannot be used with '--generate <SUITE>'"),
        "{err}"
    );
    let err = refused(&blight(&[
        "evaluate",
        "--model",
        "m.onnx",
        "--generate",
        "imagenet-c",
    ]));
    assert!(err.contains("--source"), "{err}");
}

/// CIFAR-10-C (raw `.npy` stacks, no JPEG): every generated pixel and label is the one the
/// `.npy` files on disk hold, part by part, in the same order.
#[test]
fn generated_cifar_parts_hold_the_pixels_on_disk() {
    cifar_parts_match("fast", blight::rng::RngKind::Fast);
    cifar_parts_match("numpy", blight::rng::RngKind::Numpy);
}

fn cifar_parts_match(rng_name: &str, rng: blight::rng::RngKind) {
    use blight::eval::{dataset, generated};
    let dir = scratch(&format!("generate-cifar-{rng_name}"));
    let archive = repo().join("tests/fixtures/cifar10-c-dataset/cifar-10-binary.tar.gz");
    let out = dir.join("c");
    ok(&blight(&[
        "generate",
        "cifar10-c",
        "--source",
        archive.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--corruptions",
        "gaussian_noise,fog",
        "--seed",
        "5",
        "--rng",
        rng_name,
        "--quiet",
    ]));
    let disk = dataset::open(&out, None, None).unwrap();
    let suite = blight::suite::Suite::built_in("cifar10-c").unwrap();
    let jpeg = suite.jpeg_codec;
    let memory = generated::open(
        generated::Request {
            suite,
            source: archive,
            source_labels: None,
            corruptions: vec!["gaussian_noise".into(), "fog".into()],
            severities: Vec::new(),
            limit: None,
            seed: 5,
            rng,
            context: blight::corrupt::Context {
                assets: Default::default(),
                jpeg,
            },
        },
        None,
    )
    .unwrap();
    // The clean part first, then the disk's parts.
    assert!(memory.parts[0].is_clean());
    let names = |d: &dataset::Dataset| d.parts.iter().map(|p| p.name()).collect::<Vec<_>>();
    assert_eq!(names(&memory)[1..], names(&disk)[..]);
    assert_eq!(disk.parts.len(), 10);
    for (a, b) in disk.parts.iter().zip(&memory.parts[1..]) {
        assert_eq!(a.labels, b.labels, "{}", a.name());
        for i in 0..a.source.len() {
            let (x, y) = (a.source.sample(i).unwrap(), b.source.sample(i).unwrap());
            assert!(x.image == y.image, "{} sample {i} differs", a.name());
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A linear classifier over `inputs` values into 10 classes (random weights: a parity test
/// needs scores that move with every pixel, not a good model).
fn linear_model(dir: &std::path::Path, inputs: usize) -> std::path::PathBuf {
    let model = dir.join(format!("linear-{inputs}.onnx"));
    run_python(&[
        repo().join("scripts/make_linear_onnx.py").to_str().unwrap(),
        model.to_str().unwrap(),
        &inputs.to_string(),
        "10",
    ]);
    model
}

/// The first `train` and `test` digits of the real MNIST (BLIGHT_MNIST_DIR) as IDX files in
/// `dir`: a source small enough to write MNIST-C from in a second.
fn small_mnist(dir: &std::path::Path, train: usize, test: usize) {
    use blight::source::mnist::{read_split, Split};
    let Some(mnist) = std::env::var_os("BLIGHT_MNIST_DIR").map(std::path::PathBuf::from) else {
        panic!("BLIGHT_MNIST_DIR must name the real MNIST IDX files (scripts/get-real-mnist.sh)");
    };
    std::fs::create_dir_all(dir).unwrap();
    for (split, stem, n) in [(Split::Train, "train", train), (Split::Test, "t10k", test)] {
        let data = read_split(&mnist, split).unwrap();
        let (rows, cols) = (data.rows, data.cols);
        let mut images = [0x803u32, n as u32, rows as u32, cols as u32]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>();
        images.extend_from_slice(&data.images[..n * rows * cols]);
        let mut labels = [0x801u32, n as u32]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>();
        labels.extend_from_slice(&data.labels[..n]);
        std::fs::write(dir.join(format!("{stem}-images-idx3-ubyte")), images).unwrap();
        std::fs::write(dir.join(format!("{stem}-labels-idx1-ubyte")), labels).unwrap();
    }
}

/// MNIST-C made in memory is the test split of the `.npy` files `generate mnist-c` writes:
/// `identity` as the clean part, each corruption at its released severity, under both random
/// sources; every prediction line (key, label, scores) is the one read from disk.
#[test]
fn generated_mnist_c_predicts_as_the_npy_files_on_disk() {
    let dir = scratch("generate-mnist");
    let source = dir.join("mnist");
    small_mnist(&source, 20, 30);
    let model = linear_model(&dir, 784);
    let corruptions = ["glass_blur", "rotate", "shot_noise"];
    for rng in ["numpy", "fast"] {
        let out = dir.join(format!("c-{rng}"));
        let mut args = vec![
            "generate",
            "mnist-c",
            "--source",
            source.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--seed",
            "3",
            "--rng",
            rng,
            "--quiet",
        ];
        let suite = blight::suite::Suite::built_in("mnist-c").unwrap();
        for c in &suite.corruptions {
            if c.name != "identity" && !corruptions.contains(&c.name.as_str()) {
                args.extend(["--skip", c.name.as_str()]);
            }
        }
        ok(&blight(&args));
        let evaluate = |report: &str, input: &[&str]| {
            let report = dir.join(format!("{report}-{rng}"));
            let mut args = vec![
                "evaluate",
                "--model",
                model.to_str().unwrap(),
                "--preset",
                "mnist",
                "--save-logits",
                "--quiet",
                "--out",
                report.to_str().unwrap(),
            ];
            args.extend(input);
            ok(&blight(&args));
            predictions(&report)
        };
        let on_disk = evaluate("disk", &["--dataset", out.to_str().unwrap()]);
        let generated = [
            "--generate",
            "mnist-c",
            "--source",
            source.to_str().unwrap(),
            "--corruptions",
            "glass_blur,rotate,shot_noise",
            "--seed",
            "3",
            "--rng",
            rng,
        ];
        let in_memory = evaluate("memory", &generated);
        // The clean part and 3 corruptions, each of the 30 test digits.
        assert_eq!(on_disk.len(), 4 * 30, "{rng}");
        assert_eq!(on_disk, in_memory, "{rng}");
        assert_eq!(in_memory[0]["key"], "identity/0");
        assert!(in_memory[0]["corruption"].is_null());
        assert!(in_memory.iter().all(|p| p["severity"].is_null()));
        // The noise changed the digits, so their scores too.
        let noisy = in_memory
            .iter()
            .find(|p| p["key"] == "shot_noise/0")
            .unwrap();
        assert_ne!(noisy["scores"], in_memory[0]["scores"]);
        // --limit scores the first test digits of each part.
        let mut limited = generated.to_vec();
        limited.extend(["--limit", "7"]);
        let first: Vec<_> = on_disk
            .chunks(30)
            .flat_map(|part| part[..7].to_vec())
            .collect();
        assert_eq!(evaluate("limit", &limited), first, "{rng}");
        mnist_parts_match(&out, &source, rng);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn generated_mnist_c_refuses_severities() {
    let dir = scratch("generate-mnist-severities");
    let model = dir.join("model.onnx");
    std::fs::write(&model, b"unread").unwrap();
    let err = fails(&blight(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--generate",
        "mnist-c",
        "--source",
        dir.to_str().unwrap(),
        "--severities",
        "2",
        "--out",
        dir.join("report").to_str().unwrap(),
    ]));
    assert!(
        err.contains("--severities: mnist-c has one severity per corruption"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A CIFAR archive as the source (a file, so no manifest beside it): the corrupted parts
/// predict line for line as the `.npy` files `generate cifar10-c` writes, and the report says
/// there is no manifest.
#[test]
fn generated_cifar_from_an_archive_predicts_as_the_npy_files_on_disk() {
    let dir = scratch("generate-cifar-archive");
    let archive = repo().join("tests/fixtures/cifar10-c-dataset/cifar-10-binary.tar.gz");
    let model = linear_model(&dir, 3 * 32 * 32);
    let out = dir.join("c");
    let subsets = ["--corruptions", "gaussian_noise,fog", "--seed", "5"];
    let mut args = vec![
        "generate",
        "cifar10-c",
        "--source",
        archive.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend(subsets);
    ok(&blight(&args));
    let common = [
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--preset",
        "cifar",
        "--save-logits",
        "--quiet",
    ];
    let (disk, memory) = (dir.join("disk"), dir.join("memory"));
    let mut args = common.to_vec();
    args.extend([
        "--dataset",
        out.to_str().unwrap(),
        "--out",
        disk.to_str().unwrap(),
    ]);
    ok(&blight(&args));
    let mut args = common.to_vec();
    args.extend([
        "--generate",
        "cifar10-c",
        "--source",
        archive.to_str().unwrap(),
        "--out",
        memory.to_str().unwrap(),
    ]);
    args.extend(subsets);
    ok(&blight(&args));

    let on_disk = predictions(&disk);
    let (clean, corrupted): (Vec<_>, Vec<_>) = predictions(&memory)
        .into_iter()
        .partition(|p| p["corruption"].is_null());
    // 4 images; 2 corruptions × 5 severities of them.
    assert_eq!(clean.len(), 4);
    assert_eq!(on_disk.len(), 40);
    assert_eq!(corrupted, on_disk);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(memory.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["dataset"]["kind"], "generated");
    assert!(report["dataset"]["manifest_sha256"].is_null());
    assert_eq!(report["dataset"]["path"], archive.to_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// imagecorruptions writes detection and segmentation sets: no class labels, nothing to score.
#[test]
fn generated_imagecorruptions_is_refused() {
    let dir = scratch("generate-imagecorruptions");
    let model = dir.join("model.onnx");
    std::fs::write(&model, b"unread").unwrap();
    let err = fails(&blight(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--generate",
        "imagecorruptions",
        "--source",
        dir.to_str().unwrap(),
        "--out",
        dir.join("report").to_str().unwrap(),
    ]));
    assert_eq!(
        err,
        "blight: error: suite imagecorruptions corrupts detection and segmentation sets, whose \
         images have no class labels to score: write it with `blight generate imagecorruptions` \
         and score it with the task's own tools"
    );
    assert!(!dir.join("report").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every part of the MNIST-C made in memory holds the uint8 digits, keys and labels of the
/// `.npy` files in `out`, in the same order.
fn mnist_parts_match(out: &std::path::Path, source: &std::path::Path, rng: &str) {
    use blight::eval::{dataset, generated};
    let disk = dataset::open(out, None, None).unwrap();
    let suite = blight::suite::Suite::built_in("mnist-c").unwrap();
    let jpeg = suite.jpeg_codec;
    let memory = generated::open(
        generated::Request {
            suite,
            source: source.to_path_buf(),
            source_labels: None,
            corruptions: vec!["glass_blur".into(), "rotate".into(), "shot_noise".into()],
            severities: Vec::new(),
            limit: None,
            seed: 3,
            rng: match rng {
                "numpy" => blight::rng::RngKind::Numpy,
                _ => blight::rng::RngKind::Fast,
            },
            context: blight::corrupt::Context {
                assets: Default::default(),
                jpeg,
            },
        },
        None,
    )
    .unwrap();
    let names = |d: &dataset::Dataset| d.parts.iter().map(|p| p.name()).collect::<Vec<_>>();
    assert_eq!(names(&memory), names(&disk));
    assert_eq!(memory.classes, disk.classes);
    for (a, b) in disk.parts.iter().zip(&memory.parts) {
        assert_eq!(a.labels, b.labels, "{}", a.name());
        for i in 0..a.source.len() {
            let (x, y) = (a.source.sample(i).unwrap(), b.source.sample(i).unwrap());
            assert_eq!(x.key, y.key);
            assert!(
                x.image == y.image,
                "{} sample {i} differs ({rng})",
                a.name()
            );
            assert_eq!((y.image.channels, y.image.data.len()), (1, 784));
        }
    }
}
