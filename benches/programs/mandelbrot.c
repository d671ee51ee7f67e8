/* mandelbrot: escape-time iteration z = z^2 + c over a 160x160 grid of the
 * Mandelbrot set's neighbourhood, `n` frames, each frame's window shifted
 * a little. The inner loop is f64 multiplies, adds and a compare feeding a
 * branch, with no memory traffic. The checksum covers every pixel's
 * iteration count and the exact bits of its final z. */
#include "bench.h"

#define W 160
#define H 160
#define MAX_ITER 256

int64_t run(int32_t n) {
    uint64_t h = MIX_INIT;
    for (int32_t f = 0; f < n; f++) {
        /* a window over the set's boundary, where the counts vary most,
         * nudged by a frame-dependent amount so every frame differs */
        double x0 = -1.9 + (double)(f % 97) * 1e-4;
        double y0 = -1.2 + (double)(f % 89) * 1e-4;
        double step = 2.4 / W;
        uint64_t frame = 0;
        for (int py = 0; py < H; py++) {
            double ci = y0 + py * step;
            uint64_t row_iters = 0, row_bits = 0;
            for (int px = 0; px < W; px++) {
                double cr = x0 + px * step;
                double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
                int32_t i = 0;
                while (i < MAX_ITER && zr2 + zi2 <= 4.0) {
                    zi = 2.0 * zr * zi + ci;
                    zr = zr2 - zi2 + cr;
                    zr2 = zr * zr;
                    zi2 = zi * zi;
                    i++;
                }
                row_iters += (uint64_t)i;
                row_bits ^= f64_bits(zr) + f64_bits(zi) * 3;
            }
            frame = frame * 31 + row_iters;
            frame ^= row_bits;
        }
        h = mix(h, frame);
    }
    return (int64_t)h;
}
