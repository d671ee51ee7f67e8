//! The guest programs: C sources in `benches/programs/`, built to wasm by
//! `benches/programs/build.sh` (the `.wasm` files are committed and embedded
//! here) and to native code by [`crate::engines::native`] at run time.

/// One benchmark program.
pub struct Program {
    /// File stem in `benches/programs/` (`NAME.c`, `wasm/NAME.wasm`).
    pub name: &'static str,
    /// What kind of code it stresses, for the README and the JSON.
    pub character: &'static str,
    /// The compiled module (no imports; exports `run(i32) -> i64`).
    pub wasm: &'static [u8],
    /// Argument to `run` at the default size (0.2–2 s natively; the SIMD
    /// programs about 0.1 s, see the README).
    pub n: i32,
    /// Argument to `run` with `--quick` (about a tenth of the default).
    pub quick_n: i32,
    /// The checksum `run(n)` must return, from the native build.
    pub checksum: i64,
    /// The checksum `run(quick_n)` must return.
    pub quick_checksum: i64,
    /// Built with `-msimd128` (the `simd_*` programs, see `build.sh`): an
    /// engine that does not run 128-bit SIMD is skipped for it, shown as
    /// "unsupported", rather than failing the run.
    pub simd: bool,
}

impl Program {
    /// The argument and the expected checksum for the chosen size.
    pub fn size(&self, quick: bool) -> (i32, i64) {
        if quick {
            (self.quick_n, self.quick_checksum)
        } else {
            (self.n, self.checksum)
        }
    }
}

macro_rules! wasm {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/programs/wasm/", $name, ".wasm"))
    };
}

pub const PROGRAMS: &[Program] = &[
    Program {
        name: "fib",
        character: "recursive calls",
        wasm: wasm!("fib"),
        n: 40,
        quick_n: 35,
        checksum: 102334155,
        quick_checksum: 9227465,
        simd: false,
    },
    Program {
        name: "sieve",
        character: "integer loops, byte stores",
        wasm: wasm!("sieve"),
        n: 80,
        quick_n: 8,
        checksum: -6075416582298883095,
        quick_checksum: -2660980955080989249,
        simd: false,
    },
    Program {
        name: "nbody",
        character: "f64 arithmetic, sqrt",
        wasm: wasm!("nbody"),
        n: 5_000_000,
        quick_n: 500_000,
        checksum: -3314353538508949521,
        quick_checksum: 3035735283721503463,
        simd: false,
    },
    Program {
        name: "matmul",
        character: "f64 loop nest",
        wasm: wasm!("matmul"),
        n: 800,
        quick_n: 80,
        checksum: -8492405744145211086,
        quick_checksum: 522087134935662977,
        simd: false,
    },
    Program {
        name: "sha256",
        character: "32-bit rotates and adds",
        wasm: wasm!("sha256"),
        n: 1000,
        quick_n: 100,
        checksum: 4118453974582543969,
        quick_checksum: 699551215096919133,
        simd: false,
    },
    Program {
        name: "crc32",
        character: "byte loads, table lookups",
        wasm: wasm!("crc32"),
        n: 500,
        quick_n: 50,
        checksum: 6230055892811592905,
        quick_checksum: 2043992133564668852,
        simd: false,
    },
    Program {
        name: "vm",
        character: "switch dispatch (br_table)",
        wasm: wasm!("vm"),
        n: 300_000,
        quick_n: 30_000,
        checksum: -6971861956838384769,
        quick_checksum: 6543662155319448076,
        simd: false,
    },
    Program {
        name: "callind",
        character: "indirect calls (call_indirect)",
        wasm: wasm!("callind"),
        n: 40_000_000,
        quick_n: 4_000_000,
        checksum: 385499610164699809,
        quick_checksum: 5138493105803735294,
        simd: false,
    },
    Program {
        name: "quicksort",
        character: "branchy compares, swaps, recursion",
        wasm: wasm!("quicksort"),
        n: 50,
        quick_n: 5,
        checksum: 420317615762239643,
        quick_checksum: 8270580812575675358,
        simd: false,
    },
    Program {
        name: "memops",
        character: "memory.fill / memory.copy, large and small",
        wasm: wasm!("memops"),
        n: 150,
        quick_n: 15,
        checksum: -7522773863411822533,
        quick_checksum: 4032989075688595480,
        simd: false,
    },
    Program {
        name: "hashmap",
        character: "strings, hashing, malloc/free",
        wasm: wasm!("hashmap"),
        n: 50,
        quick_n: 5,
        checksum: 3721503217681339528,
        quick_checksum: -5240808756573333272,
        simd: false,
    },
    Program {
        name: "mandelbrot",
        character: "f64 escape-time loop (mul/add/compare + branch)",
        wasm: wasm!("mandelbrot"),
        n: 60,
        quick_n: 6,
        checksum: -7700612953462831507,
        quick_checksum: -3886740611384371500,
        simd: false,
    },
    Program {
        name: "intalu",
        character: "i32/i64 ALU loop, no memory traffic",
        wasm: wasm!("intalu"),
        n: 80_000_000,
        quick_n: 8_000_000,
        checksum: -337605892118867542,
        quick_checksum: 4054520652839475885,
        simd: false,
    },
    Program {
        name: "simd_blur",
        character: "SIMD: 3x3 image blur (u8->u16 widening, i16x8 add/shift, narrowing)",
        wasm: wasm!("simd_blur"),
        n: 300,
        quick_n: 30,
        checksum: -6238363262692135479,
        quick_checksum: 7315406267347059924,
        simd: true,
    },
    Program {
        name: "simd_hash",
        character: "SIMD: Adler-32 (widening pairwise adds, i32x4.dot_i16x8)",
        wasm: wasm!("simd_hash"),
        n: 5000,
        quick_n: 500,
        checksum: -4048114205480927934,
        quick_checksum: -1540238854798550201,
        simd: true,
    },
    Program {
        name: "simd_search",
        character: "SIMD: byte count and search (i8x16.eq, bitmask + ctz)",
        wasm: wasm!("simd_search"),
        n: 1000,
        quick_n: 100,
        checksum: -7184360939728735777,
        quick_checksum: 1516077178741135864,
        simd: true,
    },
];
