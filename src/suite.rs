//! Suite recipes: a suite's corruptions and their five severities, read from `corruptions/*.toml`.
//!
//! Parameters are data. The built-in recipes are compiled in; a user's own recipe uses the same
//! format. A recipe is checked whole when it loads, whichever corruption and severity are then
//! used: every severity table is typed by the corruption it belongs to and checked against the
//! reference's preconditions, so a misspelt, missing or out-of-range value is an error when the
//! recipe is read, never a silent default or a nonsense image.

use crate::corrupt::registry;
use crate::corrupt::Corruption;
use crate::error::{one_line, Error, Result};
use crate::ops::jpeg;
use crate::prep::Prep;
use crate::sink::Layout;
use serde::Deserialize;

/// The recipes that ship with blight.
const BUILT_IN: &[(&str, &str)] = &[
    ("imagenet-c", include_str!("../corruptions/imagenet-c.toml")),
    ("cifar10-c", include_str!("../corruptions/cifar10-c.toml")),
    ("cifar100-c", include_str!("../corruptions/cifar100-c.toml")),
    (
        "tiny-imagenet-c",
        include_str!("../corruptions/tiny-imagenet-c.toml"),
    ),
    (
        "imagenet-c-299",
        include_str!("../corruptions/imagenet-c-299.toml"),
    ),
    ("mnist-c", include_str!("../corruptions/mnist-c.toml")),
    (
        "imagecorruptions",
        include_str!("../corruptions/imagecorruptions.toml"),
    ),
];

/// The severities every suite defines.
pub const SEVERITIES: std::ops::RangeInclusive<u32> = 1..=5;

/// A recipe as written, before its parameter tables are typed by the engine ([`Recipe::load`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    pub name: String,
    pub version: String,
    pub engine: String,
    pub image_size: usize,
    #[serde(default)]
    pub jpeg_codec: jpeg::Profile,
    /// How dataset images are prepared before the corruption (`[input]`).
    #[serde(default)]
    pub input: Prep,
    /// The layout `generate` writes (`[output]`), for suites that generate from image datasets.
    pub output: Option<Layout>,
    pub corruption: Vec<RecipeCorruption>,
}

/// One corruption's entry in a recipe.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipeCorruption {
    pub name: String,
    pub family: String,
    #[serde(default)]
    pub fixed: toml::Table,
    /// The severity the suite's published dataset used, where it has one (MNIST-C ships a single
    /// severity per corruption).
    pub released: Option<u32>,
    /// The archive of the published dataset this corruption belongs to (e.g. `mnist_c` or
    /// `mnist_c_leftovers`); `generate` writes it under that folder.
    #[serde(default)]
    pub archive: Option<String>,
    pub severity: Vec<toml::Table>,
}

