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
use crate::simd;
use std::cell::RefCell;

/// A `size`×`size` plasma map (row-major) with values in [0, 1]. `size` must be a power of two,
/// at least 2.
pub fn plasma_fractal(size: usize, wibble_decay: f64, rng: &mut dyn Random) -> Result<Vec<f64>> {
    plasma_fractal_crop(size, wibble_decay, rng, size, size)
}

/// The top-left `rows`×`cols` of [`plasma_fractal`]'s map, value for value, for callers that use
/// only a corner of it (MNIST-C's fog takes 28×28 of 256×256). It consumes the same draws.
///
/// The reference subtracts the minimum from every value and divides by the largest difference;
/// rounding is monotonic, so that largest difference is the difference of the largest value,
/// fl(max − min). A small corner is computed by [`Planes::corner`], which works out only the
/// points the corner and the extremes depend on.
pub fn plasma_fractal_crop(
    size: usize,
    wibble_decay: f64,
    rng: &mut dyn Random,
    rows: usize,
    cols: usize,
) -> Result<Vec<f64>> {
    if !size.is_power_of_two() || size < 2 {
        return Err(Error::Invalid(format!(
            "plasma map size {size} is not a power of two of at least 2"
        )));
    }
    if rows > size || cols > size {
        return Err(Error::Invalid(format!(
            "a {rows}×{cols} corner does not fit a plasma map of side {size}"
        )));
    }
    PLANES.with_borrow_mut(|planes| {
        if rows * cols * SMALL_CORNER <= size * size {
            return Ok(planes.corner(size, wibble_decay, rng, rows, cols));
        }
        planes.build(size, wibble_decay, rng);
        let (lo, range) = (planes.lo, planes.hi - planes.lo);
        let mut out = vec![0.0; rows * cols];
        // A row interleaves two planes: even columns from one, odd ones from the other.
        simd::dispatch(
            #[inline(always)]
            |_| {
                for (r, line) in out.chunks_exact_mut(cols.max(1)).enumerate() {
                    let [even, odd] = planes.row_planes(r);
                    let mut pairs = line.chunks_exact_mut(2);
                    for (pair, (&e, &o)) in pairs.by_ref().zip(even.iter().zip(odd)) {
                        pair[0] = (e - lo) / range;
                        pair[1] = (o - lo) / range;
                    }
                    if let [last] = pairs.into_remainder() {
                        *last = (even[cols / 2] - lo) / range;
                    }
                }
            },
        );
        Ok(out)
    })
}

/// A corner at most 1/`SMALL_CORNER` of the map takes [`Planes::corner`]; a larger one needs so
/// many of the points that computing them all, vectorised, is faster.
const SMALL_CORNER: usize = 16;

/// The finest levels, which hold most of the draws (¾ + 3⁄16 of them), that [`Planes::corner`]
/// computes only where needed.
const BOUNDED_LEVELS: u32 = 2;

thread_local! {
    /// Each thread's working memory, reused from map to map.
    static PLANES: RefCell<Planes> = RefCell::new(Planes::default());
}

/// A map under construction. After [`Planes::build`] it holds the four planes of the last
/// level, each m×m (m = size / 2): the points on even rows and even columns (`corners`,
/// everything the coarser levels made), the square centres (odd, odd), the diamonds between
/// horizontal corner pairs (even, odd) and between vertical ones (odd, even); with the smallest
/// and largest value of the whole map. Buffers keep their size between maps (only their first
/// m² values are used), so no map pays for allocating or zeroing them.
#[derive(Default)]
struct Planes {
    m: usize,
    corners: Vec<f64>,
    centres: Vec<f64>,
    across: Vec<f64>,
    down: Vec<f64>,
    /// The next level's corners while they are being interleaved.
    next: Vec<f64>,
    /// The level's three uniform arrays.
    noise: [Vec<f64>; 3],
    lo: f64,
    hi: f64,
    /// [`Planes::corner`]'s whole map, of which only the points computed are read; and per
    /// bounded level and array (centres, across, down) a bit per point: whether it is needed.
    exact: Vec<f64>,
    stages: Vec<Vec<u64>>,
    /// The coarse points that may be extremes, then the points computed since.
    fresh: Vec<usize>,
}

