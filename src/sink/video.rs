//! ImageNet-P's released format: one H.264 video per sequence,
//! `<perturbation>/<class>/<name>.mp4` (`<perturbation>_2/…`, `_3/…` for the noises' harder
//! difficulties), the file name losing its extension as the reference's `[:-5]` drops `.JPEG`.
//!
//! Each sequence's frames are written as `img0.png …` into a scratch folder and encoded by an
//! `ffmpeg` found on PATH with the reference's command line (spec §6.2): `-r 1 -framerate 1 -i
//! img%01d.png -vcodec libx264 <opts> -preset veryslow -y`, `<opts>` being `-tune grain` for the
//! noises (the sequences compared against their first frame) and `-crf 20` for the rest. The
//! video bytes depend on the ffmpeg and libx264 builds; the reference used ffmpeg 4.0.2 with
//! libx264 0.155. The lossless tar layout is the default for that reason.

use super::journal::{self, Target};
use super::manifest::FileRecord;
use super::sequence_npy::stem;
use super::{OutputId, Sink};
use crate::error::{Error, Result};
use crate::raster::Image;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The `ffmpeg` on PATH, or an error saying it is needed.
pub fn find_ffmpeg() -> Result<PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("ffmpeg"))
        .find(|path| path.is_file())
        .ok_or_else(|| {
            Error::Invalid(
                "--video mp4 encodes through ffmpeg (with libx264), which is not on PATH; \
                 install it, or leave out --video for the lossless tar shards"
                    .into(),
            )
        })
}

/// How one perturbation's sequences are encoded.
#[derive(Clone, Copy, Debug)]
pub struct Encoding {
    pub frames: usize,
    /// `-tune grain` (the noises) rather than `-crf 20`.
    pub grain: bool,
}

/// Writes one `.mp4` per sequence through ffmpeg.
pub struct VideoSink {
    ffmpeg: PathBuf,
    encodings: HashMap<String, Encoding>,
    /// Where each sequence's frames wait for ffmpeg.
    scratch: PathBuf,
    next: AtomicU64,
}

impl VideoSink {
    /// The sink for perturbations encoded as `encodings` says, through `ffmpeg`.
    pub fn new(ffmpeg: PathBuf, encodings: &[(String, Encoding)]) -> Self {
        VideoSink {
            ffmpeg,
            encodings: encodings.iter().cloned().collect(),
            scratch: std::env::temp_dir().join(format!("blight-video-{}", std::process::id())),
            next: AtomicU64::new(0),
        }
    }

    /// Encodes the frames in `dir` into `dir/video.mp4` and returns its bytes.
    fn run_ffmpeg(&self, dir: &Path, rel: &str, grain: bool) -> Result<Vec<u8>> {
        let options: &[&str] = if grain {
            &["-tune", "grain"]
        } else {
            &["-crf", "20"]
        };
        let output = std::process::Command::new(&self.ffmpeg)
            .current_dir(dir)
            .args(["-nostdin", "-loglevel", "error"])
            .args(["-r", "1", "-framerate", "1", "-i", "img%01d.png"])
            .args(["-vcodec", "libx264"])
            .args(options)
            .args(["-preset", "veryslow", "-y", "video.mp4"])
            .output()
            .map_err(|e| Error::file(&self.ffmpeg, format!("cannot run ffmpeg: {e}")))?;
        if !output.status.success() {
            return Err(Error::Invalid(format!(
                "{rel}: ffmpeg failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let video = dir.join("video.mp4");
        std::fs::read(&video).map_err(|e| Error::io(&video, e))
    }
}

impl Sink for VideoSink {
    fn file_of(&self, id: &OutputId<'_>) -> String {
        let base = match id.key.rsplit_once('.') {
            Some((base, ext)) if !ext.contains('/') => base,
            _ => id.key,
        };
        format!("{}/{base}.mp4", stem(id.corruption, id.severity))
    }

    fn encode(&self, id: &OutputId<'_>, image: &Image) -> Result<Vec<u8>> {
        let rel = self.file_of(id);
        let encoding = self.encodings.get(id.corruption).copied();
        let Some(Encoding { frames, grain }) =
            encoding.filter(|e| e.frames > 0 && image.height.is_multiple_of(e.frames))
        else {
            return Err(Error::Invalid(format!(
                "{rel}: a sequence of {} rows is not whole frames",
                image.height
            )));
        };
        let dir = self
            .scratch
            .join(self.next.fetch_add(1, Ordering::Relaxed).to_string());
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let height = image.height / frames;
        let frame_bytes = height * image.width * image.channels;
        let result = (|| {
            for (n, data) in image.data.chunks_exact(frame_bytes).enumerate() {
                let frame = Image::new(image.width, height, image.channels, data.to_vec())?;
                let path = dir.join(format!("img{n}.png"));
                crate::io::write_atomic(&path, &crate::io::encode_png(&frame)?)?;
            }
            self.run_ffmpeg(&dir, &rel, grain)
        })();
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    fn write(&self, target: &Target, id: &OutputId<'_>, bytes: Vec<u8>) -> Result<Vec<FileRecord>> {
        Ok(vec![journal::write_file(
            target,
            &self.file_of(id),
            &bytes,
        )?])
    }

    fn finish(&self, _target: &Target) -> Result<Vec<FileRecord>> {
        let _ = std::fs::remove_dir(&self.scratch);
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn videos_land_in_the_released_layout() {
        let sink = VideoSink::new(PathBuf::from("ffmpeg"), &[]);
        let id = |corruption, severity| OutputId {
            key: "n01440764/ILSVRC2012_val_00000293.JPEG",
            index: 0,
            label: 0,
            class: "n01440764",
            corruption,
            severity,
        };
        assert_eq!(
            sink.file_of(&id("rotate", 1)),
            "rotate/n01440764/ILSVRC2012_val_00000293.mp4"
        );
        assert_eq!(
            sink.file_of(&id("shot_noise", 2)),
            "shot_noise_2/n01440764/ILSVRC2012_val_00000293.mp4"
        );
    }
}
