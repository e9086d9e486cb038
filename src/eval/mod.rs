//! The evaluator: scores ONNX classifiers on the benchmarks blight writes.
//!
//! Dataset (blight's output on disk, or generated in memory) → Preprocess → Batch → Model (ONNX
//! Runtime through `ort`) → Metrics → Report. The metrics need no runtime: `blight metrics`
//! recomputes them from a table of errors, and is built without the `eval` feature too.
//!
//! Perturbation sequences (ImageNet-P, CIFAR-10-P) go through [`sequences`], whose frames'
//! rankings give the stability metrics of [`stability`] (FP, T5D, FR and mFR against a baseline).

pub mod alexnet;
pub mod bootstrap;
pub mod calibration;
#[cfg(feature = "eval")]
pub mod command;
pub mod dataset;
#[cfg(feature = "eval")]
pub mod evaluate;
pub mod generated;
pub mod metrics;
pub mod preprocess;
pub mod report;
#[cfg(feature = "eval")]
pub mod runtime;
#[cfg(feature = "eval")]
pub mod sequences;
pub mod stability;
#[cfg(feature = "eval")]
pub mod summary;
