//! ONNX Runtime, loaded at run time, and the model's sessions on one device.
//!
//! blight links no ONNX Runtime: `ort`'s `load-dynamic` opens `libonnxruntime` when a run
//! starts, so the build needs no download and the binary works with whichever ONNX Runtime the
//! machine has. The library is looked for in this order: `--ort-lib`, `ORT_DYLIB_PATH`, then
//! the `onnxruntime` Python package (found by `python3` without importing it; its `capi/` folder
//! holds the library). Devices are explicit: asking for CUDA where it cannot run is an error,
//! never a silent fallback to the CPU.

use crate::error::{Error, Result};
use ort::ep::{self, ExecutionProvider};
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};
use std::path::{Path, PathBuf};

/// The oldest ONNX Runtime accepted (the `api-24` feature of `ort`).
pub const MINIMUM_VERSION: &str = "1.24";

/// How to get ONNX Runtime, for the errors that say it is missing or too old.
const INSTALL_HINT: &str = "install it with `pip install onnxruntime` (1.24 or newer), or pass \
     --ort-lib /path/to/libonnxruntime.so, or set ORT_DYLIB_PATH";

/// Where an ONNX Runtime library was found.
#[derive(Clone, Debug)]
pub struct Library {
    pub path: PathBuf,
    /// Which rule found it: `--ort-lib`, `ORT_DYLIB_PATH` or `python onnxruntime`.
    pub found_by: &'static str,
}

/// The library to load: `explicit` (`--ort-lib`), then `ORT_DYLIB_PATH`, then the Python
/// package's `capi/` folder.
pub fn find_library(explicit: Option<&Path>) -> Result<Library> {
    if let Some(path) = explicit {
        return existing(path, "--ort-lib");
    }
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        return existing(Path::new(&path), "ORT_DYLIB_PATH");
    }
    if let Some(path) = python_package_library() {
        return Ok(Library {
            path,
            found_by: "python onnxruntime",
        });
    }
    Err(Error::Invalid(format!(
        "ONNX Runtime not found (no --ort-lib, no ORT_DYLIB_PATH, no `onnxruntime` Python \
         package): {INSTALL_HINT}"
    )))
}

fn existing(path: &Path, found_by: &'static str) -> Result<Library> {
    if !path.is_file() {
        return Err(Error::file(
            path,
            format!("ONNX Runtime library not found (from {found_by}): {INSTALL_HINT}"),
        ));
    }
    Ok(Library {
        path: path.to_path_buf(),
        found_by,
    })
}

/// `libonnxruntime.so.X.Y.Z` (or `.dylib`) inside the installed `onnxruntime` Python package.
fn python_package_library() -> Option<PathBuf> {
    let python = std::env::var_os("BLIGHT_PYTHON").unwrap_or_else(|| "python3".into());
    let out = std::process::Command::new(python)
        .args([
            "-c",
            // Found, not imported: importing loads numpy and its BLAS threads for nothing.
            "import os, importlib.util as u; print(os.path.dirname(u.find_spec('onnxruntime').origin))",
        ])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let capi = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("capi");
    let mut libraries: Vec<PathBuf> = std::fs::read_dir(&capi)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libonnxruntime.") || n == "onnxruntime.dll")
        })
        .collect();
    libraries.sort();
    libraries.into_iter().next()
}

/// Which execution provider runs the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Cpu,
    Cuda(i32),
    /// CUDA device 0 when ONNX Runtime offers CUDA, else the CPU.
    Auto,
}

impl std::str::FromStr for Device {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "cpu" => Ok(Device::Cpu),
            "auto" => Ok(Device::Auto),
            "cuda" => Ok(Device::Cuda(0)),
            _ => s
                .strip_prefix("cuda:")
                .and_then(|n| n.parse::<i32>().ok())
                .filter(|n| *n >= 0)
                .map(Device::Cuda)
                .ok_or_else(|| format!("unknown device '{s}' (cpu, cuda, cuda:N or auto)")),
        }
    }
}

impl Device {
    /// The device `auto` stands for on this machine; others as they are.
    pub fn resolve(self) -> Device {
        match self {
            Device::Auto if ep::CUDA::is_available().unwrap_or(false) => Device::Cuda(0),
            Device::Auto => Device::Cpu,
            device => device,
        }
    }
}

