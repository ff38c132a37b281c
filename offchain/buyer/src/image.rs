//! Pictures: a Mandelbrot rendering from its rows of iteration counts, and any RGB picture (the demo's map of who
//! rendered which row).

use std::io::BufWriter;
use std::path::Path;

use alloy::primitives::Bytes;

use crate::{BuyerError, Result};

/// A colour for `n` iterations out of `max`: black inside the set, a blue-to-gold ramp outside.
pub fn colour(n: u8, max: u8) -> [u8; 3] {
    if n >= max {
        return [0, 0, 0];
    }
    let t = f64::from(n) / f64::from(max.max(1));
    // Bernstein polynomials: a smooth ramp from dark blue through white-ish to gold.
    let r = 9.0 * (1.0 - t) * t * t * t * 255.0;
    let g = 15.0 * (1.0 - t) * (1.0 - t) * t * t * 255.0;
    let b = 8.5 * (1.0 - t) * (1.0 - t) * (1.0 - t) * t * 255.0;
    let c = |v: f64| v.clamp(0.0, 255.0) as u8;
    [c(r), c(g), c(b)]
}

/// Writes Mandelbrot `rows` (each `width` iteration counts, one byte a pixel; a shorter row, e.g. a leaf that ran out
/// of gas, is padded with black) as an RGB PNG.
pub fn write_mandelbrot(path: &Path, rows: &[Bytes], width: u32, max_iter: u8) -> Result<()> {
    let mut pixels = Vec::with_capacity(rows.len() * width as usize * 3);
    for row in rows {
        for x in 0..width as usize {
            let n = row.get(x).copied().unwrap_or(max_iter);
            pixels.extend_from_slice(&colour(n, max_iter));
        }
    }
    let height = u32::try_from(rows.len()).map_err(|_| BuyerError::Png {
        path: path.to_owned(),
        reason: "too many rows".into(),
    })?;
    write_rgb(path, width, height, &pixels)
}

/// Writes `pixels` (`width x height` RGB triples, row by row) as a PNG.
pub fn write_rgb(path: &Path, width: u32, height: u32, pixels: &[u8]) -> Result<()> {
    let png_err = |e: png::EncodingError| BuyerError::Png {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    if pixels.len() != width as usize * height as usize * 3 {
        return Err(BuyerError::Png {
            path: path.to_owned(),
            reason: format!(
                "{} bytes of pixels for a {width}x{height} RGB picture",
                pixels.len()
            ),
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| BuyerError::Io {
            action: "create",
            path: dir.to_owned(),
            source,
        })?;
    }
    let file = std::fs::File::create(path).map_err(|source| BuyerError::Io {
        action: "write",
        path: path.to_owned(),
        source,
    })?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(pixels).map_err(png_err)?;
    writer.finish().map_err(png_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_is_black_and_short_rows_are_padded() {
        assert_eq!(colour(64, 64), [0, 0, 0]);
        assert_ne!(colour(20, 64), [0, 0, 0]);
        let path = std::env::temp_dir().join(format!("sonm-buyer-unit-{}.png", std::process::id()));
        let rows = [Bytes::from(vec![1u8, 2, 3, 4]), Bytes::new()];
        write_mandelbrot(&path, &rows, 4, 64).expect("png");
        let data = std::fs::read(&path).expect("read");
        assert_eq!(&data[1..4], b"PNG");
        assert!(write_rgb(&path, 2, 2, &[0; 11]).is_err());
        let _ = std::fs::remove_file(path);
    }
}
