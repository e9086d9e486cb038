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
    plasma_fractal_crop(size, wibble_decay, rng, size, size)
}

/// The top-left `rows`×`cols` of [`plasma_fractal`]'s map, value for value, for callers that use
/// only a corner of it (MNIST-C's fog takes 28×28 of 256×256).
///
/// The whole map is still generated, since every draw and the global minimum and maximum are
/// needed; only the rescaling is limited to the corner. The reference subtracts the minimum from
/// every value and divides by the largest difference; rounding is monotonic, so that largest
/// difference is the difference of the largest value, fl(max − min).
pub fn plasma_fractal_crop(
    size: usize,
    wibble_decay: f64,
    rng: &mut dyn Random,
    rows: usize,
    cols: usize,
) -> Result<Vec<f64>> {
    if !size.is_power_of_two() {
        return Err(Error::Invalid(format!(
            "plasma map size {size} is not a power of two"
        )));
    }
    if rows > size || cols > size {
        return Err(Error::Invalid(format!(
            "a {rows}×{cols} corner does not fit a plasma map of side {size}"
        )));
    }
    let (map, min, max) = diamond_square(size, wibble_decay, rng);
    let range = max - min;
    let mut out = Vec::with_capacity(rows * cols);
    for row in map.chunks_exact(size).take(rows) {
        out.extend(row[..cols].iter().map(|&v| (v - min) / range));
    }
    Ok(out)
}

/// The unscaled diamond–square map with its smallest and largest value. Every point but (0, 0),
/// which stays 0, is written exactly once, so the extremes are tracked as points are written.
///
/// Each sub-step works row by row on plain slices: the row it writes and the (other) rows it
/// reads. A sum of two neighbours that two points share is formed once; the grouping of every sum
/// is the reference's.
fn diamond_square(size: usize, wibble_decay: f64, rng: &mut dyn Random) -> (Vec<f64>, f64, f64) {
    let mut map = vec![0.0f64; size * size];
    let mut noise = Vec::with_capacity(size * size / 4);
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    let mut step = size;
    let mut wibble = 100.0f64;
    while step >= 2 {
        let n = size / step;
        let half = step / 2;
        // Grid row i of corners is map row i·step; of centres, i·step + half (i wraps modulo n).
        let corner_row = |i: usize| (i % n) * step;
        let centre_row = |i: usize| (i % n) * step + half;
        let mut put = |target: &mut f64, sum: f64, u: f64| {
            let v = sum / 4.0 + wibble * u;
            lo = if v < lo { v } else { lo };
            hi = if v > hi { v } else { hi };
            *target = v;
        };

        // Squares at centre (i, j): (c[i,j] + c[i+1,j]) + (c[i,j+1] + c[i+1,j+1]); the vertical
        // pair c[i,j] + c[i+1,j] serves columns j − 1 and j.
        draw(rng, wibble, n, &mut noise);
        for i in 0..n {
            let (out, top, bottom) = rows(
                &mut map,
                size,
                centre_row(i),
                corner_row(i),
                corner_row(i + 1),
            );
            let u = &noise[i * n..(i + 1) * n];
            let first = top[0] + bottom[0];
            let mut left = first;
            for j in 0..n {
                let right = if j + 1 < n {
                    top[(j + 1) * step] + bottom[(j + 1) * step]
                } else {
                    first
                };
                put(&mut out[j * step + half], left + right, u[j]);
                left = right;
            }
        }

        // Diamonds between horizontal corner pairs, at (i·step, j·step + half):
        // (centre[i,j] + centre[i−1,j]) + (corner[i,j] + corner[i,j+1]). The corners share the
        // written row; only the odd multiples of half are written there.
        draw(rng, wibble, n, &mut noise);
        for i in 0..n {
            let (out, here, above) = rows(
                &mut map,
                size,
                corner_row(i),
                centre_row(i),
                centre_row(i + n - 1),
            );
            let u = &noise[i * n..(i + 1) * n];
            for j in 0..n {
                let col = j * step + half;
                let next = if j + 1 < n { (j + 1) * step } else { 0 };
                let sum = (here[col] + above[col]) + (out[j * step] + out[next]);
                put(&mut out[col], sum, u[j]);
            }
        }

        // Diamonds between vertical corner pairs, at (i·step + half, j·step):
        // (centre[i,j] + centre[i,j−1]) + (corner[i,j] + corner[i+1,j]). The centres share the
        // written row; only the multiples of step are written there.
        draw(rng, wibble, n, &mut noise);
        for i in 0..n {
            let (out, top, bottom) = rows(
                &mut map,
                size,
                centre_row(i),
                corner_row(i),
                corner_row(i + 1),
            );
            let u = &noise[i * n..(i + 1) * n];
            for (j, &u) in u.iter().enumerate() {
                let col = j * step;
                let before = if j > 0 { col - half } else { size - half };
                let sum = (out[col + half] + out[before]) + (top[col] + bottom[col]);
                put(&mut out[col], sum, u);
            }
        }

        step /= 2;
        wibble /= wibble_decay;
    }
    (map, lo, hi)
}

