/*
 * Drives IJG libjpeg 9b (the libjpeg.so.9.2.0 bundled in the Pillow 5.0.0 manylinux wheel) the
 * way Pillow 5.0.0 does, to make reference outputs for the ijg9 profile.
 *
 *   ijg9_oracle enc W H C QUALITY OUT.jpg < raw > decoded_raw
 *       compress W×H×C raw pixels (C = 1 gray, 3 RGB) with jpeg_set_defaults and
 *       jpeg_set_quality(q, TRUE) (optimize_coding when OPTIMIZE is set in the environment),
 *       write the file, then decompress it with the library defaults (ISLOW, fancy upsampling).
 *   ijg9_oracle dec IN.jpg > "W H C\n" raw
 *       decompress a file to RGB (3 components) or gray (1 component).
 *
 * Build: gcc -I<jpeg-9 headers> ijg9_oracle.c -o ijg9_oracle <path>/libjpeg-*.so.9.2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jpeglib.h"

static unsigned char *decompress(const unsigned char *buf, unsigned long len, int *w, int *h,
                                 int *c) {
  struct jpeg_decompress_struct di;
  struct jpeg_error_mgr je;
  di.err = jpeg_std_error(&je);
  jpeg_create_decompress(&di);
  jpeg_mem_src(&di, (unsigned char *)buf, len);
  jpeg_read_header(&di, TRUE);
  di.out_color_space = di.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&di);
  *w = di.output_width;
  *h = di.output_height;
  *c = di.output_components;
  unsigned char *out = malloc((size_t)*w * *h * *c);
  while (di.output_scanline < di.output_height) {
    JSAMPROW r = out + (size_t)di.output_scanline * *w * *c;
    jpeg_read_scanlines(&di, &r, 1);
  }
  jpeg_finish_decompress(&di);
  jpeg_destroy_decompress(&di);
  return out;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "dec") == 0) {
    FILE *f = fopen(argv[2], "rb");
    if (!f) return 1;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(len);
    if (fread(buf, 1, len, f) != (size_t)len) return 1;
    fclose(f);
    int w, h, c;
    unsigned char *out = decompress(buf, len, &w, &h, &c);
    printf("%d %d %d\n", w, h, c);
    fwrite(out, 1, (size_t)w * h * c, stdout);
    return 0;
  }
  if (argc != 7 || strcmp(argv[1], "enc") != 0) {
    fprintf(stderr, "usage: ijg9_oracle enc W H C Q OUT.jpg | dec IN.jpg\n");
    return 2;
  }
  int w = atoi(argv[2]), h = atoi(argv[3]), c = atoi(argv[4]), q = atoi(argv[5]);
  size_t n = (size_t)w * h * c;
  unsigned char *img = malloc(n);
  if (fread(img, 1, n, stdin) != n) return 1;
  struct jpeg_compress_struct ci;
  struct jpeg_error_mgr je;
  ci.err = jpeg_std_error(&je);
  jpeg_create_compress(&ci);
  unsigned char *buf = NULL;
  unsigned long len = 0;
  jpeg_mem_dest(&ci, &buf, &len);
  ci.image_width = w;
  ci.image_height = h;
  ci.input_components = c;
  ci.in_color_space = c == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&ci);
  jpeg_set_quality(&ci, q, TRUE);
  ci.optimize_coding = getenv("OPTIMIZE") != NULL;
  jpeg_start_compress(&ci, TRUE);
  while (ci.next_scanline < ci.image_height) {
    JSAMPROW r = img + (size_t)ci.next_scanline * w * c;
    jpeg_write_scanlines(&ci, &r, 1);
  }
  jpeg_finish_compress(&ci);
  jpeg_destroy_compress(&ci);
  FILE *f = fopen(argv[6], "wb");
  if (!f) return 1;
  fwrite(buf, 1, len, f);
  fclose(f);
  int ow, oh, oc;
  unsigned char *out = decompress(buf, len, &ow, &oh, &oc);
  fwrite(out, 1, n, stdout);
  return 0;
}
