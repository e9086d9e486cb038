//! OpenCV 3.4 `equalizeHist` on an 8-bit image: the cumulative histogram above the lowest
//! occupied level, scaled by the float32 255/(total − count of that level) and rounded to nearest
//! even (`saturate_cast<uchar>` of a float).

/// `cv2.equalizeHist(src)`.
pub fn equalize_hist(src: &[u8]) -> Vec<u8> {
    // Four interleaved histograms, so consecutive equal values do not wait on each other.
    let mut quarters = [[0usize; 256]; 4];
    let mut blocks = src.chunks_exact(4);
    for block in &mut blocks {
        for (quarter, &v) in quarters.iter_mut().zip(block) {
            quarter[v as usize] += 1;
        }
    }
    for &v in blocks.remainder() {
        quarters[0][v as usize] += 1;
    }
    let hist: [usize; 256] = std::array::from_fn(|level| quarters.iter().map(|q| q[level]).sum());
    let Some(lowest) = hist.iter().position(|&c| c > 0) else {
        return Vec::new();
    };
    let total = src.len();
    if hist[lowest] == total {
        return vec![lowest as u8; total];
    }
    let scale = 255.0f32 / (total - hist[lowest]) as f32;
    let mut lut = [0u8; 256];
    let mut sum = 0usize;
    for level in lowest + 1..256 {
        sum += hist[level];
        lut[level] = (sum as f32 * scale).round_ties_even().clamp(0.0, 255.0) as u8;
    }
    src.iter().map(|&v| lut[v as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lut_from_cumulative_histogram() {
        // levels 3 (×2), 5 (×1), 9 (×1): scale 255/2; 5 → 1·127.5 → 128 (ties to even), 9 → 255
        let out = equalize_hist(&[3, 3, 5, 9]);
        assert_eq!(out, vec![0, 0, 128, 255]);
        // one level only: the image is set to it
        assert_eq!(equalize_hist(&[7, 7, 7]), vec![7, 7, 7]);
    }

    #[test]
    fn half_way_rounds_to_even() {
        // levels 0 (×1), 1 (×1), 2 (×1), 3 (×3): scale 255/5 = 51; all exact
        assert_eq!(
            equalize_hist(&[0, 1, 2, 3, 3, 3]),
            vec![0, 51, 102, 255, 255, 255]
        );
        // scale 255/6 = 42.5: level 1 → 42.5 → 42, level 2 → 3·42.5 = 127.5 → 128
        let out = equalize_hist(&[0, 1, 2, 2, 3, 4, 5]);
        assert_eq!(out[1], 42);
        assert_eq!(out[2], 128);
    }
}
