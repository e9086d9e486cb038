//! Suite recipes: a suite's corruptions and their five severities, read from `corruptions/*.toml`.
//!
//! Parameters are data. The built-in recipes are compiled in; a user's own recipe uses the same
//! format. Each severity table is typed on load by the corruption it belongs to, so a misspelt or
//! missing key is an error when the recipe is read, never a silent default.

use crate::corrupt::registry;
use crate::corrupt::Corruption;
use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::prep::Prep;
use crate::sink::Layout;
use serde::Deserialize;

/// The recipes that ship with blight.
const BUILT_IN: &[(&str, &str)] = &[
    ("imagenet-c", include_str!("../corruptions/imagenet-c.toml")),
    ("mnist-c", include_str!("../corruptions/mnist-c.toml")),
];

/// The severities every suite defines.
pub const SEVERITIES: std::ops::RangeInclusive<u32> = 1..=5;

/// A recipe as written, before its parameter tables are typed by the engine.
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
    /// A built-in recipe by suite name.
    pub fn built_in(name: &str) -> Result<Recipe> {
        let (_, text) = BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| Error::UnknownSuite(name.to_string()))?;
        toml::from_str(text).map_err(|e| Error::Invalid(format!("built-in suite {name}: {e}")))
    }

    /// Reads a recipe file (the format of `corruptions/*.toml`).
    pub fn from_file(path: &std::path::Path) -> Result<Recipe> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        toml::from_str(&text).map_err(|e| Error::file(path, e.to_string()))
    }

    /// A built-in recipe by name, or the recipe file at `path` when one is given.
    pub fn choose(name: &str, path: Option<&std::path::Path>) -> Result<Recipe> {
        match path {
            Some(p) => Recipe::from_file(p),
            None => Recipe::built_in(name),
        }
    }

    /// Builds one corruption at one severity (1..5) from this recipe, without building the rest.
    pub fn build_one(&self, corruption: &str, severity: u32) -> Result<Box<dyn Corruption>> {
        if !SEVERITIES.contains(&severity) {
            return Err(Error::Severity(severity));
        }
        let unknown = || Error::UnknownCorruption {
            suite: self.name.clone(),
            name: corruption.to_string(),
        };
        let c = self
            .corruption
            .iter()
            .find(|c| c.name == corruption)
            .ok_or_else(unknown)?;
        let entry = registry::engine(&self.engine)
            .and_then(|entries| entries.iter().find(|e| e.name == corruption))
            .ok_or_else(unknown)?;
        let table = c
            .table(severity as usize - 1)
            .map_err(|m| Error::Invalid(format!("{}: {m}", self.name)))?;
        entry.build(toml::Value::Table(table)).map_err(|e| {
            Error::Invalid(format!(
                "{}: {corruption} severity {severity}: {e}",
                self.name
            ))
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

    /// Parses recipe text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Suite> {
        let bad = |message: String| Error::Invalid(format!("{origin}: {message}"));
        let recipe: Recipe = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let entries = registry::engine(&recipe.engine)
            .ok_or_else(|| bad(format!("unknown engine '{}'", recipe.engine)))?;
        recipe.input.check().map_err(bad)?;
        let mut corruptions = Vec::with_capacity(recipe.corruption.len());
        for c in recipe.corruption {
            let entry = entries.iter().find(|e| e.name == c.name).ok_or_else(|| {
                bad(format!(
                    "engine '{}' has no corruption '{}'",
                    recipe.engine, c.name
                ))
            })?;
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
                name: c.name,
                family: c.family,
                severities,
                parameters,
                released: c.released,
                archive: c.archive,
            });
        }
        Ok(Suite {
            name: recipe.name,
            version: recipe.version,
            engine: recipe.engine,
            image_size: recipe.image_size,
            jpeg_codec: recipe.jpeg_codec,
            input: recipe.input,
            output: recipe.output,
            recipe_sha256: crate::sink::manifest::sha256_hex(text.as_bytes()),
            corruptions,
        })
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
}