/// Row `target` of a `size`-wide map, mutable, with rows `a` and `b` (both other than `target`).
fn rows(
    map: &mut [f64],
    size: usize,
    target: usize,
    a: usize,
    b: usize,
) -> (&mut [f64], &[f64], &[f64]) {
    let (before, rest) = map.split_at_mut(target * size);
    let (out, after) = rest.split_at_mut(size);
    let (before, after) = (&*before, &*after);
    let row = |r: usize| -> &[f64] {
        if r < target {
            &before[r * size..(r + 1) * size]
        } else {
            &after[(r - target - 1) * size..(r - target) * size]
        }
    };
    (out, row(a), row(b))
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

    /// The recurrence written plainly, one point at a time with wrapped indices.
    fn naive(size: usize, decay: f64, rng: &mut dyn Random) -> Vec<f64> {
        let mut map = vec![0.0f64; size * size];
        let (mut step, mut wibble) = (size, 100.0f64);
        let at = |r: usize, c: usize| (r % size) * size + c % size;
        while step >= 2 {
            let (n, h) = (size / step, step / 2);
            let mut u = vec![0.0; n * n];
            rng.fill_uniform(-wibble, wibble, &mut u);
            for i in 0..n {
                for j in 0..n {
                    let (r, c) = (i * step, j * step);
                    let s = (map[at(r, c)] + map[at(r + step, c)])
                        + (map[at(r, c + step)] + map[at(r + step, c + step)]);
                    map[at(r + h, c + h)] = s / 4.0 + wibble * u[i * n + j];
                }
            }
            rng.fill_uniform(-wibble, wibble, &mut u);
            for i in 0..n {
                for j in 0..n {
                    let (r, c) = (i * step, j * step);
                    let s = (map[at(r + h, c + h)] + map[at(r + size - h, c + h)])
                        + (map[at(r, c)] + map[at(r, c + step)]);
                    map[at(r, c + h)] = s / 4.0 + wibble * u[i * n + j];
                }
            }
            rng.fill_uniform(-wibble, wibble, &mut u);
            for i in 0..n {
                for j in 0..n {
                    let (r, c) = (i * step, j * step);
                    let s = (map[at(r + h, c + h)] + map[at(r + h, c + size - h)])
                        + (map[at(r, c)] + map[at(r + step, c)]);
                    map[at(r + h, c)] = s / 4.0 + wibble * u[i * n + j];
                }
            }
            step /= 2;
            wibble /= decay;
        }
        let min = map.iter().copied().fold(f64::INFINITY, f64::min);
        let shifted: Vec<f64> = map.iter().map(|v| v - min).collect();
        let max = shifted.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        shifted.iter().map(|v| v / max).collect()
    }

    #[test]
    fn gathered_lines_give_the_plain_recurrence_bit_for_bit() {
        for (size, decay, seed) in [(2, 2.0, 1), (4, 1.4, 2), (32, 1.7, 3), (256, 1.4, 2000)] {
            let want = naive(size, decay, &mut NumpyRandom::new(seed));
            let got = plasma_fractal(size, decay, &mut NumpyRandom::new(seed)).unwrap();
            assert_eq!(got, want, "size {size}");
        }
    }

    #[test]
    fn corner_is_the_full_map_cut() {
        let full = plasma_fractal(256, 1.4, &mut NumpyRandom::new(2001)).unwrap();
        let corner = plasma_fractal_crop(256, 1.4, &mut NumpyRandom::new(2001), 28, 20).unwrap();
        let want: Vec<f64> = full
            .chunks_exact(256)
            .take(28)
            .flat_map(|row| row[..20].to_vec())
            .collect();
        assert_eq!(corner, want);
        assert!(plasma_fractal_crop(16, 1.4, &mut NumpyRandom::new(0), 17, 4).is_err());
    }
}