/// Grows each buffer to at least `len` values.
fn reserve<'a>(buffers: impl IntoIterator<Item = &'a mut Vec<f64>>, len: usize) {
    for buffer in buffers {
        if buffer.len() < len {
            buffer.resize(len, 0.0);
        }
    }
}

impl Planes {
    /// Row `row` of the map as its two planes from its first point on: the values of its even
    /// columns and those of its odd ones.
    fn row_planes(&self, row: usize) -> [&[f64]; 2] {
        let start = (row / 2) * self.m;
        let [even, odd] = if row.is_multiple_of(2) {
            [&self.corners, &self.across]
        } else {
            [&self.down, &self.centres]
        };
        [&even[start..start + self.m], &odd[start..start + self.m]]
    }

    /// Runs diamond–square for a `size`×`size` map (a power of two).
    fn build(&mut self, size: usize, wibble_decay: f64, rng: &mut dyn Random) {
        let most = (size / 2).pow(2);
        reserve(self.level_buffers(), most);
        reserve([&mut self.next], most);
        self.corners[0] = 0.0;
        let mut range = Range::new();
        simd::dispatch(
            #[inline(always)]
            |_| {
                let uniforms = |w: f64, u: &mut [f64]| rng.fill_uniform(-w, w, u);
                self.levels(1, size, 100.0, wibble_decay, uniforms, &mut range, false)
            },
        );
        (self.lo, self.hi) = range.finish();
    }

    /// The buffers of one level: its corners, its three planes and its three uniform arrays.
    fn level_buffers(&mut self) -> impl Iterator<Item = &mut Vec<f64>> {
        [
            &mut self.corners,
            &mut self.centres,
            &mut self.across,
            &mut self.down,
        ]
        .into_iter()
        .chain(&mut self.noise)
    }

