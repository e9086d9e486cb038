//! The built-in frost field: crystal needles with fern-like side branches (ice grows at 60°
//! angles), a soft glow around them, over a cloudy bluish-grey layer. Fixed seed, fixed size.

use crate::ops::portable::Portable;
use crate::raster::Image;

pub const HEIGHT: usize = 600;
pub const WIDTH: usize = 900;

/// splitmix64: the field's own small generator, so the corruption's stream is never touched.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn range(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.unit()
    }
}

/// The RGB field, HEIGHT×WIDTH.
pub fn field() -> Image {
    let mut rng = SplitMix(0x6672_6f73_7431);
    let clouds = cloud_layer(&mut rng);
    let mut ice = vec![0f32; HEIGHT * WIDTH];
    for _ in 0..HEIGHT * WIDTH / 1800 {
        let x = rng.range(-20.0, WIDTH as f32 + 20.0);
        let y = rng.range(-20.0, HEIGHT as f32 + 20.0);
        let angle = rng.range(0.0, std::f32::consts::TAU);
        let length = rng.range(25.0, 110.0);
        let strength = rng.range(0.35, 0.8);
        branch(&mut ice, &mut rng, (x, y), angle, length, strength, 2);
    }
    let mut glow = ice.clone();
    box_blur(&mut glow, 3);
    box_blur(&mut glow, 3);
    let mut data = vec![0u8; HEIGHT * WIDTH * 3];
    for (((px, &cloud), &sharp), &soft) in
        data.chunks_exact_mut(3).zip(&clouds).zip(&ice).zip(&glow)
    {
        let base = 0.36 + 0.34 * cloud;
        let amount = 2.6 * sharp + 3.0 * soft;
        let light = amount / (1.0 + amount);
        let v = base + (1.0 - base) * light;
        // Bluish white: blue leads and red lags, more so in the darker parts.
        let rgb = [v * (0.74 + 0.24 * v), v * (0.87 + 0.12 * v), v];
        for (out, c) in px.iter_mut().zip(rgb) {
            *out = (c * 255.0).clamp(0.0, 255.0) as u8;
        }
    }
    Image {
        width: WIDTH,
        height: HEIGHT,
        channels: 3,
        data,
    }
}

/// Smooth value noise in [0, 1], three octaves, plus a little per-pixel grain.
fn cloud_layer(rng: &mut SplitMix) -> Vec<f32> {
    let mut out = vec![0f32; HEIGHT * WIDTH];
    let mut row_values = Vec::new();
    for (cell, weight) in [(150usize, 0.55f32), (50, 0.3), (14, 0.15)] {
        let gw = WIDTH / cell + 2;
        let gh = HEIGHT / cell + 2;
        let grid: Vec<f32> = (0..gw * gh).map(|_| rng.unit() * weight).collect();
        // Each column's lattice cell and smoothed offset, shared by all rows.
        let columns: Vec<(usize, f32)> = (0..WIDTH)
            .map(|x| (x / cell, smooth((x % cell) as f32 / cell as f32)))
            .collect();
        for (y, row) in out.chunks_exact_mut(WIDTH).enumerate() {
            let (gy, ty) = (y / cell, smooth((y % cell) as f32 / cell as f32));
            let above = &grid[gy * gw..(gy + 1) * gw];
            let below = &grid[(gy + 1) * gw..(gy + 2) * gw];
            row_values.clear();
            row_values.extend(above.iter().zip(below).map(|(a, b)| a + (b - a) * ty));
            for (v, &(gx, tx)) in row.iter_mut().zip(&columns) {
                let (left, right) = (row_values[gx], row_values[gx + 1]);
                *v += left + (right - left) * tx;
            }
        }
    }
    for v in &mut out {
        *v = (*v + 0.08 * (rng.unit() - 0.5)).clamp(0.0, 1.0);
    }
    out
}

fn smooth(t: f32) -> f32 {
    t * t * (3.0 - 2.0 * t)
}