impl Recipe {
    /// A built-in recipe by suite name, as written.
    pub fn built_in(name: &str) -> Result<Recipe> {
        let (_, text) = BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| Error::UnknownSuite(name.to_string()))?;
        Recipe::parse(text, &format!("built-in suite {name}"))
    }

    /// Reads recipe text without typing its parameter tables; `origin` names it in errors.
    fn parse(text: &str, origin: &str) -> Result<Recipe> {
        toml::from_str(text).map_err(|e| {
            // toml's own rendering quotes the line over several; one line names the position.
            let at = e
                .span()
                .and_then(|span| text.get(..span.start))
                .map(|before| {
                    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                    let line = before.matches('\n').count() + 1;
                    let column = before[line_start..].chars().count() + 1;
                    format!("line {line}, column {column}: ")
                })
                .unwrap_or_default();
            Error::Invalid(format!("{origin}: {at}{}", one_line(e.message())))
        })
    }

    /// Builds one corruption at one severity (1..5). The whole recipe is typed and checked first,
    /// exactly as when a [`Suite`] loads, so no recipe is good for one severity and bad for another.
    pub fn build_one(&self, corruption: &str, severity: u32) -> Result<Box<dyn Corruption>> {
        let mut suite = self.load(&format!("recipe {}", self.name))?;
        let index = suite
            .corruptions
            .iter()
            .position(|c| c.name == corruption)
            .ok_or_else(|| Error::UnknownCorruption {
                suite: self.name.clone(),
                name: corruption.to_string(),
            })?;
        if !SEVERITIES.contains(&severity) {
            return Err(Error::Severity(severity));
        }
        let mut c = suite.corruptions.swap_remove(index);
        Ok(c.severities.swap_remove(severity as usize - 1))
    }

    /// Types and checks the whole recipe: a known engine, a positive image size, each corruption
    /// known to the engine and listed once, with exactly five severities whose parameters its
    /// corruption accepts. `origin` names the recipe in errors.
    pub fn load(&self, origin: &str) -> Result<Suite> {
        let bad = |message: String| Error::Invalid(format!("{origin}: {message}"));
        let entries = registry::engine(&self.engine)
            .ok_or_else(|| bad(format!("unknown engine '{}'", self.engine)))?;
        if self.image_size == 0 {
            return Err(bad("image_size is 0".to_string()));
        }
        self.input.check().map_err(bad)?;
        let mut corruptions: Vec<SuiteCorruption> = Vec::with_capacity(self.corruption.len());
        for c in &self.corruption {
            let entry = entries.iter().find(|e| e.name == c.name).ok_or_else(|| {
                bad(format!(
                    "engine '{}' has no corruption '{}'",
                    self.engine, c.name
                ))
            })?;
            if corruptions.iter().any(|done| done.name == c.name) {
                return Err(bad(format!("{} is listed twice", c.name)));
            }
            if c.severity.len() != *SEVERITIES.end() as usize {
                return Err(bad(format!(
                    "{} lists {} severities, not 5",
                    c.name,
                    c.severity.len()
                )));
            }
            if let Some(released) = c.released.filter(|r| !SEVERITIES.contains(r)) {
                return Err(bad(format!(
                    "{} has released severity {released}, not one of 1..5",
                    c.name
                )));
            }
            let mut severities = Vec::with_capacity(5);
            let mut parameters = Vec::with_capacity(5);
            for i in 0..c.severity.len() {
                let table = c.table(i).map_err(bad)?;
                let built = entry
                    .build(toml::Value::Table(table.clone()))
                    .map_err(|e| bad(format!("{} severity {}: {e}", c.name, i + 1)))?;
                severities.push(built);
                parameters.push(table);
            }
            corruptions.push(SuiteCorruption {
                name: c.name.clone(),
                family: c.family.clone(),
                severities,
                parameters,
                released: c.released,
                archive: c.archive.clone(),
            });
        }
        Ok(Suite {
            name: self.name.clone(),
            version: self.version.clone(),
            engine: self.engine.clone(),
            image_size: self.image_size,
            jpeg_codec: self.jpeg_codec,
            input: self.input.clone(),
            output: self.output.clone(),
            recipe_sha256: String::new(),
            corruptions,
        })
    }
}

impl RecipeCorruption {
    /// The parameter table of severity index `i` (0-based) with the fixed keys merged in.
    fn table(&self, i: usize) -> std::result::Result<toml::Table, String> {
        let mut table = self
            .severity
            .get(i)
            .cloned()
            .ok_or_else(|| format!("{} has no severity {}", self.name, i + 1))?;
        for (key, value) in &self.fixed {
            if table.insert(key.clone(), value.clone()).is_some() {
                return Err(format!(
                    "{} severity {}: '{key}' is both fixed and per-severity",
                    self.name,
                    i + 1
                ));
            }
        }
        for (key, value) in &table {
            check_magnitude(value).map_err(|v| {
                format!(
                    "{} severity {}: '{key}' = {v} is not a finite number within ±{MAX_PARAMETER}",
                    self.name,
                    i + 1
                )
            })?;
        }
        Ok(table)
    }
}

/// The largest magnitude a numeric parameter may have. The reference tables stay below 300;
/// values far beyond ask for blur kernels or intermediate images that no memory holds, so a
/// recipe with one (usually a typo) is refused when it loads instead of failing mid-run.
pub const MAX_PARAMETER: f64 = 10_000.0;

/// Checks every number in `value` (nested arrays and tables included), returning the first
/// that is not finite or exceeds [`MAX_PARAMETER`] in magnitude.
fn check_magnitude(value: &toml::Value) -> std::result::Result<(), f64> {
    match value {
        toml::Value::Float(v) if !(v.is_finite() && v.abs() <= MAX_PARAMETER) => Err(*v),
        toml::Value::Integer(v) if (*v as f64).abs() > MAX_PARAMETER => Err(*v as f64),
        toml::Value::Array(items) => items.iter().try_for_each(check_magnitude),
        toml::Value::Table(table) => table.values().try_for_each(check_magnitude),
        _ => Ok(()),
    }
}