    /// Runs the levels that take the map in `corners` from m×m to `side`×`side`, starting with
    /// `wibble`; `noise(wibble, array)` fills each of a level's three uniform arrays. Every
    /// point written is added to `range`. With `whole`, the last level is interleaved too, so
    /// `corners` ends as the whole map; else its planes are left as they are. Returns the wibble
    /// of the level after.
    ///
    /// The points a level of step s adds lie on a grid of their own: with the corners of that
    /// level (the whole map of the coarser levels, m×m) kept as one contiguous array, the
    /// level's centres and diamonds are three more m×m arrays, and every neighbour they read is
    /// the same index or the next or previous one (wrapping). So each level runs over contiguous
    /// rows, and the finished coarse map is interleaved into the corners of the next level. The
    /// grouping of every sum is the reference's. Compiled once per vector width; every width
    /// performs the same operations per value.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn levels(
        &mut self,
        mut m: usize,
        side: usize,
        mut wibble: f64,
        wibble_decay: f64,
        mut noise: impl FnMut(f64, &mut [f64]),
        range: &mut Range,
        whole: bool,
    ) -> f64 {
        while m < side {
            // One level: m×m squares; three m×m uniform arrays in the reference's order.
            let n = m * m;
            for u in &mut self.noise {
                noise(wibble, &mut u[..n]);
            }
            let [u_centres, u_across, u_down] = &self.noise;
            level(
                m,
                wibble,
                &self.corners[..n],
                [&u_centres[..n], &u_across[..n], &u_down[..n]],
                [
                    &mut self.centres[..n],
                    &mut self.across[..n],
                    &mut self.down[..n],
                ],
            );
            for plane in [&self.centres, &self.across, &self.down] {
                range.extend(&plane[..n]);
            }
            wibble /= wibble_decay;
            if !whole && 2 * m >= side {
                self.m = m;
                break;
            }
            interleave(
                m,
                [&self.corners, &self.centres, &self.across, &self.down],
                &mut self.next[..4 * n],
            );
            std::mem::swap(&mut self.corners, &mut self.next);
            m *= 2;
        }
        wibble
    }

    /// The top-left `rows`×`cols` of the rescaled map, drawing only the uniforms of the points
    /// it needs and skipping the others ([`Random::skip_samples`]).
    ///
    /// The coarse levels are computed whole; the [`BOUNDED_LEVELS`] finest ones only where
    /// needed: at the corner, where a value may be the map's minimum or maximum, and, finest
    /// first, at the points every needed point is made from. Those are computed in the
    /// reference's order and grouping, and the extremes are among them.
    ///
    /// Where an extreme may be comes from bounds. A point is the mean of four earlier points
    /// plus wibble·u with u in [−wibble, wibble], and every step is monotonic even rounded, so
    /// a point of a bounded level is at most the largest coarse point within two coarse steps
    /// of it raised by fl(wibble²) twice per bounded level (centre, then diamond), and at least
    /// the smallest lowered likewise. A coarse point whose raised value does not exceed the
    /// coarse maximum (nor its lowered one undercut the minimum) therefore lets no point near
    /// it be an extreme; only the cells around the others are needed.
    fn corner(
        &mut self,
        size: usize,
        wibble_decay: f64,
        rng: &mut dyn Random,
        rows: usize,
        cols: usize,
    ) -> Vec<f64> {
        let bounded = BOUNDED_LEVELS.min(size.trailing_zeros());
        let coarse = size >> bounded;
        reserve(self.level_buffers(), (size / 2).pow(2));
        reserve([&mut self.next], (size / 2).pow(2));
        reserve([&mut self.exact], size * size);
        // A point read before it is computed shows as NaN in tests.
        #[cfg(debug_assertions)]
        self.exact.fill(f64::NAN);
        let grid = Grid::new(size, coarse);
        self.stages.resize_with(3 * bounded as usize, Vec::new);
        for (stage, bits) in self.stages.iter_mut().enumerate() {
            bits.resize(grid.side(stage).pow(2).div_ceil(64), 0);
        }

        self.corners[0] = 0.0;
        let mut range = Range::new();
        let wibble = simd::dispatch(
            #[inline(always)]
            |_| {
                let uniforms = |w: f64, u: &mut [f64]| rng.fill_uniform(-w, w, u);
                self.levels(1, coarse, 100.0, wibble_decay, uniforms, &mut range, true)
            },
        );
        let (lo, hi) = range.finish();
        // fl(wibble²) of each bounded level; 0 for levels a small map lacks, which adds nothing.
        let mut noise = [0.0; BOUNDED_LEVELS as usize];
        let mut w = wibble;
        for n in &mut noise[..bounded as usize] {
            *n = w * w;
            w /= wibble_decay;
        }
        let may_be_extreme = |v: f64| {
            let (mut up, mut down) = (v, v);
            for n in noise {
                (up, down) = ((up + n) + n, (down - n) - n);
            }
            up > hi || down < lo
        };

        // The earlier bounded levels are computed first, in the cells (coarse steps) within two
        // coarse steps of a coarse point that may be raised or lowered past an extreme: the
        // points that may be extremes, and every point that the finest level's candidates
        // (chosen below) are made from; and the centres of the cells one step further up or
        // left, which the diamonds of the first are made from.
        let split = 3 * (bounded as usize - 1);
        self.fresh.clear();
        let step = size / coarse;
        let around = |k: usize, from: usize| {
            (k + 4 * coarse - from..=k + 4 * coarse + 2).map(move |k| k % coarse)
        };
        for (i, row) in self.corners[..coarse * coarse]
            .chunks_exact(coarse)
            .enumerate()
        {
            for (j, &v) in row.iter().enumerate() {
                self.exact[i * step * size + j * step] = v;
            }
            // Few rows hold a candidate; this test over the row vectorises.
            if row.iter().fold(false, |any, &v| any | may_be_extreme(v)) {
                for (j, &v) in row.iter().enumerate() {
                    if may_be_extreme(v) {
                        self.fresh.push(i * step * size + j * step);
                    }
                }
            }
        }
        for &q in &self.fresh {
            let (i, j) = (q / size / step, q % size / step);
            for (stage, bits) in self.stages[..split].iter_mut().enumerate() {
                // A cell holds 2^b × 2^b points of each array of bounded level b.
                let (b, m) = (stage / 3, grid.side(stage));
                let from = if stage % 3 == 0 { 3 } else { 2 };
                for ci in around(i, from) {
                    for cj in around(j, from) {
                        for r in ci << b..(ci + 1) << b {
                            for index in (r * m + (cj << b))..(r * m + ((cj + 1) << b)) {
                                bits[index / 64] |= 1 << (index % 64);
                            }
                        }
                    }
                }
            }
        }
        // The corner's points and those they are made from, which lie as far beyond it as the
        // sums reach: one step of the finest level for its centres; for the level before, two
        // for its diamonds and four for its centres (through its diamonds).
        let beyond = |stage: usize| match (stage / 3 + 1 == bounded as usize, stage % 3) {
            (true, 0) => 1,
            (true, _) => 0,
            (false, 0) => 4,
            (false, _) => 2,
        };
        // How far (row or column) k − 4 lies outside 0..len.
        let outside = |k: usize, len: usize| {
            if k < 4 {
                4 - k
            } else {
                k.saturating_sub(len + 3)
            }
        };
        for r in 0..rows + 8 {
            for c in 0..cols + 8 {
                let p = ((r + size - 4) % size) * size + (c + size - 4) % size;
                if let Some((stage, index)) = grid.stage(p) {
                    if outside(r, rows).max(outside(c, cols)) <= beyond(stage) {
                        self.stages[stage][index / 64] |= 1 << (index % 64);
                    }
                }
            }
        }
        let mut wibble = wibble;
        self.draw(grid, 0..split, &mut wibble, wibble_decay, rng, &mut range);

        // The finest level's points are at most the largest point of the map before it within
        // two steps, raised by fl(wibble²) twice, and at least the smallest lowered likewise:
        // with the earlier levels' extremes known, only those near the points that pass them
        // are candidates. The earlier points near a candidate were all computed above.
        let (lo, hi) = range.finish();
        let n = noise[bounded as usize - 1];
        let mask = size - 1;
        for &q in &self.fresh {
            let v = self.exact[q];
            if (v + n) + n > hi || (v - n) - n < lo {
                // The finest points within two steps, and the centres those are made from.
                let (qr, qc) = (q / size + size, q % size + size);
                for r in qr - 3..=qr + 3 {
                    for c in qc - 3..=qc + 3 {
                        let near = r.abs_diff(qr) <= 2 && c.abs_diff(qc) <= 2;
                        if near || r & c & 1 == 1 {
                            grid.mark_from(split, (r & mask) * size + (c & mask), &mut self.stages);
                        }
                    }
                }
            }
        }
        self.draw(
            grid,
            split..self.stages.len(),
            &mut wibble,
            wibble_decay,
            rng,
            &mut range,
        );

        let (lo, hi) = range.finish();
        let mut out = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            out.extend(
                self.exact[r * size..][..cols]
                    .iter()
                    .map(|&v| (v - lo) / (hi - lo)),
            );
        }
        out
    }

    /// Computes the marked points of `stages`, each array's draws in C order, a run of
    /// consecutive ones at a time, skipping the other draws; clears the marks.
    fn draw(
        &mut self,
        grid: Grid,
        stages: std::ops::Range<usize>,
        wibble: &mut f64,
        wibble_decay: f64,
        rng: &mut dyn Random,
        range: &mut Range,
    ) {
        let draws = &mut self.noise[0];
        for stage in stages {
            let mut drawn = 0;
            for (word, bits) in self.stages[stage].iter_mut().enumerate() {
                while *bits != 0 {
                    let start = bits.trailing_zeros();
                    let len = (*bits >> start).trailing_ones();
                    *bits &= (!0u64 >> (64 - len) << start) ^ !0;
                    let first = 64 * word + start as usize;
                    rng.skip_samples(first - drawn);
                    let u = &mut draws[..len as usize];
                    rng.fill_uniform(-*wibble, *wibble, u);
                    for (index, &u) in (first..).zip(u.iter()) {
                        let p = grid.point(stage, index);
                        let [a, b, c, d] = grid.neighbours(p).map(|q| self.exact[q]);
                        debug_assert!(
                            !(a + b + c + d).is_nan(),
                            "point {p} needs one not computed"
                        );
                        let v = ((a + b) + (c + d)) / 4.0 + *wibble * u;
                        self.exact[p] = v;
                        self.fresh.push(p);
                        range.extend(&[v]);
                    }
                    drawn = first + len as usize;
                }
            }
            rng.skip_samples(grid.side(stage).pow(2) - drawn);
            if stage % 3 == 2 {
                *wibble /= wibble_decay;
            }
        }
    }
}

