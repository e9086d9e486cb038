//! Perturbation recipes: `corruptions/imagenet-p.toml` (224, `make_imagenet_p.py`),
//! `tiny-imagenet-p.toml` (64) and `cifar10-p.toml` (32), read into typed sequences and checked whole when they load.
//!
//! A recipe names the suite, says how a dataset image is prepared (`[input]`, as in the
//! corruption recipes: Resize(256) for ImageNet-P), the side of the centre crop every frame is cut
//! to (`crop`), and has one table per perturbation with its frame count and schedule. Every
//! table is typed (`deny_unknown_fields`), every number must be finite and within ±10,000, and
//! values the reference itself rejects (negative noise scales or blur σ, non-positive photons or
//! scales) are refused, naming recipe, perturbation and parameter.

use super::geometric::{Centred, Geometric, Motion, ScaleSchedule};
use super::noise::{Noise, NoiseKind};
use super::{
    brightness::BrightnessSequence, gaussian_blur::GaussianBlurSequence,
    motion_blur::MotionBlurSequence, snow::SnowSequence, spatter::SpatterSequence,
    tilt::TiltSequence, zoom_blur::ZoomBlurSequence,
};
use super::{Clean, Perturbation};
use crate::error::{one_line, Error, Result};
use crate::prep::Prep;
use crate::raster::Image;
use crate::rng::Random;
use crate::sink::manifest::sha256_hex;
use crate::sink::sequence_npy::SequenceLayout;
use serde::Deserialize;

/// The recipes that ship with blight.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "imagenet-p",
        include_str!("../../corruptions/imagenet-p.toml"),
    ),
    (
        "tiny-imagenet-p",
        include_str!("../../corruptions/tiny-imagenet-p.toml"),
    ),
    (
        "cifar10-p",
        include_str!("../../corruptions/cifar10-p.toml"),
    ),
];

/// The largest magnitude a number in a recipe may have (as for the corruption recipes).
const MAX_PARAMETER: f64 = 10_000.0;

/// A noise table: frames and the strength at difficulties 1, 2, 3.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseTable {
    pub frames: usize,
    /// Standard deviation at difficulties 1, 2, 3.
    pub sigma: [f64; 3],
}

/// shot_noise's table: frames and photons per unit intensity at difficulties 1, 2, 3.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShotTable {
    pub frames: usize,
    pub photons: [f64; 3],
}

/// A perturbation recipe as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerturbRecipe {
    pub name: String,
    pub version: String,
    /// How a dataset image is prepared before its sequences are made.
    #[serde(default)]
    pub input: Prep,
    /// The side of the centre crop of every frame, if frames are cropped.
    pub crop: Option<usize>,
    /// How `blight generate` stores the sequences.
    pub output: Option<SequenceLayout>,
    pub gaussian_noise: NoiseTable,
    pub shot_noise: ShotTable,
    pub motion_blur: MotionBlurSequence,
    pub zoom_blur: ZoomBlurSequence,
    pub snow: SnowSequence,
    pub brightness: BrightnessSequence,
    pub translate: Centred,
    pub rotate: Centred,
    pub tilt: TiltSequence,
    pub scale: ScaleSchedule,
    pub speckle_noise: NoiseTable,
    pub gaussian_blur: GaussianBlurSequence,
    pub spatter: SpatterSequence,
    pub shear: Centred,
}

/// A loaded perturbation suite: the preparation, the crop and the sequences by name, in the
/// reference's order (the 10 test perturbations, then the 4 validation ones).
pub struct PerturbSuite {
    pub name: String,
    pub version: String,
    pub input: Prep,
    pub crop: Option<usize>,
    /// The recipe's `[output]`: how `blight generate` stores the sequences.
    pub output: Option<SequenceLayout>,
    /// sha256 of the recipe's text (empty for a recipe not read from text).
    pub recipe_sha256: String,
    perturbations: Vec<(&'static str, Box<dyn Perturbation>)>,
}

impl std::fmt::Debug for PerturbSuite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PerturbSuite")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("names", &self.names().collect::<Vec<_>>())
            .finish()
    }
}

/// Every number in `value`, with its dotted key, that is not finite or exceeds the limit.
fn out_of_range(key: &str, value: &toml::Value, bad: &mut Vec<String>) {
    match value {
        toml::Value::Float(v) if !(v.is_finite() && v.abs() <= MAX_PARAMETER) => {
            bad.push(format!("{key} = {v}"))
        }
        toml::Value::Integer(v) if (*v as f64).abs() > MAX_PARAMETER => {
            bad.push(format!("{key} = {v}"))
        }
        toml::Value::Array(items) => items.iter().for_each(|v| out_of_range(key, v, bad)),
        toml::Value::Table(table) => {
            for (k, v) in table {
                let dotted = format!("{key}.{k}");
                out_of_range(dotted.trim_start_matches('.'), v, bad);
            }
        }
        _ => {}
    }
}

