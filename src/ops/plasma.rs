//! The plasma fractal of fog (spec §1.4): diamond–square on a toroidal float64 map, exactly as the
//! reference's `plasma_fractal` (after FLHerne/mapgen) computes it, including its draw order and the
//! grouping of every sum, then rescaled to [0, 1].
//!
//! Each new point is the sum of its four neighbours (wrapping around the edges) divided by 4, plus
//! `wibble · U(−wibble, wibble)`. Per level, three uniform arrays of shape n×n (n = size / step) are
//! drawn in C order: square centres, then the diamond points between horizontal neighbours, then
//! those between vertical neighbours. wibble starts at 100 and is divided by `wibble_decay` per level.

use crate::error::{Error, Result};
use crate::rng::Random;

/// A `size`×`size` plasma map (row-major) with values in [0, 1]. `size` must be a power of two.
pub fn plasma_fractal(size: usize, wibble_decay: f64, rng: &mut dyn Random) -> Result<Vec<f64>> {
    if !size.is_power_of_two() {
        return Err(Error::Invalid(format!(
            "plasma map size {size} is not a power of two"
        )));
    }
    let mut map = vec![0.0f64; size * size];
    let mut noise = Vec::with_capacity(size * size / 4);
    let mut step = size;
    let mut wibble = 100.0f64;
    while step >= 2 {
        let n = size / step;
        // n is a power of two, so wrapping an index is a mask.
        let wrap = n - 1;
        let half = step / 2;
        let at = |row: usize, col: usize| row * size + col;
        // Corner (i, j) sits at (i·step, j·step); centre (i, j) at (i·step + half, j·step + half).
        let corner =
            |map: &[f64], i: usize, j: usize| map[at((i & wrap) * step, (j & wrap) * step)];
        let centre = |map: &[f64], i: usize, j: usize| {
            map[at((i & wrap) * step + half, (j & wrap) * step + half)]
        };

        // Squares: (c[i,j] + c[i+1,j]) + (c[i,j+1] + c[i+1,j+1]).
        draw(rng, wibble, n, &mut noise);
        for i in 0..n {
            for j in 0..n {
                let sum = (corner(&map, i, j) + corner(&map, i + 1, j))
                    + (corner(&map, i, j + 1) + corner(&map, i + 1, j + 1));
                map[at(i * step + half, j * step + half)] = sum / 4.0 + wibble * noise[i * n + j];
            }
        }

        // Diamonds between horizontal corner pairs, at (i·step, j·step + half):
        // (centre[i,j] + centre[i−1,j]) + (corner[i,j] + corner[i,j+1]).
        draw(rng, wibble, n, &mut noise);
        for i in 0..n {
            for j in 0..n {
                let sum = (centre(&map, i, j) + centre(&map, i + n - 1, j))
                    + (corner(&map, i, j) + corner(&map, i, j + 1));
                map[at(i * step, j * step + half)] = sum / 4.0 + wibble * noise[i * n + j];
            }
        }

        // Diamonds between vertical corner pairs, at (i·step + half, j·step):
        // (centre[i,j] + centre[i,j−1]) + (corner[i,j] + corner[i+1,j]).
        draw(rng, wibble, n, &mut noise);
        for i in 0..n {
            for j in 0..n {
                let sum = (centre(&map, i, j) + centre(&map, i, j + n - 1))
                    + (corner(&map, i, j) + corner(&map, i + 1, j));
                map[at(i * step + half, j * step)] = sum / 4.0 + wibble * noise[i * n + j];
            }
        }

        step /= 2;
        wibble /= wibble_decay;
    }
    let min = map.iter().copied().fold(f64::INFINITY, f64::min);
    for v in &mut map {
        *v -= min;
    }
    let max = map.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for v in &mut map {
        *v /= max;
    }
    Ok(map)
}

/// One n×n `uniform(−wibble, wibble)` array into `noise`.
fn draw(rng: &mut dyn Random, wibble: f64, n: usize, noise: &mut Vec<f64>) {
    noise.resize(n * n, 0.0);
    rng.fill_uniform(-wibble, wibble, noise);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    /// A deterministic source that is not numpy's, so the test below checks the arithmetic alone.
    struct Counter(u32);

    impl Random for Counter {
        fn next_u32(&mut self) -> u32 {
            self.0 = self.0.wrapping_add(0x3c6e_f372);
            self.0
        }
        fn standard_normal(&mut self) -> f64 {
            unreachable!("plasma draws only uniforms")
        }
    }

    #[test]
    fn rejects_sizes_that_are_not_powers_of_two() {
        assert!(plasma_fractal(48, 2.0, &mut NumpyRandom::new(0)).is_err());
    }

    #[test]
    fn spans_zero_to_one_and_uses_three_draws_per_level() {
        let mut rng = NumpyRandom::new(3);
        let map = plasma_fractal(16, 2.0, &mut rng).unwrap();
        assert_eq!(map.len(), 256);
        assert_eq!(map.iter().copied().fold(f64::INFINITY, f64::min), 0.0);
        assert_eq!(map.iter().copied().fold(f64::NEG_INFINITY, f64::max), 1.0);
        // Levels with n = 1, 2, 4, 8: 3·(1 + 4 + 16 + 64) = 255 uniforms of two words each.
        let mut counted = NumpyRandom::new(3);
        for _ in 0..255 {
            counted.random_sample();
        }
        assert_eq!(rng.next_u32(), counted.next_u32());
    }

    #[test]
    fn matches_the_reference_with_numpy_seeded() {
        // Values from the reference function with np.random.seed(5), mapsize 8, wibbledecay 1.7.
        let map = plasma_fractal(8, 1.7, &mut NumpyRandom::new(5)).unwrap();
        assert_eq!(map[1], 0.6030888604577617);
        assert_eq!(map[3 * 8 + 5], 0.30058577124760755);
        assert_eq!(map[7 * 8 + 7], 0.44051558321297035);
        assert_eq!(map[4 * 8 + 2], 0.19986759992389208);
        assert_eq!(map[6 * 8 + 1], 0.4840371159107635);
    }

    #[test]
    fn two_by_two_map_follows_the_recurrence() {
        // size 2: one level. Corner 0; centre (1,1) = 0 + 100·U0; diamond (0,1) = (2·centre + 0)/4
        // + 100·U1; diamond (1,0) = (2·centre + 0)/4 + 100·U2; then min–max rescaling.
        let mut rng = Counter(0);
        let map = plasma_fractal(2, 2.0, &mut rng).unwrap();
        let mut rng = Counter(0);
        let u: Vec<f64> = (0..3).map(|_| rng.uniform(-100.0, 100.0)).collect();
        let centre = 0.0 / 4.0 + 100.0 * u[0];
        let top = (centre + centre + 0.0 + 0.0) / 4.0 + 100.0 * u[1];
        let left = (centre + centre + 0.0 + 0.0) / 4.0 + 100.0 * u[2];
        let raw = [0.0, top, left, centre];
        let min = raw.iter().copied().fold(f64::INFINITY, f64::min);
        let shifted = raw.map(|v| v - min);
        let max = shifted.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(map, shifted.map(|v| v / max).to_vec());
    }
}