/// One corruption of a suite, built at all five severities.
#[derive(Debug)]
pub struct SuiteCorruption {
    pub name: String,
    pub family: String,
    /// Index 0 is severity 1.
    severities: Vec<Box<dyn Corruption>>,
    /// The parameter tables as written (fixed keys merged in), for manifests and `blight list`.
    pub parameters: Vec<toml::Table>,
    /// The severity of the published data, where the suite publishes one.
    pub released: Option<u32>,
    /// The published archive it belongs to, where the suite has several.
    pub archive: Option<String>,
}

impl SuiteCorruption {
    /// The corruption at `severity` (1..5).
    pub fn at(&self, severity: u32) -> Result<&dyn Corruption> {
        if !SEVERITIES.contains(&severity) {
            return Err(Error::Severity(severity));
        }
        Ok(self.severities[severity as usize - 1].as_ref())
    }
}

/// A loaded suite recipe.
#[derive(Debug)]
pub struct Suite {
    pub name: String,
    pub version: String,
    pub engine: String,
    pub image_size: usize,
    pub jpeg_codec: jpeg::Profile,
    pub input: Prep,
    pub output: Option<Layout>,
    /// sha256 of the recipe's text, for manifests.
    pub recipe_sha256: String,
    pub corruptions: Vec<SuiteCorruption>,
}

