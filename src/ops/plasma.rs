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
///
/// Each level works on compact arrays: the n×n grid of corners (every step-th point of the map),
/// from which it makes the n×n square centres and the two n×n sets of diamond points, then
/// interleaves the four into the 2n×2n corner grid of the next level. The squares read only
/// corners and the diamonds only corners and centres, so this order of work gives the reference's
/// values, and the loops run over contiguous rows.
pub fn plasma_fractal(size: usize, wibble_decay: f64, rng: &mut dyn Random) -> Result<Vec<f64>> {
    let mut map = raw_fractal(size, wibble_decay, rng)?;
    normalise(&mut map);
    Ok(map)
}

/// The top-left `rows`×`cols` corner of [`plasma_fractal`], row-major: what fog uses of the map
/// when the image is smaller than it.
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
    if rows > size || cols > size {
        return Err(Error::Invalid(format!(
            "a {rows}×{cols} corner does not fit a plasma map of side {size}"
        )));
    }
    let map = raw_fractal(size, wibble_decay, rng)?;
    let min = map.iter().copied().fold(f64::INFINITY, f64::min);
    let max = map.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let range = max - min;
    let mut out = Vec::with_capacity(rows * cols);
    for row in map.chunks_exact(size).take(rows) {
        out.extend(row[..cols].iter().map(|&v| (v - min) / range));
    }
    Ok(out)
}

