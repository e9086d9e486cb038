//! `blight generate cifar10-p` end to end on a made-up four-image CIFAR-10 archive
//! (tests/fixtures/cifar10-c-dataset/cifar-10-binary.tar.gz): every `<perturbation>.npy` holds
//! (N, T, 32, 32, 3) uint8 equal to the frames [`PerturbSuite::sequence`] makes for sample i
//! after `np.random.seed(seed + i)`; the bytes do not depend on threads or shards; a damaged or
//! missing file is made again on rerun, and `blight verify` passes.

mod cli_common;

use cli_common::{blight, flat_files, npy, ok, scratch};

use blight::perturb::PerturbSuite;
use blight::rng::NumpyRandom;
use blight::source::Source;
use std::path::{Path, PathBuf};

const ARCHIVE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/cifar10-c-dataset/cifar-10-binary.tar.gz"
);

fn archive() -> PathBuf {
    PathBuf::from(ARCHIVE)
}

fn generate(out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "generate",
        "cifar10-p",
        "--source",
        ARCHIVE,
        "--out",
        out.to_str().unwrap(),
        "--rng",
        "numpy",
        "--seed",
        "7",
        "--quiet",
        "--on-error",
        "fail",
    ];
    args.extend_from_slice(extra);
    ok(&blight(&args))
}

#[test]
fn numpy_seeded_files_hold_the_sequences_frame_by_frame() {
    let out = scratch("frames");
    generate(&out, &["--difficulties", "1,3"]);
    let suite = PerturbSuite::built_in("cifar10-p").unwrap();
    let source = blight::source::cifar::Cifar::open(&archive()).unwrap();
    let n = source.len();
    assert!(n > 1);
    let mut checked = 0;
    for name in suite.names() {
        let perturbation = suite.get(name).unwrap();
        let t = perturbation.frame_count();
        let difficulties: Vec<u32> = perturbation
            .difficulties()
            .filter(|d| [1, 3].contains(d))
            .collect();
        for d in difficulties {
            let file = match d {
                1 => format!("{name}.npy"),
                d => format!("{name}_{d}.npy"),
            };
            let (header, data) = npy(&out.join(&file));
            assert!(header.contains("'descr':'|u1'"), "{file}: {header}");
            assert!(
                header.contains(&format!("'shape':({n},{t},32,32,3)")),
                "{file}: {header}"
            );
            let mut expected = Vec::new();
            for i in 0..n {
                let image = source.sample(i).unwrap().image;
                let mut rng = NumpyRandom::new(7 + i as u32);
                suite
                    .sequence(name, &image, d, &mut rng, &mut |frame| {
                        assert_eq!((frame.width, frame.height, frame.channels), (32, 32, 3));
                        expected.extend_from_slice(&frame.data);
                        Ok(())
                    })
                    .unwrap();
            }
            assert!(data == expected, "{file} differs from the sequences");
            checked += 1;
        }
    }
    // 14 perturbations at difficulty 1, and the three noises at 3.
    assert_eq!(checked, 17);
    assert!(!out.join("gaussian_noise_2.npy").exists());
    ok(&blight(&["verify", out.to_str().unwrap()]));
}

#[test]
fn bytes_do_not_depend_on_threads_or_shards_and_damage_is_repaired() {
    let one = scratch("one");
    generate(&one, &["--threads", "1"]);
    let reference = flat_files(&one);
    assert_eq!(
        reference
            .iter()
            .filter(|(n, _)| n.ends_with(".npy"))
            .count(),
        14
    );

    let sharded = scratch("sharded");
    for shard in ["1/3", "0/3", "2/3"] {
        generate(&sharded, &["--threads", "2", "--shard", shard]);
    }
    ok(&blight(&["merge", sharded.to_str().unwrap()]));
    assert!(flat_files(&sharded) == reference, "sharded run differs");

    // A missing file and a changed one are made again, the same.
    std::fs::remove_file(one.join("rotate.npy")).unwrap();
    let mut changed = std::fs::read(one.join("snow.npy")).unwrap();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    std::fs::write(one.join("snow.npy"), changed).unwrap();
    let failed = blight(&["verify", one.to_str().unwrap()]);
    assert!(!failed.status.success());
    // As a run killed before its end leaves the folder: no manifest, no done mark.
    for name in [
        "manifest.json",
        "SHA256SUMS",
        "errors.json",
        ".blight/shard-0-of-1.done",
    ] {
        std::fs::remove_file(one.join(name)).unwrap();
    }
    let args = [
        "generate",
        "cifar10-p",
        "--source",
        ARCHIVE,
        "--out",
        one.to_str().unwrap(),
        "--rng",
        "numpy",
        "--seed",
        "7",
        "--quiet",
        "--threads",
        "2",
    ];
    let rerun = blight(&args);
    let said = ok(&rerun);
    assert!(
        said.contains("wrote 2 files") && said.contains("remade 2"),
        "{said}"
    );
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert!(
        stderr.contains("made again: rotate.npy: missing"),
        "{stderr}"
    );
    assert!(
        stderr.contains("made again: snow.npy: content changed"),
        "{stderr}"
    );
    assert!(flat_files(&one) == reference, "repaired run differs");
    ok(&blight(&["verify", one.to_str().unwrap()]));
}
