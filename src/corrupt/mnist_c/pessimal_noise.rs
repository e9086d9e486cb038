//! MNIST-C `pessimal_noise` (spec §5.3, a leftover): noise shaped by a 196×196 matrix trained to
//! hurt a classifier, tiled 2×2 over the digit. Severity is ignored; ε = 10.63.
//!
//! 1. n ~ N(0, 1), 196 draws; z = n·A (z_j = Σ_i n_i·A_ij, the float32 matrix widened to float64).
//! 2. z ← z / ‖z‖₂ · ε / 4.
//! 3. z, read row-major as a 14×14 block, is repeated 2×2 to 28×28 and added to x = img/255.
//! 4. out = clip(x + tile, 0, 1)·255.
//!
//! The reference's product and norm run in BLAS, whose summation order is its own; here the sums
//! run in index order, which can differ in the last bits.
//!
//! The matrix is google-research/mnist-c's `pessimal_noise_matrix` file, the [`PESSIMAL`] asset,
//! which blight does not ship. The file is a pickled numpy array; its sha256 is checked, then the
//! float32 payload is read at a fixed offset.

use super::{check_digit, finish, SIDE};
use crate::assets::{cached, PESSIMAL};
use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PessimalNoise {
    /// L2 norm of the noise over one 14×14 block is ε/4 (over the whole tiling, ε/2).
    pub epsilon: f64,
}

impl PessimalNoise {
    /// The matrix of the run's pessimal folder, loaded once per folder and process.
    fn matrix(&self, context: &Context) -> Result<Arc<PessimalMatrix>> {
        let dir = context.assets.dir(&PESSIMAL).ok_or_else(|| {
            Error::Invalid(format!(
                "pessimal_noise needs the pessimal asset: {} (or leave the config out with \
                 --skip pessimal_noise)",
                PESSIMAL.hint()
            ))
        })?;
        cached(&PESSIMAL, dir, PessimalMatrix::load)
    }
}

impl Corruption for PessimalNoise {
    fn apply(&self, image: &Image, rng: &mut dyn Random, context: &Context) -> Result<Image> {
        check_digit(image, "pessimal_noise")?;
        let matrix = self.matrix(context)?;
        if matrix.side * 2 != SIDE {
            return Err(Error::Invalid(format!(
                "pessimal_noise needs a {}×{} block matrix for 28×28 digits, got one for {}×{}",
                SIDE / 2,
                SIDE / 2,
                matrix.side,
                matrix.side
            )));
        }
        let block = matrix.block(rng, self.epsilon);
        Ok(finish(image, &matrix.tile_onto(image, &block)))
    }
}

/// The pessimal matrix: `side`² × `side`² weights, row-major, turning `side`² normal draws into
/// one `side`×`side` noise block.
pub struct PessimalMatrix {
    side: usize,
    weights: Vec<f64>,
}

impl std::fmt::Debug for PessimalMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.side * self.side;
        write!(f, "PessimalMatrix({n}×{n})")
    }
}

impl PessimalMatrix {
    /// Where the little-endian float32 (196, 196) C-order payload starts inside the pickle.
    const PAYLOAD_OFFSET: usize = 153;
    /// The block side of the reference matrix.
    const SIDE: usize = 14;

    /// Reads the reference file from the pessimal folder `dir`, checking its sha256.
    pub fn load(dir: &Path) -> Result<Self> {
        let bytes = PESSIMAL.read(dir, &PESSIMAL.files[0])?;
        let n = Self::SIDE * Self::SIDE;
        let payload = &bytes[Self::PAYLOAD_OFFSET..Self::PAYLOAD_OFFSET + n * n * 4];
        let values = payload
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Self::from_values(Self::SIDE, values)
    }

    /// A matrix of `side`² × `side`² float32 weights, row-major.
    pub fn from_values(side: usize, values: Vec<f32>) -> Result<Self> {
        let n = side * side;
        if side == 0 || values.len() != n * n {
            return Err(Error::Invalid(format!(
                "a pessimal matrix for {side}×{side} blocks needs {} weights, got {}",
                n * n,
                values.len()
            )));
        }
        Ok(PessimalMatrix {
            side,
            weights: values.into_iter().map(f64::from).collect(),
        })
    }

    /// Side of the noise block.
    pub fn side(&self) -> usize {
        self.side
    }

    /// The weight in row `i`, column `j`.
    pub fn weight(&self, i: usize, j: usize) -> f64 {
        let n = self.side * self.side;
        self.weights[i * n + j]
    }

    /// One noise block, row-major: `side`² standard normal draws times the matrix, scaled to L2
    /// norm `epsilon`/4 as ((z / ‖z‖)·ε)/4.
    pub fn block(&self, rng: &mut dyn Random, epsilon: f64) -> Vec<f64> {
        let n = self.side * self.side;
        let mut normals = vec![0.0; n];
        rng.fill_normal(0.0, 1.0, &mut normals);
        let mut z = vec![0.0f64; n];
        for (row, &draw) in self.weights.chunks_exact(n).zip(&normals) {
            for (zj, &a) in z.iter_mut().zip(row) {
                *zj += draw * a;
            }
        }
        let norm = z.iter().map(|v| v * v).sum::<f64>().sqrt();
        for v in &mut z {
            *v = *v / norm * epsilon / 4.0;
        }
        z
    }