/// Where the points of [`Planes::corner`]'s bounded levels lie in a `size`×`size` map whose
/// points of step `size / coarse` and more are the coarse levels'. A stage is one bounded level's
/// array: 3·b for its centres, 3·b + 1 the diamonds across, 3·b + 2 those down, b = 0 the
/// coarsest bounded level. Sides are powers of two, so positions split by shifts and masks.
#[derive(Clone, Copy)]
struct Grid {
    size: usize,
    /// log₂ size.
    shift: u32,
    /// log₂ of the coarse map's side.
    coarse_shift: u32,
}

impl Grid {
    fn new(size: usize, coarse: usize) -> Self {
        Grid {
            size,
            shift: size.trailing_zeros(),
            coarse_shift: coarse.trailing_zeros(),
        }
    }

    /// The side of a stage's array.
    fn side(&self, stage: usize) -> usize {
        1 << (self.coarse_shift as usize + stage / 3)
    }

    /// The stage and array index of map point `p`, or `None` for a point of the coarse levels.
    fn stage(&self, p: usize) -> Option<(usize, usize)> {
        let (r, c) = (p >> self.shift, p & (self.size - 1));
        // Half the step of the level that adds (r, c): the lowest bit either coordinate has.
        let half = (r | c | self.size).trailing_zeros();
        if half >= self.shift - self.coarse_shift {
            return None;
        }
        // log₂ of the level's array side.
        let level = self.shift - half - 1;
        let kind = match (r >> half & 1, c >> half & 1) {
            (1, 1) => 0,
            (0, _) => 1,
            _ => 2,
        };
        let stage = 3 * (level - self.coarse_shift) as usize + kind;
        Some((stage, (r >> (half + 1) << level) | c >> (half + 1)))
    }

