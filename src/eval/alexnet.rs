//! The AlexNet baseline that normalises ImageNet-C corruption errors (spec §7.1).
//!
//! torchvision's `alexnet` (weights `alexnet-owt-4df8aa71.pth`) evaluated on the released
//! ImageNet-C JPEGs with Resize(256)/CenterCrop(224): top-1 error per corruption and severity,
//! as fractions. The table was in the hendrycks/robustness README from 2019-10 to 2020-05 and in
//! its issue #10. The clean error is 1 − 0.56522 (torchvision's published top-1 accuracy).

/// AlexNet's clean top-1 error.
pub const CLEAN_ERROR: f64 = 0.43478;

/// AlexNet's top-1 error at severities 1..5, per corruption, in the paper's order: the 15
/// common corruptions, then the 4 extra ones.
pub const ERRORS: [(&str, [f64; 5]); 19] = [
    (
        "gaussian_noise",
        [0.69528, 0.82542, 0.93554, 0.98138, 0.99452],
    ),
    ("shot_noise", [0.71224, 0.85108, 0.93574, 0.98182, 0.99146]),
    (
        "impulse_noise",
        [0.78374, 0.89808, 0.94870, 0.98720, 0.99548],
    ),
    (
        "defocus_blur",
        [0.65624, 0.73202, 0.85036, 0.91364, 0.94714],
    ),
    ("glass_blur", [0.64308, 0.75054, 0.88806, 0.91622, 0.93344]),
    ("motion_blur", [0.58430, 0.70048, 0.82108, 0.89750, 0.92638]),
    ("zoom_blur", [0.70008, 0.76992, 0.80784, 0.84198, 0.87198]),
    ("snow", [0.71726, 0.88392, 0.86468, 0.91870, 0.94952]),
    ("frost", [0.61390, 0.79734, 0.88790, 0.89942, 0.93430]),
    ("fog", [0.67474, 0.76050, 0.84378, 0.87260, 0.94500]),
    ("brightness", [0.45140, 0.48502, 0.54048, 0.62166, 0.72440]),
    ("contrast", [0.64548, 0.76150, 0.88874, 0.97760, 0.99270]),
    (
        "elastic_transform",
        [0.52596, 0.70116, 0.55686, 0.64076, 0.80554],
    ),
    ("pixelate", [0.52218, 0.54620, 0.73728, 0.87092, 0.91262]),
    (
        "jpeg_compression",
        [0.51002, 0.54718, 0.57294, 0.65458, 0.74778],
    ),
    (
        "speckle_noise",
        [0.66192, 0.74440, 0.90246, 0.94548, 0.97268],
    ),
    (
        "gaussian_blur",
        [0.54732, 0.70444, 0.82574, 0.89864, 0.95940],
    ),
    ("spatter", [0.47196, 0.62194, 0.75052, 0.84132, 0.90182]),
    ("saturate", [0.59342, 0.65514, 0.51174, 0.70834, 0.82260]),
];

/// How many of [`ERRORS`] are the common corruptions that mCE averages.
pub const COMMON: usize = 15;

/// AlexNet's errors on `corruption`, if the table has it.
pub fn errors(corruption: &str) -> Option<&'static [f64; 5]> {
    ERRORS
        .iter()
        .find(|(name, _)| *name == corruption)
        .map(|(_, e)| e)
}

/// The names of the 15 common corruptions.
pub fn common() -> impl Iterator<Item = &'static str> {
    ERRORS[..COMMON].iter().map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's "Average" column is the mean of the five severities; a mistyped entry shows.
    #[test]
    fn averages_match_the_published_column() {
        let published = [
            0.886428, 0.894468, 0.922640, 0.819880, 0.826268, 0.785948, 0.798360, 0.866816,
            0.826572, 0.819324, 0.564592, 0.853204, 0.646056, 0.717840, 0.606500, 0.845388,
            0.787108, 0.717512, 0.658248,
        ];
        for ((name, e), want) in ERRORS.iter().zip(published) {
            let mean = e.iter().sum::<f64>() / 5.0;
            assert!((mean - want).abs() < 5e-7, "{name}: {mean} vs {want}");
        }
    }
}