/// How many sessions of the model run at once, and the intra-op threads of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Streams {
    pub sessions: usize,
    /// 0: ONNX Runtime's default.
    pub threads: usize,
}

impl Streams {
    /// The sessions for `device` (resolved), given `--threads` (0: every core) and `--streams`
    /// (0: automatic). On the CPU the automatic choice is two sessions sharing the threads: a
    /// model's operators split over threads wait for their slowest one, so the cores a data path
    /// borrows hold up all of them, while batches run side by side only slow the one that lost
    /// its core; on 2 cores two single-thread sessions also score more images per second than one
    /// with both threads. On CUDA one session feeds the GPU.
    pub fn plan(device: Device, threads: usize, streams: usize, cores: usize) -> Streams {
        let total = if threads > 0 { threads } else { cores };
        let sessions = match (streams, device) {
            (0, Device::Cpu) => 2.min(total).max(1),
            (0, _) => 1,
            (n, _) => n,
        };
        if sessions == 1 || device != Device::Cpu {
            return Streams { sessions, threads };
        }
        Streams {
            sessions,
            threads: (total / sessions).max(1),
        }
    }
}

/// ONNX Runtime, loaded, with its environment.
pub struct Runtime {
    environment: ort::environment::Environment,
    pub library: Library,
    /// ONNX Runtime's version, e.g. `1.32.0`, as its file name gives it (else `unknown`).
    pub version: String,
}

impl Runtime {
    /// Finds and loads ONNX Runtime (see [`find_library`]). A file that is not ONNX Runtime, or
    /// one older than [`MINIMUM_VERSION`], is an error saying how to install a usable one.
    pub fn load(explicit: Option<&Path>) -> Result<Runtime> {
        let library = find_library(explicit)?;
        let builder = ort::init_from(&library.path).map_err(|e| {
            let cause = match &e {
                ort::LoadDynamicError::BadVersion { version_str, .. } => format!(
                    "ONNX Runtime {version_str} is too old (blight needs {MINIMUM_VERSION} or newer)"
                ),
                other => format!("cannot load ONNX Runtime: {other}"),
            };
            Error::file(&library.path, format!("{cause}; {INSTALL_HINT}"))
        })?;
        let environment = builder.with_name("blight").build().map_err(|e| {
            Error::file(&library.path, format!("ONNX Runtime failed to start: {e}"))
        })?;
        // ONNX Runtime's build string has no version; its file name (`libonnxruntime.so.1.32.0`,
        // `libonnxruntime.1.32.0.dylib`) has.
        let version = library
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split_once('.').map(|(_, rest)| rest))
            .map(|rest| {
                rest.split('.')
                    .filter(|p| p.parse::<u32>().is_ok())
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "unknown".into());
        Ok(Runtime {
            environment,
            library,
            version,
        })
    }
}

/// A model input or output: its name and shape, `-1` where the model leaves a dimension free.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    pub shape: Vec<i64>,
}

/// One ONNX classifier in a session: a float32 image batch in, class scores out.
pub struct Model {
    session: Session,
    pub input: Port,
    /// The first float32 output of rank 2 (batch × classes): logits or probabilities.
    pub output: Port,
    /// The device that runs it: `cpu` or `cuda:N`.
    pub device: String,
}

impl Model {
    /// Opens the ONNX model `bytes`, read from `path` (which errors name), on `device` with
    /// `threads` intra-op threads (0: ONNX Runtime's default).
    pub fn open(
        runtime: &Runtime,
        path: &Path,
        bytes: &[u8],
        device: Device,
        threads: usize,
    ) -> Result<Model> {
        let fail = |e: ort::Error| Error::file(path, format!("ONNX Runtime: {e}"));
        let (chosen, providers) = match device.resolve() {
            Device::Cuda(n) => (format!("cuda:{n}"), vec![cuda(n)?]),
            _ => ("cpu".to_string(), vec![]),
        };
        let mut builder = Session::builder(&runtime.environment).map_err(fail)?;
        if !providers.is_empty() {
            builder = builder
                .with_execution_providers(providers)
                .map_err(|e| Error::Invalid(format!("cannot run on {chosen}: {e}")))?;
        }
        // Idle ONNX Runtime threads would spin for work and take the cores from the threads that
        // decode the next batches.
        builder = builder
            .with_intra_op_spinning(false)
            .map_err(|e| fail(e.into()))?;
        if threads > 0 {
            builder = builder
                .with_intra_threads(threads)
                .map_err(|e| fail(e.into()))?;
        }
        let session = builder
            .commit_from_memory(bytes)
            .map_err(|e| Error::file(path, format!("not a model ONNX Runtime can load: {e}")))?;
        let input = session
            .inputs()
            .first()
            .and_then(|i| float_port(i.name(), i.dtype()))
            .ok_or_else(|| Error::file(path, "the model's first input is not a float32 tensor"))?;
        let output = session
            .outputs()
            .iter()
            .find_map(|o| float_port(o.name(), o.dtype()).filter(|p| p.shape.len() == 2))
            .ok_or_else(|| {
                Error::file(
                    path,
                    "the model has no float32 output of shape (batch, classes)",
                )
            })?;
        Ok(Model {
            session,
            input,
            output,
            device: chosen,
        })
    }

