//! The native half of the `blight_corrupt` Python package. The Python shim checks its arguments
//! as imagecorruptions does and hands over plain bytes; this module runs blight's corruptions on
//! them with the GIL released, so threads and `corrupt_batch` work in parallel.

use blight::assets::{fetch, AssetDirs, FROST};
use blight::corrupt::Context;
use blight::eval::metrics::ErrorTable;
use blight::rng::{FastRandom, NumpyRandom, Random, StreamKey};
use blight::suite::Suite;
use blight::Image;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// blight's errors as Python exceptions: file and I/O problems (the frost textures) as OSError,
/// everything else (names, severities, sizes, parameters) as ValueError.
fn to_py(err: blight::Error) -> PyErr {
    match err {
        blight::Error::File { .. } | blight::Error::Io { .. } => {
            PyOSError::new_err(err.to_string())
        }
        _ => PyValueError::new_err(err.to_string()),
    }
}

/// A built-in suite, parsed once per process: parsing checks all 95 tables, far more work than
/// corrupting a small image.
fn suite(name: &str) -> PyResult<Arc<Suite>> {
    static SUITES: OnceLock<Mutex<HashMap<String, Arc<Suite>>>> = OnceLock::new();
    let mut suites = SUITES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(suite) = suites.get(name) {
        return Ok(suite.clone());
    }
    let suite = Arc::new(Suite::built_in(name).map_err(to_py)?);
    suites.insert(name.to_string(), suite.clone());
    Ok(suite)
}

/// The run's context: the suite's JPEG codec and the frost folder the shim resolved (else the
/// one blight's environment variable or data folder names).
fn context(suite: &Suite, frost_dir: Option<PathBuf>) -> Context {
    let assets = match frost_dir {
        Some(dir) => AssetDirs::none().with(&FROST, dir),
        None => AssetDirs::locate(&[]),
    };
    Context {
        assets,
        jpeg: suite.jpeg_codec,
    }
}

/// An H×W×3 image from the shim's bytes.
fn rgb(data: &[u8], height: usize, width: usize) -> PyResult<Image> {
    Image::new(width, height, 3, data.to_vec()).map_err(to_py)
}

/// The corrupted image as the shim rebuilds its array: bytes and (height, width, channels).
type Pixels<'py> = (Bound<'py, PyBytes>, (usize, usize, usize));

fn pixels<'py>(py: Python<'py>, image: &Image) -> Pixels<'py> {
    (
        PyBytes::new(py, &image.data),
        (image.height, image.width, image.channels),
    )
}

/// numpy's `get_state()` as the shim passes it: the 624 key words as little-endian bytes, the
/// position and the cached Gaussian (None when `has_gauss` is 0).
type NumpyState<'py> = (Bound<'py, PyBytes>, usize, Option<f64>);

fn key_words(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Corrupts one RGB image continuing numpy's global stream from `state`, and returns the image
/// with the state the draws leave, for `np.random.set_state`.
#[pyfunction]
#[pyo3(signature = (data, height, width, suite_name, corruption, severity, frost_dir, state))]
#[allow(clippy::too_many_arguments)]
fn corrupt_from_state<'py>(
    py: Python<'py>,
    data: &[u8],
    height: usize,
    width: usize,
    suite_name: &str,
    corruption: &str,
    severity: u32,
    frost_dir: Option<PathBuf>,
    state: NumpyState<'py>,
) -> PyResult<(Pixels<'py>, NumpyState<'py>)> {
    let suite = suite(suite_name)?;
    let image = rgb(data, height, width)?;
    let (key, pos, gauss) = state;
    let key = key.as_bytes();
    if key.len() % 4 != 0 {
        return Err(PyValueError::new_err(
            "the MT19937 key is not whole 32-bit words",
        ));
    }
    let mut rng = NumpyRandom::from_state(&key_words(key), pos, gauss).map_err(to_py)?;
    let context = context(&suite, frost_dir);
    let out = py
        .detach(|| {
            let corrupt = suite.corruption(corruption)?.at(severity)?;
            corrupt.apply(&image, &mut rng, &context)
        })
        .map_err(to_py)?;
    let (key, pos, gauss) = rng.state();
    let key: Vec<u8> = key.iter().flat_map(|w| w.to_le_bytes()).collect();
    Ok((pixels(py, &out), (PyBytes::new(py, &key), pos, gauss)))
}

/// How a call draws when it does not continue the global stream.
#[derive(Clone, Copy)]
enum Source {
    /// A private `RandomState(seed)`: the images `np.random.seed(seed)` then imagecorruptions give.
    Numpy,
    /// blight's counter-based stream keyed by (seed, suite, corruption, severity, sample).
    Fast,
}

impl Source {
    fn parse(name: &str) -> PyResult<Self> {
        match name {
            "numpy" => Ok(Source::Numpy),
            "fast" => Ok(Source::Fast),
            _ => Err(PyValueError::new_err(format!(
                "rng must be 'numpy' or 'fast', not '{name}'"
            ))),
        }
    }

    fn open(self, seed: u64, key: &StreamKey<'_>) -> blight::Result<Box<dyn Random>> {
        Ok(match self {
            Source::Numpy => Box::new(NumpyRandom::new(u32::try_from(seed).map_err(|_| {
                blight::Error::Invalid(format!(
                    "seed {seed} is too large for numpy's RandomState (at most 2**32 - 1)"
                ))
            })?)),
            Source::Fast => Box::new(FastRandom::new(key)),
        })
    }
}