impl Suite {
    /// A built-in suite by name.
    pub fn built_in(name: &str) -> Result<Suite> {
        let (_, text) = BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| Error::UnknownSuite(name.to_string()))?;
        Suite::parse(text, &format!("built-in suite {name}"))
    }

    /// Names of the built-in suites.
    pub fn built_in_names() -> impl Iterator<Item = &'static str> {
        BUILT_IN.iter().map(|(n, _)| *n)
    }

    /// Reads a recipe from a file.
    pub fn from_file(path: &std::path::Path) -> Result<Suite> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Suite::parse(&text, &path.display().to_string())
    }

    /// A built-in suite by name, or the recipe file at `path` when one is given.
    pub fn choose(name: &str, path: Option<&std::path::Path>) -> Result<Suite> {
        match path {
            Some(p) => Suite::from_file(p),
            None => Suite::built_in(name),
        }
    }

    /// Parses recipe text and checks it whole ([`Recipe::load`]); `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Suite> {
        let mut suite = Recipe::parse(text, origin)?.load(origin)?;
        suite.recipe_sha256 = crate::sink::manifest::sha256_hex(text.as_bytes());
        Ok(suite)
    }

    /// Removes the `skip` corruptions. A name the suite does not have is an error, so a misspelt
    /// `--skip` cannot silently leave everything in.
    pub fn leave_out(&mut self, skip: &[String]) -> Result<()> {
        if let Some(name) = skip
            .iter()
            .find(|name| self.corruptions.iter().all(|c| &c.name != *name))
        {
            return Err(Error::UnknownCorruption {
                suite: self.name.clone(),
                name: name.clone(),
            });
        }
        self.corruptions.retain(|c| !skip.contains(&c.name));
        Ok(())
    }

    /// A corruption of this suite by name.
    pub fn corruption(&self, name: &str) -> Result<&SuiteCorruption> {
        self.corruptions
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| Error::UnknownCorruption {
                suite: self.name.clone(),
                name: name.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leave_out_removes_named_corruptions_and_refuses_unknown_ones() {
        let mut suite = Suite::built_in("imagenet-c").unwrap();
        suite
            .leave_out(&["frost".to_string(), "fog".to_string()])
            .unwrap();
        assert_eq!(suite.corruptions.len(), 17);
        assert!(suite.corruption("frost").is_err());
        let err = suite.leave_out(&["no_such".to_string()]).unwrap_err();
        assert!(err.to_string().contains("'no_such'"), "{err}");
        assert_eq!(suite.corruptions.len(), 17, "nothing left out on error");
    }

    /// The built-in ImageNet-C recipe with `from` replaced by `to`, as written.
    fn edited(from: &str, to: &str) -> Recipe {
        let text = include_str!("../corruptions/imagenet-c.toml");
        assert!(text.contains(from), "{from}");
        Recipe::parse(&text.replacen(from, to, 1), "edited").unwrap()
    }

    #[test]
    fn build_one_checks_every_severity_of_every_corruption() {
        let bogus = edited("{ photons = 60.0 }", "{ photons = 60.0, bogus = 1 }");
        let err = bogus
            .build_one("gaussian_noise", 3)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("recipe imagenet-c: shot_noise severity 1: unknown field `bogus`"),
            "{err}"
        );
        let four = edited(", { sigma = 0.38 }]", "]");
        let err = four.build_one("gaussian_noise", 1).unwrap_err().to_string();
        assert!(
            err.ends_with("gaussian_noise lists 4 severities, not 5"),
            "{err}"
        );
        let engine = edited("engine = \"imagenet-c\"", "engine = \"x\"");
        let err = engine
            .build_one("gaussian_noise", 1)
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("unknown engine 'x'"), "{err}");
        let empty = edited("image_size = 224", "image_size = 0");
        let err = empty
            .build_one("gaussian_noise", 1)
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("image_size is 0"), "{err}");

        let good = Recipe::built_in("imagenet-c").unwrap();
        assert!(good.build_one("gaussian_noise", 3).is_ok());
        assert!(matches!(
            good.build_one("gaussian_noise", 6),
            Err(Error::Severity(6))
        ));
        assert!(matches!(
            good.build_one("no_such", 1),
            Err(Error::UnknownCorruption { .. })
        ));
    }

    #[test]
    fn a_corruption_listed_twice_is_refused() {
        let text = include_str!("../corruptions/imagenet-c.toml");
        let twice = format!(
            "{text}\n[[corruption]]\nname = \"fog\"\nfamily = \"weather\"\nseverity = []\n"
        );
        let err = Suite::parse(&twice, "twice.toml").unwrap_err().to_string();
        assert_eq!(err, "twice.toml: fog is listed twice");
    }

    #[test]
    fn multi_line_serde_messages_become_one_line() {
        let err = Suite::parse(
            &include_str!("../corruptions/imagenet-c.toml").replacen(
                "{ sigma = 0.08 }",
                "{ sigma = \"0.1\" }",
                1,
            ),
            "r.toml",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "r.toml: gaussian_noise severity 1: invalid type: string \"0.1\", expected f64 in `sigma`"
        );
    }

    #[test]
    fn parameters_the_reference_rejects_are_refused_naming_recipe_corruption_severity_and_parameter(
    ) {
        let imagenet = include_str!("../corruptions/imagenet-c.toml");
        let mnist = include_str!("../corruptions/mnist-c.toml");
        let noise = "{ sigma = 0.08 }, { sigma = 0.12 }, { sigma = 0.18 }";
        let speckle = "{ sigma = 0.15 }, { sigma = 0.2 }, { sigma = 0.35 }";
        let blur = "{ sigma = 1.0 }, { sigma = 2.0 }, { sigma = 3.0 }";
        for text in [imagenet, mnist] {
            for (from, to, want) in [
                (
                    "{ photons = 25.0 }",
                    "{ photons = -5.0 }",
                    "shot_noise severity 2: photons = -5 is not positive",
                ),
                (
                    "{ photons = 25.0 }",
                    "{ photons = 0.0 }",
                    "shot_noise severity 2: photons = 0 is not positive",
                ),
                (
                    noise,
                    &noise.replace("0.12", "-0.12"),
                    "gaussian_noise severity 2: sigma = -0.12 is negative (numpy",
                ),
                (
                    speckle,
                    &speckle.replace("0.2", "-0.2"),
                    "speckle_noise severity 2: sigma = -0.2 is negative (numpy",
                ),
                (
                    blur,
                    &blur.replace("2.0", "-2.0"),
                    "gaussian_blur severity 2: sigma = -2 is negative (scikit-image",
                ),
            ] {
                assert!(text.contains(from), "{from}");
                let err = Suite::parse(&text.replacen(from, to, 1), "r.toml").unwrap_err();
                let err = err.to_string();
                assert!(err.starts_with(&format!("r.toml: {want}")), "{err}");
            }
        }
    }
}