    /// Marks map point `p` needed in its stage's bits if it is of stage `from` or later; the
    /// coarse levels' points always are.
    fn mark_from(&self, from: usize, p: usize, stages: &mut [Vec<u64>]) {
        if let Some((stage, index)) = self.stage(p) {
            if stage >= from {
                stages[stage][index / 64] |= 1 << (index % 64);
            }
        }
    }

    /// The map point of a stage's array index.
    fn point(&self, stage: usize, index: usize) -> usize {
        let level = self.coarse_shift as usize + stage / 3;
        let step = self.shift as usize - level;
        let half = 1 << (step - 1);
        let (r, c) = (index >> level << step, (index & ((1 << level) - 1)) << step);
        let (r, c) = match stage % 3 {
            0 => (r + half, c + half),
            1 => (r, c + half),
            _ => (r + half, c),
        };
        r << self.shift | c
    }

    /// The four points a bounded point is made from, in the order of the reference's sum
    /// ((a + b) + (c + d)), wrapping around the edges.
    fn neighbours(&self, p: usize) -> [usize; 4] {
        let (r, c) = (p >> self.shift, p & (self.size - 1));
        let half = 1 << (r | c).trailing_zeros();
        let mask = self.size - 1;
        let at = |r: usize, c: usize| (r & mask) << self.shift | (c & mask);
        let (up, down) = (r + self.size - half, r + half);
        let (left, right) = (c + self.size - half, c + half);
        match (r & half != 0, c & half != 0) {
            // A centre: its square's corners, column by column.
            (true, true) => [at(up, left), at(down, left), at(up, right), at(down, right)],
            // Between horizontal corners: the centres below and above, then the corners.
            (false, _) => [at(down, c), at(up, c), at(r, left), at(r, right)],
            // Between vertical corners: the centres right and left, then the corners.
            (true, false) => [at(r, right), at(r, left), at(up, c), at(down, c)],
        }
    }
}