/// Corrupts a list of RGB images `(bytes, height, width)` in parallel, image `i` drawing from
/// its own stream: `RandomState(seed + i)` for rng 'numpy', the fast stream of sample `i` for
/// rng 'fast'. The output never depends on the number of threads.
#[pyfunction]
#[pyo3(signature = (images, suite_name, corruption, severity, frost_dir, rng, seed))]
#[allow(clippy::too_many_arguments)]
fn corrupt_batch<'py>(
    py: Python<'py>,
    images: Vec<(Bound<'py, PyBytes>, usize, usize)>,
    suite_name: &str,
    corruption: &str,
    severity: u32,
    frost_dir: Option<PathBuf>,
    rng: &str,
    seed: u64,
) -> PyResult<Vec<Pixels<'py>>> {
    let suite = suite(suite_name)?;
    let source = Source::parse(rng)?;
    let images = images
        .into_iter()
        .map(|(data, height, width)| rgb(data.as_bytes(), height, width))
        .collect::<PyResult<Vec<_>>>()?;
    let context = context(&suite, frost_dir);
    let outs = py
        .detach(|| {
            let corrupt = suite.corruption(corruption)?.at(severity)?;
            images
                .par_iter()
                .enumerate()
                .map(|(i, image)| {
                    let sample = i.to_string();
                    let key = StreamKey {
                        seed,
                        suite: &suite.name,
                        corruption,
                        severity,
                        sample: &sample,
                    };
                    let image_seed = match source {
                        Source::Numpy => seed.saturating_add(i as u64),
                        Source::Fast => seed,
                    };
                    let mut rng = source.open(image_seed, &key)?;
                    corrupt.apply(image, rng.as_mut(), &context)
                })
                .collect::<blight::Result<Vec<Image>>>()
        })
        .map_err(to_py)?;
    Ok(outs.iter().map(|out| pixels(py, out)).collect())
}

/// Corrupts one RGB image drawing from a stream of its own (rng 'numpy' or 'fast' with `seed`);
/// the global stream is not touched.
#[pyfunction]
#[pyo3(signature = (data, height, width, suite_name, corruption, severity, frost_dir, rng, seed))]
#[allow(clippy::too_many_arguments)]
fn corrupt_seeded<'py>(
    py: Python<'py>,
    data: &[u8],
    height: usize,
    width: usize,
    suite_name: &str,
    corruption: &str,
    severity: u32,
    frost_dir: Option<PathBuf>,
    rng: &str,
    seed: u64,
) -> PyResult<Pixels<'py>> {
    let suite = suite(suite_name)?;
    let source = Source::parse(rng)?;
    let image = rgb(data, height, width)?;
    let context = context(&suite, frost_dir);
    let out = py
        .detach(|| {
            let corrupt = suite.corruption(corruption)?.at(severity)?;
            let key = StreamKey {
                seed,
                suite: &suite.name,
                corruption,
                severity,
                sample: "",
            };
            let mut rng = source.open(seed, &key)?;
            corrupt.apply(&image, rng.as_mut(), &context)
        })
        .map_err(to_py)?;
    Ok(pixels(py, &out))
}

/// The corruption names of a built-in suite, in its recipe's order.
#[pyfunction]
fn suite_corruptions(suite_name: &str) -> PyResult<Vec<String>> {
    Ok(suite(suite_name)?
        .corruptions
        .iter()
        .map(|c| c.name.clone())
        .collect())
}

/// The names of the built-in suites.
#[pyfunction]
fn suites() -> Vec<&'static str> {
    Suite::built_in_names().collect()
}

/// The frost folder blight's environment variable or data folder names, if any.
#[pyfunction]
fn frost_dir() -> Option<PathBuf> {
    AssetDirs::locate(&[]).dir(&FROST).map(Path::to_path_buf)
}

/// Installs the frost textures from the imagecorruptions 1.1.2 wheel at `wheel` into blight's
/// data folder (each file checked by sha256) and returns that folder.
#[pyfunction]
fn install_frost(wheel: PathBuf) -> PyResult<PathBuf> {
    let from = fetch::From {
        path: Some(&wheel),
        mirror: None,
    };
    Ok(fetch::fetch(&FROST, None, from).map_err(to_py)?.dir)
}

/// ImageNet-C's metrics of an error table given as JSON (`{"clean": e, "errors": {name: [five
/// errors]}}`, fractions), returned as JSON in percent.
#[pyfunction]
fn metrics(table: &str) -> PyResult<String> {
    let table: ErrorTable = serde_json::from_str(table)
        .map_err(|e| PyValueError::new_err(format!("not an error table: {e}")))?;
    table.check().map_err(PyValueError::new_err)?;
    serde_json::to_string(&table.summary()).map_err(|e| PyValueError::new_err(e.to_string()))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(corrupt_from_state, m)?)?;
    m.add_function(wrap_pyfunction!(corrupt_seeded, m)?)?;
    m.add_function(wrap_pyfunction!(corrupt_batch, m)?)?;
    m.add_function(wrap_pyfunction!(suite_corruptions, m)?)?;
    m.add_function(wrap_pyfunction!(suites, m)?)?;
    m.add_function(wrap_pyfunction!(frost_dir, m)?)?;
    m.add_function(wrap_pyfunction!(install_frost, m)?)?;
    m.add_function(wrap_pyfunction!(metrics, m)?)?;
    Ok(())
}