/// Grows one needle from `start`, fading towards its tip, with side branches at about ±60°
/// that are shorter the nearer the tip they start; `depth` levels of branching below it.
fn branch(
    ice: &mut [f32],
    rng: &mut SplitMix,
    start: (f32, f32),
    angle: f32,
    length: f32,
    strength: f32,
    depth: u32,
) {
    let (mut x, mut y) = start;
    let (mut dx, mut dy) = (angle.portable_cos(), angle.portable_sin());
    let mut next_fork = rng.range(3.0, 9.0);
    let steps = length as usize;
    for step in 0..steps {
        let t = step as f32 / length;
        deposit(ice, x, y, strength * (1.0 - t).sqrt());
        // A small random turn, by the first-order rotation, renormalised.
        let turn = rng.range(-0.04, 0.04);
        let (nx, ny) = (dx - turn * dy, dy + turn * dx);
        let norm = (nx * nx + ny * ny).sqrt().recip();
        (dx, dy) = (nx * norm, ny * norm);
        x += dx;
        y += dy;
        if depth > 0 && step as f32 >= next_fork {
            let remaining = length - step as f32;
            let heading = dy.portable_atan2(dx);
            for side in [-1.0f32, 1.0] {
                if rng.unit() < 0.85 {
                    let turn = side * rng.range(0.9, 1.2);
                    let sub = remaining * rng.range(0.25, 0.55);
                    branch(
                        ice,
                        rng,
                        (x, y),
                        heading + turn,
                        sub,
                        strength * 0.75,
                        depth - 1,
                    );
                }
            }
            next_fork += rng.range(3.0, 9.0);
        }
    }
}

/// Adds `amount` at a sub-pixel position, split bilinearly over the four pixels around it.
fn deposit(ice: &mut [f32], x: f32, y: f32, amount: f32) {
    if x < 0.0 || y < 0.0 {
        return;
    }
    let (ix, iy) = (x as usize, y as usize);
    if ix + 1 >= WIDTH || iy + 1 >= HEIGHT {
        return;
    }
    let (fx, fy) = (x - ix as f32, y - iy as f32);
    let i = iy * WIDTH + ix;
    ice[i] += amount * (1.0 - fx) * (1.0 - fy);
    ice[i + 1] += amount * fx * (1.0 - fy);
    ice[i + WIDTH] += amount * (1.0 - fx) * fy;
    ice[i + WIDTH + 1] += amount * fx * fy;
}

/// In-place box blur of radius `r` (rows, then columns), edges clamped.
fn box_blur(values: &mut [f32], r: usize) {
    let norm = 1.0 / (2 * r + 1) as f32;
    let mut out = Vec::with_capacity(WIDTH);
    for row in values.chunks_exact_mut(WIDTH) {
        let at = |i: isize| row[i.clamp(0, WIDTH as isize - 1) as usize];
        let r = r as isize;
        let mut sum: f32 = (-r..=r).map(at).sum();
        out.clear();
        for i in 0..WIDTH as isize {
            out.push(sum * norm);
            sum += at(i + r + 1) - at(i - r);
        }
        row.copy_from_slice(&out);
    }
    // Columns: one running sum per column, advanced a whole row at a time.
    let source = values.to_vec();
    let row = |y: isize| {
        let y = y.clamp(0, HEIGHT as isize - 1) as usize;
        &source[y * WIDTH..(y + 1) * WIDTH]
    };
    let r = r as isize;
    let mut sums = vec![0f32; WIDTH];
    for y in -r..=r {
        sums.iter_mut().zip(row(y)).for_each(|(s, v)| *s += v);
    }
    for (y, target) in values.chunks_exact_mut(WIDTH).enumerate() {
        let y = y as isize;
        for ((t, s), (add, sub)) in target
            .iter_mut()
            .zip(&mut sums)
            .zip(row(y + r + 1).iter().zip(row(y - r)))
        {
            *t = *s * norm;
            *s += add - sub;
        }
    }
}