/// One level on m×m planes: centre (i, j) = ((c[i,j] + c[i+1,j]) + (c[i,j+1] + c[i+1,j+1]))/4,
/// across (i, j) = ((o[i,j] + o[i−1,j]) + (c[i,j] + c[i,j+1]))/4 and down (i, j) =
/// ((o[i,j] + o[i,j−1]) + (c[i,j] + c[i+1,j]))/4, each plus wibble·u, indices wrapping modulo m.
/// Each row is one pass over contiguous slices (the wrapped end done on its own), which the
/// compiler turns into vector code.
#[inline(always)]
fn level(m: usize, wibble: f64, c: &[f64], u: [&[f64]; 3], out: [&mut [f64]; 3]) {
    let [u_centres, u_across, u_down] = u;
    let [centres, across, down] = out;
    let row = |i: usize| (i % m) * m..(i % m + 1) * m;
    let put = |sum: f64, u: f64| sum / 4.0 + wibble * u;
    let last = m - 1;
    let mut pair = vec![0.0f64; m];
    for i in 0..m {
        let (top, bottom) = (&c[row(i)], &c[row(i + 1)]);
        // Vertical corner pairs, each shared by the centres left and right of it.
        for ((p, &a), &b) in pair.iter_mut().zip(top).zip(bottom) {
            *p = a + b;
        }
        let (u, out) = (&u_centres[row(i)], &mut centres[row(i)]);
        for (((o, &l), &r), &u) in out.iter_mut().zip(&pair).zip(&pair[1..]).zip(u) {
            *o = put(l + r, u);
        }
        out[last] = put(pair[last] + pair[0], u[last]);
    }
    for i in 0..m {
        let (here, above, corner) = (&centres[row(i)], &centres[row(i + m - 1)], &c[row(i)]);
        let (u, out) = (&u_across[row(i)], &mut across[row(i)]);
        let lines = out
            .iter_mut()
            .zip(here)
            .zip(above)
            .zip(corner)
            .zip(&corner[1..]);
        for (((((o, &h), &a), &l), &r), &u) in lines.zip(u) {
            *o = put((h + a) + (l + r), u);
        }
        out[last] = put(
            (here[last] + above[last]) + (corner[last] + corner[0]),
            u[last],
        );
    }
    for i in 0..m {
        let (here, top, bottom) = (&centres[row(i)], &c[row(i)], &c[row(i + 1)]);
        let (u, out) = (&u_down[row(i)], &mut down[row(i)]);
        let lines = out[1..].iter_mut().zip(&here[1..]).zip(here).zip(&top[1..]);
        for ((((o, &h), &l), &t), (&b, &u)) in lines.zip(bottom[1..].iter().zip(&u[1..])) {
            *o = put((h + l) + (t + b), u);
        }
        out[0] = put((here[0] + here[last]) + (top[0] + bottom[0]), u[0]);
    }
}

