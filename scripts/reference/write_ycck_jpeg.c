/*
 * Writes a YCCK JPEG (Adobe marker, transform 2), the kind Photoshop makes of CMYK images, which
 * Pillow cannot write: libjpeg converts the CMYK input to YCCK with jpeg_set_colorspace(JCS_YCCK)
 * and its default sampling for it (Y and K 2×2, Cb and Cr 1×1).
 *
 *   write_ycck_jpeg W H QUALITY OUT.jpg < cmyk_raw     (W×H×4 bytes, C M Y K, 0 = no ink)
 *
 * libjpeg stores CMYK samples as given; Adobe's convention, which Pillow assumes when reading,
 * is inverted (255 = no ink), so the caller passes 255 − ink.
 * Build: gcc write_ycck_jpeg.c -o write_ycck_jpeg -ljpeg (any libjpeg; the decoder is what the
 * fixtures check).
 */
#include <stdio.h>
#include <stdlib.h>
#include "jpeglib.h"

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: write_ycck_jpeg W H QUALITY OUT.jpg < cmyk_raw\n");
    return 2;
  }
  int w = atoi(argv[1]), h = atoi(argv[2]), q = atoi(argv[3]);
  size_t n = (size_t)w * h * 4;
  unsigned char *pixels = malloc(n);
  if (!pixels || fread(pixels, 1, n, stdin) != n) return 1;
  FILE *out = fopen(argv[4], "wb");
  if (!out) return 1;
  struct jpeg_compress_struct ci;
  struct jpeg_error_mgr je;
  ci.err = jpeg_std_error(&je);
  jpeg_create_compress(&ci);
  jpeg_stdio_dest(&ci, out);
  ci.image_width = w;
  ci.image_height = h;
  ci.input_components = 4;
  ci.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&ci);
  jpeg_set_colorspace(&ci, JCS_YCCK);
  jpeg_set_quality(&ci, q, TRUE);
  jpeg_start_compress(&ci, TRUE);
  while (ci.next_scanline < ci.image_height) {
    JSAMPROW row = pixels + (size_t)ci.next_scanline * w * 4;
    jpeg_write_scanlines(&ci, &row, 1);
  }
  jpeg_finish_compress(&ci);
  jpeg_destroy_compress(&ci);
  fclose(out);
  return 0;
}