    /// x = img/255 plus `block` repeated over the image (pixel (r, c) gets block value
    /// (r mod side, c mod side)).
    fn tile_onto(&self, image: &Image, block: &[f64]) -> Vec<f64> {
        let s = self.side;
        image
            .data
            .chunks_exact(image.width)
            .enumerate()
            .flat_map(|(r, row)| {
                let block_row = &block[(r % s) * s..(r % s + 1) * s];
                row.iter()
                    .enumerate()
                    .map(move |(c, &x)| x as f64 / 255.0 + block_row[c % s])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::AssetDirs;
    use crate::rng::NumpyRandom;

    /// A small matrix with distinct entries of both signs.
    fn synthetic(side: usize) -> PessimalMatrix {
        let n = side * side;
        let values = (0..n * n)
            .map(|k| ((k * 7919 % 23) as f32 - 11.0) * 0.25)
            .collect();
        PessimalMatrix::from_values(side, values).unwrap()
    }

    #[test]
    fn block_is_the_scaled_vector_matrix_product() {
        let m = synthetic(2);
        let block = m.block(&mut NumpyRandom::new(12), 10.63);
        let mut rng = NumpyRandom::new(12);
        let n: Vec<f64> = (0..4).map(|_| rng.standard_normal()).collect();
        let z: Vec<f64> = (0..4)
            .map(|j| (0..4).map(|i| n[i] * m.weight(i, j)).sum())
            .collect();
        let norm = z.iter().map(|v| v * v).sum::<f64>().sqrt();
        for j in 0..4 {
            let want = z[j] / norm * 10.63 / 4.0;
            assert!(
                (block[j] - want).abs() < 1e-12,
                "{j}: {} vs {want}",
                block[j]
            );
        }
        let l2 = block.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((l2 - 10.63 / 4.0).abs() < 1e-12);
    }

    #[test]
    fn identity_matrix_gives_the_normalised_draws_tiled_2x2() {
        let n = 196;
        let mut eye = vec![0.0f32; n * n];
        for i in 0..n {
            eye[i * n + i] = 1.0;
        }
        let m = PessimalMatrix::from_values(14, eye).unwrap();
        let block = m.block(&mut NumpyRandom::new(2000), 10.63);
        let mut rng = NumpyRandom::new(2000);
        let draws: Vec<f64> = (0..n).map(|_| rng.standard_normal()).collect();
        let norm = draws.iter().map(|v| v * v).sum::<f64>().sqrt();
        for (b, d) in block.iter().zip(&draws) {
            assert_eq!(*b, d / norm * 10.63 / 4.0);
        }
        let digit = Image::new(28, 28, 1, vec![128; 784]).unwrap();
        let tiled = m.tile_onto(&digit, &block);
        for r in 0..28 {
            for c in 0..28 {
                let want = 128.0 / 255.0 + block[(r % 14) * 14 + c % 14];
                assert_eq!(tiled[r * 28 + c], want);
            }
        }
        // Four copies of a block of norm ε/4: the tiling has norm ε/2 = 5.315.
        let l2 = tiled
            .iter()
            .map(|v| (v - 128.0 / 255.0).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!((l2 - 5.315).abs() < 1e-9, "{l2}");
    }

    #[test]
    fn missing_matrix_is_a_clear_error() {
        let noise = PessimalNoise { epsilon: 10.63 };
        let context = Context {
            assets: AssetDirs::none().with(&PESSIMAL, "/nonexistent/pessimal"),
            ..Context::default()
        };
        let digit = Image::zeros(28, 28, 1);
        let err = noise
            .apply(&digit, &mut NumpyRandom::new(0), &context)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/pessimal"), "{err}");
    }

    #[test]
    fn no_matrix_at_all_says_where_to_get_it() {
        let err = PessimalNoise { epsilon: 10.63 }
            .apply(
                &Image::zeros(28, 28, 1),
                &mut NumpyRandom::new(0),
                &Context::default(),
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("pessimal_noise_matrix"), "{err}");
        assert!(err.contains("google-research/mnist-c"), "{err}");
        assert!(err.contains("BLIGHT_PESSIMAL_DIR"), "{err}");
        assert!(err.contains("--skip pessimal_noise"), "{err}");
    }

    #[test]
    fn a_file_with_another_hash_is_refused() {
        let dir = std::env::temp_dir().join(format!("blight-pessimal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pessimal_noise_matrix"), vec![0u8; 153_824]).unwrap();
        let err = PessimalMatrix::load(&dir).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("sha256"), "{err}");
        assert!(PessimalMatrix::from_values(2, vec![0.0; 15]).is_err());
    }
}