/// The 2m×2m map of one level from its four m×m planes (corners, centres, across, down) into
/// `map`: even rows alternate corners and diamonds across, odd rows diamonds down and centres.
#[inline(always)]
fn interleave(m: usize, planes: [&[f64]; 4], map: &mut [f64]) {
    let [corners, centres, across, down] = planes;
    for (i, rows) in map.chunks_exact_mut(4 * m).enumerate() {
        let (even, odd) = rows.split_at_mut(2 * m);
        let plane_row = i * m..(i + 1) * m;
        let evens = corners[plane_row.clone()]
            .iter()
            .zip(&across[plane_row.clone()]);
        for (pair, (&c, &a)) in even.chunks_exact_mut(2).zip(evens) {
            pair[0] = c;
            pair[1] = a;
        }
        let odds = down[plane_row.clone()].iter().zip(&centres[plane_row]);
        for (pair, (&d, &o)) in odd.chunks_exact_mut(2).zip(odds) {
            pair[0] = d;
            pair[1] = o;
        }
    }
}

/// Running minimum and maximum in eight independent lanes, so the comparisons vectorise; the
/// lanes meet at the end. (min and max do not depend on the order of comparison.)
struct Range {
    lo: [f64; 8],
    hi: [f64; 8],
}

impl Range {
    /// The range of the map's fixed point (0, 0), which is 0.
    fn new() -> Self {
        Range {
            lo: [0.0; 8],
            hi: [0.0; 8],
        }
    }

    #[inline(always)]
    fn extend(&mut self, values: &[f64]) {
        let (mut lo, mut hi) = (self.lo, self.hi);
        let mut chunks = values.chunks_exact(8);
        for chunk in &mut chunks {
            let v: &[f64; 8] = chunk.try_into().expect("eight values");
            // `if v < lo { v } else { lo }` is exactly one vector minimum instruction.
            lo = std::array::from_fn(|k| if v[k] < lo[k] { v[k] } else { lo[k] });
            hi = std::array::from_fn(|k| if v[k] > hi[k] { v[k] } else { hi[k] });
        }
        for &v in chunks.remainder() {
            lo[0] = if v < lo[0] { v } else { lo[0] };
            hi[0] = if v > hi[0] { v } else { hi[0] };
        }
        (self.lo, self.hi) = (lo, hi);
    }

    #[inline(always)]
    fn finish(&self) -> (f64, f64) {
        let lo = self.lo.iter().copied().fold(self.lo[0], f64::min);
        let hi = self.hi.iter().copied().fold(self.hi[0], f64::max);
        (lo, hi)
    }
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
        assert!(plasma_fractal(1, 2.0, &mut NumpyRandom::new(0)).is_err());
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
    fn corner_is_the_full_map_cut_and_uses_the_same_draws() {
        use crate::rng::{FastRandom, StreamKey};
        let fast = |sample: &str| {
            FastRandom::new(&StreamKey {
                seed: 7,
                suite: "test",
                corruption: "plasma",
                severity: 1,
                sample,
            })
        };
        let cases = [
            (256, 1.4, 28, 28),
            (256, 1.4, 28, 20),
            (64, 2.0, 5, 16),
            (4, 1.7, 1, 1),
        ];
        for (case, &(size, decay, rows, cols)) in cases.iter().enumerate() {
            for seed in 0..24u32 {
                let sources: [(Box<dyn Random>, Box<dyn Random>); 2] = [
                    (
                        Box::new(NumpyRandom::new(seed)),
                        Box::new(NumpyRandom::new(seed)),
                    ),
                    (
                        Box::new(fast(&seed.to_string())),
                        Box::new(fast(&seed.to_string())),
                    ),
                ];
                for (mut whole, mut cut) in sources {
                    let full = plasma_fractal(size, decay, &mut *whole).unwrap();
                    let corner = plasma_fractal_crop(size, decay, &mut *cut, rows, cols).unwrap();
                    let want: Vec<f64> = full
                        .chunks_exact(size)
                        .take(rows)
                        .flat_map(|row| row[..cols].to_vec())
                        .collect();
                    assert_eq!(corner, want, "case {case}, seed {seed}");
                    assert_eq!(cut.next_u32(), whole.next_u32(), "case {case}, seed {seed}");
                }
            }
        }
        assert!(plasma_fractal_crop(16, 1.4, &mut NumpyRandom::new(0), 17, 4).is_err());
    }
}