impl PerturbRecipe {
    /// Reads and types recipe text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<PerturbRecipe> {
        let bad = |message: String| Error::Invalid(format!("{origin}: {message}"));
        let value: toml::Value = toml::from_str(text).map_err(|e| bad(one_line(&e.to_string())))?;
        let mut wrong = Vec::new();
        out_of_range("", &value, &mut wrong);
        if let Some(first) = wrong.first() {
            return Err(bad(format!(
                "{first} is not a finite number within ±{MAX_PARAMETER}"
            )));
        }
        value
            .try_into()
            .map_err(|e: toml::de::Error| bad(one_line(&e.to_string())))
    }

    /// Refuses what the reference itself could not run, naming the perturbation and parameter.
    fn check(&self) -> std::result::Result<(), String> {
        self.input.check()?;
        if self.crop == Some(0) {
            return Err("crop must be at least 1".into());
        }
        let frames = [
            ("gaussian_noise", self.gaussian_noise.frames),
            ("shot_noise", self.shot_noise.frames),
            ("motion_blur", self.motion_blur.frames),
            ("zoom_blur", self.zoom_blur.frames),
            ("snow", self.snow.frames),
            ("brightness", self.brightness.frames),
            ("translate", self.translate.frames),
            ("rotate", self.rotate.frames),
            ("tilt", self.tilt.frames),
            ("scale", self.scale.frames),
            ("speckle_noise", self.speckle_noise.frames),
            ("gaussian_blur", self.gaussian_blur.frames),
            ("spatter", self.spatter.frames),
            ("shear", self.shear.frames),
        ];
        for (name, n) in frames {
            if n < 2 {
                return Err(format!("{name}: frames = {n}, a sequence needs at least 2"));
            }
        }
        let nonnegative = [
            (
                "gaussian_noise.sigma",
                self.gaussian_noise
                    .sigma
                    .iter()
                    .fold(0f64, |a, &b| a.min(b)),
            ),
            (
                "speckle_noise.sigma",
                self.speckle_noise.sigma.iter().fold(0f64, |a, &b| a.min(b)),
            ),
            ("snow.std", self.snow.std),
            ("spatter.std", self.spatter.std),
            ("spatter.blur_sigma", self.spatter.blur_sigma),
            ("gaussian_blur.sigma_start", self.gaussian_blur.sigma_start),
            ("gaussian_blur.sigma_step", self.gaussian_blur.sigma_step),
            ("gaussian_blur.truncate", self.gaussian_blur.truncate),
        ];
        for (name, v) in nonnegative {
            if v < 0.0 {
                return Err(format!(
                    "{name} = {v} is negative (numpy and scikit-image refuse it)"
                ));
            }
        }
        if let Some(p) = self.shot_noise.photons.iter().find(|&&p| p <= 0.0) {
            return Err(format!(
                "shot_noise.photons = {p} is not positive (numpy's poisson refuses a negative rate; 0 divides by zero)"
            ));
        }
        for (name, radius, sigma) in [
            (
                "motion_blur",
                self.motion_blur.radius,
                self.motion_blur.sigma,
            ),
            ("snow", self.snow.blur_radius, self.snow.blur_sigma),
        ] {
            if radius == 0 || sigma <= 0.0 {
                return Err(format!(
                    "{name}: the motion blur needs a radius of at least 1 and a positive sigma"
                ));
            }
        }
        if self.snow.zoom < 1.0 {
            return Err(format!("snow.zoom = {} is below 1", self.snow.zoom));
        }
        let smallest_scale = (0..self.scale.frames)
            .map(|i| (i as f64 * self.scale.percent_step + self.scale.percent_start) / 100.0)
            .fold(f64::INFINITY, f64::min);
        if smallest_scale <= 0.0 {
            return Err(format!(
                "scale: frame scales reach {smallest_scale} (torchvision's affine needs a positive scale)"
            ));
        }
        if self.zoom_blur.scale_step * (self.zoom_blur.frames as f64) <= -1.0 {
            return Err(
                "zoom_blur: the zoom reaches 0 (torchvision's affine needs a positive scale)"
                    .into(),
            );
        }
        if self.spatter.kernel.is_empty() {
            return Err("spatter.kernel is empty".into());
        }
        Ok(())
    }

    /// Checks the recipe and builds its sequences. `origin` names it in errors.
    pub fn load(self, origin: &str) -> Result<PerturbSuite> {
        self.check()
            .map_err(|m| Error::Invalid(format!("{origin}: {m}")))?;
        let noise = |kind, frames, strength| -> Box<dyn Perturbation> {
            Box::new(Noise {
                kind,
                frames,
                strength,
            })
        };
        let perturbations: Vec<(&'static str, Box<dyn Perturbation>)> = vec![
            (
                "gaussian_noise",
                noise(
                    NoiseKind::Gaussian,
                    self.gaussian_noise.frames,
                    self.gaussian_noise.sigma,
                ),
            ),
            (
                "shot_noise",
                noise(
                    NoiseKind::Shot,
                    self.shot_noise.frames,
                    self.shot_noise.photons,
                ),
            ),
            ("motion_blur", Box::new(self.motion_blur)),
            ("zoom_blur", Box::new(self.zoom_blur)),
            ("snow", Box::new(self.snow)),
            ("brightness", Box::new(self.brightness)),
            (
                "translate",
                Box::new(Geometric(Motion::Translate(self.translate))),
            ),
            ("rotate", Box::new(Geometric(Motion::Rotate(self.rotate)))),
            ("tilt", Box::new(self.tilt)),
            ("scale", Box::new(Geometric(Motion::Scale(self.scale)))),
            (
                "speckle_noise",
                noise(
                    NoiseKind::Speckle,
                    self.speckle_noise.frames,
                    self.speckle_noise.sigma,
                ),
            ),
            ("gaussian_blur", Box::new(self.gaussian_blur)),
            ("spatter", Box::new(self.spatter)),
            ("shear", Box::new(Geometric(Motion::Shear(self.shear)))),
        ];
        Ok(PerturbSuite {
            name: self.name,
            version: self.version,
            input: self.input,
            crop: self.crop,
            output: self.output,
            recipe_sha256: String::new(),
            perturbations,
        })
    }
}