    /// Opens `streams.sessions` sessions of the model `bytes` (see [`Streams::plan`]).
    pub fn open_streams(
        runtime: &Runtime,
        path: &Path,
        bytes: &[u8],
        device: Device,
        streams: Streams,
    ) -> Result<Vec<Model>> {
        (0..streams.sessions.max(1))
            .map(|_| Model::open(runtime, path, bytes, device, streams.threads))
            .collect()
    }

    /// The number of classes the output scores, when the model fixes it.
    pub fn classes(&self) -> Option<usize> {
        usize::try_from(self.output.shape[1]).ok()
    }

    /// Runs a batch: `input` holds `shape`'s elements (batch first); returns batch × classes
    /// scores, row-major.
    pub fn run(&mut self, input: &[f32], shape: &[usize]) -> Result<Vec<f32>> {
        let fail = |e: ort::Error| Error::Invalid(format!("ONNX Runtime run failed: {e}"));
        let tensor = TensorRef::from_array_view((shape.to_vec(), input)).map_err(fail)?;
        let outputs = self
            .session
            .run(ort::inputs![self.input.name.as_str() => tensor])
            .map_err(fail)?;
        let (_, scores) = outputs[self.output.name.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(fail)?;
        Ok(scores.to_vec())
    }
}

/// The CUDA execution provider on device `n`, refusing to fall back to the CPU.
fn cuda(n: i32) -> Result<ep::ExecutionProviderDispatch> {
    if !ep::CUDA::is_available().unwrap_or(false) {
        return Err(Error::Invalid(format!(
            "--device cuda:{n}: this ONNX Runtime has no CUDA execution provider (install \
             onnxruntime-gpu and point --ort-lib at its library, or use --device cpu)"
        )));
    }
    Ok(ep::CUDA::default()
        .with_device_id(n)
        .build()
        .error_on_failure())
}

fn float_port(name: &str, dtype: &ValueType) -> Option<Port> {
    match dtype {
        ValueType::Tensor {
            ty: TensorElementType::Float32,
            shape,
            ..
        } => Some(Port {
            name: name.to_string(),
            shape: shape.to_vec(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_gets_two_sessions_sharing_the_threads_and_cuda_one() {
        let plan = |device, threads, streams, cores| Streams::plan(device, threads, streams, cores);
        let s = |sessions, threads| Streams { sessions, threads };
        // Automatic: two sessions on the CPU, each with half of --threads (or of the cores).
        assert_eq!(plan(Device::Cpu, 0, 0, 2), s(2, 1));
        assert_eq!(plan(Device::Cpu, 0, 0, 16), s(2, 8));
        assert_eq!(plan(Device::Cpu, 6, 0, 16), s(2, 3));
        // One thread, or one core, leaves one session with ONNX Runtime's own choice.
        assert_eq!(plan(Device::Cpu, 1, 0, 16), s(1, 1));
        assert_eq!(plan(Device::Cpu, 0, 0, 1), s(1, 0));
        // Asked for: as many sessions as asked, at least one thread each.
        assert_eq!(plan(Device::Cpu, 0, 1, 16), s(1, 0));
        assert_eq!(plan(Device::Cpu, 2, 3, 16), s(3, 1));
        assert_eq!(plan(Device::Cpu, 0, 4, 16), s(4, 4));
        // CUDA: one session unless asked, threads passed through.
        assert_eq!(plan(Device::Cuda(0), 0, 0, 16), s(1, 0));
        assert_eq!(plan(Device::Cuda(1), 4, 2, 16), s(2, 4));
    }
}