/// The diamond–square map before rescaling, on the widest vectors the processor has.
fn raw_fractal(size: usize, wibble_decay: f64, rng: &mut dyn Random) -> Result<Vec<f64>> {
    if !size.is_power_of_two() {
        return Err(Error::Invalid(format!(
            "plasma map size {size} is not a power of two"
        )));
    }
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            // SAFETY: the processor has AVX-512F.
            return Ok(unsafe { fractal_avx512(size, wibble_decay, rng) });
        }
        if is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2.
            return Ok(unsafe { fractal_avx2(size, wibble_decay, rng) });
        }
    }
    Ok(fractal(size, wibble_decay, rng))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn fractal_avx512(size: usize, wibble_decay: f64, rng: &mut dyn Random) -> Vec<f64> {
    fractal(size, wibble_decay, rng)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn fractal_avx2(size: usize, wibble_decay: f64, rng: &mut dyn Random) -> Vec<f64> {
    fractal(size, wibble_decay, rng)
}

/// [`plasma_fractal`] for a power-of-two `size`, compiled once per vector width.
#[inline(always)]
fn fractal(size: usize, wibble_decay: f64, rng: &mut dyn Random) -> Vec<f64> {
    // The corner grid of the first level: the single point (0, 0), which starts at 0.
    let mut corners = vec![0.0f64];
    let mut noise = [Vec::new(), Vec::new(), Vec::new()];
    let mut parts = [Vec::new(), Vec::new(), Vec::new()];
    let mut n = 1;
    let mut wibble = 100.0f64;
    while n < size {
        // The three draws of the level, in the reference's order; none depends on the map.
        for noise in &mut noise {
            draw(rng, wibble, n, noise);
        }
        level(n, wibble, &corners, &noise, &mut parts);
        corners = interleave(n, &corners, &parts);
        n *= 2;
        wibble /= wibble_decay;
    }
    corners
}

/// One level on an n×n corner grid c (indices wrap around):
/// * centre[i, j] = ((c[i, j] + c[i+1, j]) + (c[i, j+1] + c[i+1, j+1])) / 4 + wibble·noise₀,
/// * across[i, j], between c[i, j] and c[i, j+1]:
///   ((centre[i, j] + centre[i−1, j]) + (c[i, j] + c[i, j+1])) / 4 + wibble·noise₁,
/// * down[i, j], between c[i, j] and c[i+1, j]:
///   ((centre[i, j] + centre[i, j−1]) + (c[i, j] + c[i+1, j])) / 4 + wibble·noise₂.
#[inline(always)]
fn level(
    n: usize,
    wibble: f64,
    corners: &[f64],
    noise: &[Vec<f64>; 3],
    [centres, across, down]: &mut [Vec<f64>; 3],
) {
    // Row i (wrapped) of an n×n grid.
    let row = |i: usize| (i % n) * n..(i % n + 1) * n;
    // Rows with the wrapped neighbour appended (corners: c[i, 0] after the row) or prepended
    // (centres: centre[i, n−1] before it), so that j ± 1 needs no branch.
    let mut c0 = vec![0.0; n + 1];
    let mut c1 = vec![0.0; n + 1];
    let mut left = vec![0.0; n + 1];
    let wrap_right = |buf: &mut [f64], row: &[f64]| {
        buf[..n].copy_from_slice(row);
        buf[n] = row[0];
    };
    centres.resize(n * n, 0.0);
    across.resize(n * n, 0.0);
    down.resize(n * n, 0.0);
    for i in 0..n {
        wrap_right(&mut c0, &corners[row(i)]);
        wrap_right(&mut c1, &corners[row(i + 1)]);
        for ((o, (&a, &b)), ((&c, &d), &u)) in centres[row(i)]
            .iter_mut()
            .zip(c0[..n].iter().zip(&c1[..n]))
            .zip(c0[1..].iter().zip(&c1[1..]).zip(&noise[0][row(i)]))
        {
            *o = ((a + b) + (c + d)) / 4.0 + wibble * u;
        }
    }
    for i in 0..n {
        wrap_right(&mut c0, &corners[row(i)]);
        wrap_right(&mut c1, &corners[row(i + 1)]);
        let centre = &centres[row(i)];
        let above = &centres[row(i + n - 1)];
        left[0] = centre[n - 1];
        left[1..].copy_from_slice(centre);
        for ((o, (&s, &t)), ((&a, &b), &u)) in across[row(i)]
            .iter_mut()
            .zip(centre.iter().zip(above))
            .zip(c0[..n].iter().zip(&c0[1..]).zip(&noise[1][row(i)]))
        {
            *o = ((s + t) + (a + b)) / 4.0 + wibble * u;
        }
        for ((o, (&s, &t)), ((&a, &b), &u)) in down[row(i)]
            .iter_mut()
            .zip(centre.iter().zip(&left[..n]))
            .zip(c0[..n].iter().zip(&c1[..n]).zip(&noise[2][row(i)]))
        {
            *o = ((s + t) + (a + b)) / 4.0 + wibble * u;
        }
    }
}

/// The 2n×2n corner grid of the next level: row 2i alternates corners and `across` points, row
/// 2i + 1 alternates `down` points and centres.
#[inline(always)]
fn interleave(n: usize, corners: &[f64], [centres, across, down]: &[Vec<f64>; 3]) -> Vec<f64> {
    let mut next = vec![0.0; 4 * n * n];
    for (i, rows) in next.chunks_exact_mut(4 * n).enumerate() {
        let (even, odd) = rows.split_at_mut(2 * n);
        let range = i * n..(i + 1) * n;
        for (pair, (&c, &a)) in even
            .chunks_exact_mut(2)
            .zip(corners[range.clone()].iter().zip(&across[range.clone()]))
        {
            pair.copy_from_slice(&[c, a]);
        }
        for (pair, (&d, &s)) in odd
            .chunks_exact_mut(2)
            .zip(down[range.clone()].iter().zip(&centres[range]))
        {
            pair.copy_from_slice(&[d, s]);
        }
    }
    next
}

/// The reference's rescaling: subtract the minimum, then divide by the new maximum.
#[inline(always)]
fn normalise(map: &mut [f64]) {
    let min = map.iter().copied().fold(f64::INFINITY, f64::min);
    for v in map.iter_mut() {
        *v -= min;
    }
    let max = map.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for v in map.iter_mut() {
        *v /= max;
    }
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
