//! The `numpy` random source against draws numpy's legacy RandomState made
//! (tests/fixtures/numpy/random_state.json, written by scripts/make_numpy_rng_fixture.py).

use blight::rng::{NumpyRandom, Random};
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

#[test]
fn numpy_source_replays_random_state_bit_for_bit() {
    let text = include_str!("fixtures/numpy/random_state.json");
    let fixture: Value = serde_json::from_str(text).unwrap();
    for case in fixture["cases"].as_array().unwrap() {
        let seed = case["seed"].as_u64().unwrap() as u32;
        let mut rng = NumpyRandom::new(seed);
        let raw: Vec<i64> = (0..6).map(|_| rng.randint(0, 1 << 32)).collect();
        assert_eq!(raw, ints(&case["raw_u32"]), "seed {seed}: raw words");
        let samples: Vec<f64> = (0..6).map(|_| rng.random_sample()).collect();
        assert_eq!(
            samples,
            floats(&case["random_sample"]),
            "seed {seed}: random_sample"
        );
        let normals: Vec<f64> = (0..7).map(|_| rng.standard_normal()).collect();
        assert_eq!(
            normals,
            floats(&case["standard_normal"]),
            "seed {seed}: standard_normal"
        );
        // An odd count leaves a cached Gaussian, which the next normal draw must hand out.
        let mut scaled = vec![0.0; 5];
        rng.fill_normal(0.5, 0.08, &mut scaled);
        assert_eq!(
            scaled,
            floats(&case["normal_0.5_0.08"]),
            "seed {seed}: normal"
        );
        let mut angles = vec![0.0; 4];
        rng.fill_uniform(-45.0, 45.0, &mut angles);
        assert_eq!(
            angles,
            floats(&case["uniform_-45_45"]),
            "seed {seed}: uniform"
        );
        let counts: Vec<i64> = floats(&case["poisson_lam"])
            .into_iter()
            .map(|l| rng.poisson(l))
            .collect();
        assert_eq!(counts, ints(&case["poisson"]), "seed {seed}: poisson");
        let mut offsets = vec![0i64; 9];
        rng.fill_randint(-3, 3, &mut offsets);
        assert_eq!(
            offsets,
            ints(&case["randint_-3_3"]),
            "seed {seed}: randint(-3, 3)"
        );
        assert_eq!(rng.randint(0, 5), case["randint_5"].as_i64().unwrap());
        let crops: Vec<i64> = (0..5).map(|_| rng.randint(0, 377)).collect();
        assert_eq!(
            crops,
            ints(&case["randint_0_377"]),
            "seed {seed}: randint(0, 377)"
        );
        assert_eq!(
            rng.random_sample(),
            case["after_random_sample"].as_f64().unwrap()
        );
    }
}

#[test]
fn per_level_poisson_is_the_same_stream_as_per_value() {
    let rates: Vec<f64> = (0..=255).map(|v| v as f64 / 255.0 * 60.0).collect();
    let levels: Vec<u8> = (0..5000u32).map(|i| (i * 37 % 256) as u8).collect();
    let lams: Vec<f64> = levels.iter().map(|&l| rates[l as usize]).collect();
    let (mut a, mut b) = (NumpyRandom::new(3), NumpyRandom::new(3));
    let mut by_level = vec![0i64; levels.len()];
    let mut by_value = vec![0i64; levels.len()];
    a.fill_poisson_levels(&rates, &levels, &mut by_level);
    b.fill_poisson(&lams, &mut by_value);
    assert_eq!(by_level, by_value);
}