impl PerturbSuite {
    /// A built-in suite by name (`imagenet-p`).
    pub fn built_in(name: &str) -> Result<PerturbSuite> {
        let (_, text) = BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| Error::UnknownSuite(name.to_string()))?;
        let origin = format!("built-in suite {name}");
        let mut suite = PerturbRecipe::parse(text, &origin)?.load(&origin)?;
        suite.recipe_sha256 = sha256_hex(text.as_bytes());
        Ok(suite)
    }

    /// A suite from a recipe file.
    pub fn from_file(path: &std::path::Path) -> Result<PerturbSuite> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let origin = path.display().to_string();
        let mut suite = PerturbRecipe::parse(&text, &origin)?.load(&origin)?;
        suite.recipe_sha256 = sha256_hex(text.as_bytes());
        Ok(suite)
    }

    /// The names of the built-in perturbation suites.
    pub fn built_in_names() -> impl Iterator<Item = &'static str> {
        BUILT_IN.iter().map(|(n, _)| *n)
    }

    /// The perturbation names, in the reference's order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.perturbations.iter().map(|(n, _)| *n)
    }

    /// One perturbation by name.
    pub fn get(&self, name: &str) -> Result<&dyn Perturbation> {
        self.perturbations
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| p.as_ref())
            .ok_or_else(|| Error::UnknownCorruption {
                suite: self.name.clone(),
                name: name.to_string(),
            })
    }

    /// The prepared input of a decoded image (the recipe's `[input]`), in RGB.
    pub fn prepare(&self, original: &Image) -> Result<Image> {
        let prepared = self.input.apply(original)?;
        Ok(crate::source::decode::to_rgb(prepared))
    }

    /// The frames of `name`'s sequence for one decoded image at `difficulty`, pushed into `emit`
    /// in order; `rng` gives the sequence's draws (for numpy parity, seeded S + i for sample i).
    pub fn sequence(
        &self,
        name: &str,
        original: &Image,
        difficulty: u32,
        rng: &mut dyn Random,
        emit: &mut dyn FnMut(Image) -> Result<()>,
    ) -> Result<()> {
        let perturbation = self.get(name)?;
        if !perturbation.difficulties().contains(&difficulty) {
            let range = perturbation.difficulties();
            return Err(Error::Invalid(format!(
                "{name} is generated at difficulties {}..{}, not {difficulty}",
                range.start(),
                range.end()
            )));
        }
        let prepared = self.prepare(original)?;
        let original = crate::source::decode::to_rgb(original.clone());
        let clean = Clean {
            original: &original,
            prepared: &prepared,
            crop: self.crop,
            input: &self.input,
        };
        perturbation.frames(&clean, difficulty, rng, emit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_recipes_load_with_all_fourteen() {
        for name in PerturbSuite::built_in_names() {
            let suite = PerturbSuite::built_in(name).unwrap();
            assert_eq!(suite.names().count(), 14, "{name}");
        }
        let p = PerturbSuite::built_in("imagenet-p").unwrap();
        assert_eq!(p.get("translate").unwrap().frame_count(), 41);
        assert_eq!(p.get("rotate").unwrap().frame_count(), 31);
        assert_eq!(p.get("shot_noise").unwrap().difficulties(), 1..=3);
        assert!(p.get("fog").is_err());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_by_name() {
        let text = include_str!("../../corruptions/imagenet-p.toml");
        let typo = text.replacen("angle_step", "angle_stpe", 1);
        let err = PerturbRecipe::parse(&typo, "test").unwrap_err().to_string();
        assert!(err.contains("angle_stpe"), "{err}");
        let negative = text.replacen("photons = [300.0", "photons = [-300.0", 1);
        let err = PerturbRecipe::parse(&negative, "test")
            .unwrap()
            .load("test")
            .unwrap_err()
            .to_string();
        assert!(err.contains("shot_noise.photons = -300"), "{err}");
        let huge = text.replacen("radius = 10", "radius = 100000", 1);
        let err = PerturbRecipe::parse(&huge, "test").unwrap_err().to_string();
        assert!(err.contains("radius = 100000"), "{err}");
    }
}
