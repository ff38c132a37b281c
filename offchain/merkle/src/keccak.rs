//! Keccak-256 of many independent messages at once.
//!
//! Building a tree is nothing but keccak: per leaf a 2-block inner hash, a
//! 1-block outer hash and one share of the inner nodes. A scalar Keccak-f[1600]
//! computes one permutation at a time; here each 64-bit lane of a SIMD
//! register belongs to a different message, so one pass of the permutation
//! code hashes 4 (AVX2, AVX-512VL on 256-bit registers) or 8 (AVX-512 on
//! 512-bit registers) messages, the "times4/times8" layout of XKCP. The
//! backend is picked at run time ([`KeccakBackend::detected`]); other CPUs
//! and architectures use alloy's `keccak256` one message at a time.
//!
//! Keccak-256 is Ethereum's: rate 136 bytes, padding `0x01 .. 0x80` (not
//! SHA-3's `0x06`).

use std::cell::Cell;
use std::sync::OnceLock;

use alloy_primitives::{B256, keccak256};

/// Bytes absorbed per permutation.
const RATE: usize = 136;

/// Messages handed to a kernel at once by the tree code: a multiple of every
/// backend's lane count.
pub(crate) const BATCH: usize = 16;

/// The Keccak-f[1600] round constants.
const RC: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// How the tree's keccak is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeccakBackend {
    /// alloy's `keccak256`, one message at a time (any CPU).
    Scalar,
    /// 4 messages at once in 256-bit AVX2 registers (x86-64).
    Avx2,
    /// 4 messages at once in 256-bit registers with AVX-512VL's rotate and
    /// ternary-logic instructions (x86-64).
    Avx512Vl,
    /// 8 messages at once in 512-bit AVX-512 registers (x86-64).
    Avx512,
}

impl KeccakBackend {
    /// Every backend, supported here or not.
    pub const ALL: [Self; 4] = [Self::Scalar, Self::Avx2, Self::Avx512Vl, Self::Avx512];

    /// How many messages one pass hashes.
    pub fn lanes(self) -> usize {
        match self {
            Self::Scalar => 1,
            Self::Avx2 | Self::Avx512Vl => 4,
            Self::Avx512 => 8,
        }
    }

    /// A short name: `scalar`, `avx2 x4`, `avx512vl x4`, `avx512 x8`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Scalar => "scalar",
            Self::Avx2 => "avx2 x4",
            Self::Avx512Vl => "avx512vl x4",
            Self::Avx512 => "avx512 x8",
        }
    }

    /// The backends this CPU can run, slowest first.
    pub fn supported() -> impl Iterator<Item = Self> {
        Self::ALL.into_iter().filter(|b| b.is_supported())
    }

    /// Whether this CPU can run the backend (detected at run time; std
    /// caches the CPU's features).
    pub fn is_supported(self) -> bool {
        match self {
            Self::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Self::Avx512Vl => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(target_arch = "x86_64")]
            Self::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The backend used by default: the fastest this CPU supports
    /// (detected once).
    pub fn detected() -> Self {
        static DETECTED: OnceLock<KeccakBackend> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            // In this order of speed, as measured by `cargo bench -p sonm-merkle`.
            [Self::Avx512, Self::Avx512Vl, Self::Avx2]
                .into_iter()
                .find(|b| b.is_supported())
                .unwrap_or(Self::Scalar)
        })
    }

    /// The backend this thread uses: [`detected`](Self::detected) unless
    /// overridden by [`with_keccak_backend`].
    pub fn current() -> Self {
        FORCED.with(Cell::get).unwrap_or_else(Self::detected)
    }
}

impl std::fmt::Display for KeccakBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

thread_local! {
    static FORCED: Cell<Option<KeccakBackend>> = const { Cell::new(None) };
}

/// Runs `f` with this thread's keccak backend set to `backend` (trees built
/// inside use it on all their threads). For tests and benchmarks.
///
/// Panics if this CPU does not support `backend`.
#[doc(hidden)]
pub fn with_keccak_backend<R>(backend: KeccakBackend, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<KeccakBackend>);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORCED.with(|c| c.set(self.0));
        }
    }
    assert!(
        backend.is_supported(),
        "keccak backend {backend} is not supported on this CPU"
    );
    let _restore = Restore(FORCED.with(|c| c.replace(Some(backend))));
    f()
}

/// A batch of work for a kernel.
pub(crate) enum Job<'a> {
    /// `out[i] = keccak256(msgs[i])`.
    Keccak {
        msgs: &'a [&'a [u8]],
        out: &'a mut [B256],
    },
    /// `out[i] = keccak256(keccak256(msgs[i]))`, the standard leaf hash.
    Leaf {
        msgs: &'a [&'a [u8]],
        out: &'a mut [B256],
    },
    /// `out[i] = hash_pair(nodes[2i], nodes[2i + 1])`.
    Pairs {
        nodes: &'a [B256],
        out: &'a mut [B256],
    },
}

impl Job<'_> {
    /// Runs the job on `backend`, or on the scalar code if this CPU does not
    /// support `backend`.
    #[allow(unsafe_code)]
    pub(crate) fn run(self, backend: KeccakBackend) {
        match backend {
            #[cfg(target_arch = "x86_64")]
            KeccakBackend::Avx512 if backend.is_supported() => {
                // SAFETY: the CPU has AVX-512F, detected at run time just above.
                unsafe { x86::avx512::run(self) }
            }
            #[cfg(target_arch = "x86_64")]
            KeccakBackend::Avx512Vl if backend.is_supported() => {
                // SAFETY: the CPU has AVX-512F and AVX-512VL, detected at run
                // time just above.
                unsafe { x86::avx512vl::run(self) }
            }
            #[cfg(target_arch = "x86_64")]
            KeccakBackend::Avx2 if backend.is_supported() => {
                // SAFETY: the CPU has AVX2, detected at run time just above.
                unsafe { x86::avx2::run(self) }
            }
            _ => scalar_run(self),
        }
    }
}

fn scalar_run(job: Job<'_>) {
    match job {
        Job::Keccak { msgs, out } => {
            for (o, m) in out.iter_mut().zip(msgs) {
                *o = keccak256(m);
            }
        }
        Job::Leaf { msgs, out } => {
            for (o, m) in out.iter_mut().zip(msgs) {
                *o = keccak256(keccak256(m));
            }
        }
        Job::Pairs { nodes, out } => {
            for (o, pair) in out.iter_mut().zip(nodes.chunks_exact(2)) {
                *o = crate::hash_pair(&pair[0], &pair[1]);
            }
        }
    }
}

/// Word `w` (little-endian) of block `block` of the padded message `msg`,
/// which has `blocks` blocks; 0 past the last block.
#[inline]
fn message_word(msg: &[u8], blocks: usize, block: usize, w: usize) -> u64 {
    let off = block * RATE + 8 * w;
    if let Some(bytes) = msg.get(off..).and_then(|m| m.first_chunk::<8>()) {
        return u64::from_le_bytes(*bytes);
    }
    if block >= blocks {
        return 0;
    }
    let mut bytes = [0u8; 8];
    if off < msg.len() {
        bytes[..msg.len() - off].copy_from_slice(&msg[off..]);
    }
    if (off..off + 8).contains(&msg.len()) {
        bytes[msg.len() - off] ^= 0x01;
    }
    if block + 1 == blocks && w == RATE / 8 - 1 {
        bytes[7] ^= 0x80;
    }
    u64::from_le_bytes(bytes)
}

/// Blocks of the padded message of `len` bytes.
#[inline]
fn blocks(len: usize) -> usize {
    len / RATE + 1
}

/// The little-endian words of a node.
#[inline]
fn node_words(h: &B256) -> [u64; 4] {
    let mut w = [0u64; 4];
    for (w, c) in w.iter_mut().zip(h.0.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        *w = u64::from_le_bytes(b);
    }
    w
}

/// The kernels of one backend, written once over the backend's vector type
/// `V` and its helpers (`zero`, `splat`, `xor`, `xor3`, `chi`, `rol`, `set`,
/// `get`, `select`), which the module invoking this macro defines.
#[cfg(target_arch = "x86_64")]
macro_rules! kernels {
    ($feature:literal) => {
        use alloy_primitives::B256;

        use super::super::{Job, RATE, RC, blocks, message_word, node_words};

        /// Keccak-f[1600] on `LANES` states at once.
        #[inline]
        #[target_feature(enable = $feature)]
        fn permute(state: &mut [V; 25]) {
            let mut a = *state;
            let mut b = [zero(); 25];
            for &rc in &RC {
                // θ
                let c0 = xor3(xor3(a[0], a[5], a[10]), a[15], a[20]);
                let c1 = xor3(xor3(a[1], a[6], a[11]), a[16], a[21]);
                let c2 = xor3(xor3(a[2], a[7], a[12]), a[17], a[22]);
                let c3 = xor3(xor3(a[3], a[8], a[13]), a[18], a[23]);
                let c4 = xor3(xor3(a[4], a[9], a[14]), a[19], a[24]);
                let d = [
                    xor(c4, rol::<1, 63>(c1)),
                    xor(c0, rol::<1, 63>(c2)),
                    xor(c1, rol::<1, 63>(c3)),
                    xor(c2, rol::<1, 63>(c4)),
                    xor(c3, rol::<1, 63>(c0)),
                ];
                // ρ and π: lane (x, y) rotated into (y, 2x + 3y).
                b[0] = xor(a[0], d[0]);
                b[1] = rol::<44, 20>(xor(a[6], d[1]));
                b[2] = rol::<43, 21>(xor(a[12], d[2]));
                b[3] = rol::<21, 43>(xor(a[18], d[3]));
                b[4] = rol::<14, 50>(xor(a[24], d[4]));
                b[5] = rol::<28, 36>(xor(a[3], d[3]));
                b[6] = rol::<20, 44>(xor(a[9], d[4]));
                b[7] = rol::<3, 61>(xor(a[10], d[0]));
                b[8] = rol::<45, 19>(xor(a[16], d[1]));
                b[9] = rol::<61, 3>(xor(a[22], d[2]));
                b[10] = rol::<1, 63>(xor(a[1], d[1]));
                b[11] = rol::<6, 58>(xor(a[7], d[2]));
                b[12] = rol::<25, 39>(xor(a[13], d[3]));
                b[13] = rol::<8, 56>(xor(a[19], d[4]));
                b[14] = rol::<18, 46>(xor(a[20], d[0]));
                b[15] = rol::<27, 37>(xor(a[4], d[4]));
                b[16] = rol::<36, 28>(xor(a[5], d[0]));
                b[17] = rol::<10, 54>(xor(a[11], d[1]));
                b[18] = rol::<15, 49>(xor(a[17], d[2]));
                b[19] = rol::<56, 8>(xor(a[23], d[3]));
                b[20] = rol::<62, 2>(xor(a[2], d[2]));
                b[21] = rol::<55, 9>(xor(a[8], d[3]));
                b[22] = rol::<39, 25>(xor(a[14], d[4]));
                b[23] = rol::<41, 23>(xor(a[15], d[0]));
                b[24] = rol::<2, 62>(xor(a[21], d[1]));
                // χ: a ^ (!b & c) along each row.
                a[0] = chi(b[0], b[1], b[2]);
                a[1] = chi(b[1], b[2], b[3]);
                a[2] = chi(b[2], b[3], b[4]);
                a[3] = chi(b[3], b[4], b[0]);
                a[4] = chi(b[4], b[0], b[1]);
                a[5] = chi(b[5], b[6], b[7]);
                a[6] = chi(b[6], b[7], b[8]);
                a[7] = chi(b[7], b[8], b[9]);
                a[8] = chi(b[8], b[9], b[5]);
                a[9] = chi(b[9], b[5], b[6]);
                a[10] = chi(b[10], b[11], b[12]);
                a[11] = chi(b[11], b[12], b[13]);
                a[12] = chi(b[12], b[13], b[14]);
                a[13] = chi(b[13], b[14], b[10]);
                a[14] = chi(b[14], b[10], b[11]);
                a[15] = chi(b[15], b[16], b[17]);
                a[16] = chi(b[16], b[17], b[18]);
                a[17] = chi(b[17], b[18], b[19]);
                a[18] = chi(b[18], b[19], b[15]);
                a[19] = chi(b[19], b[15], b[16]);
                a[20] = chi(b[20], b[21], b[22]);
                a[21] = chi(b[21], b[22], b[23]);
                a[22] = chi(b[22], b[23], b[24]);
                a[23] = chi(b[23], b[24], b[20]);
                a[24] = chi(b[24], b[20], b[21]);
                // ι
                a[0] = xor(a[0], splat(rc));
            }
            *state = a;
        }

        /// Absorbs up to `LANES` messages of any lengths, one per lane, and
        /// returns the first 4 state words of each lane after its own last
        /// block: its keccak256, as words. Lanes past `msgs.len()` are
        /// garbage.
        #[inline]
        #[target_feature(enable = $feature)]
        fn absorb(msgs: &[&[u8]]) -> [V; 4] {
            let mut nblocks = [0usize; LANES];
            for (n, m) in nblocks.iter_mut().zip(msgs) {
                *n = blocks(m.len());
            }
            let max = nblocks.iter().copied().max().unwrap_or(0);
            let mut s = [zero(); 25];
            let mut digest = [zero(); 4];
            for block in 0..max {
                for (w, lane) in s.iter_mut().take(RATE / 8).enumerate() {
                    let mut words = [0u64; LANES];
                    for ((word, m), &n) in words.iter_mut().zip(msgs).zip(&nblocks) {
                        *word = message_word(m, n, block, w);
                    }
                    *lane = xor(*lane, set(words));
                }
                permute(&mut s);
                let mut done = 0u8;
                for (j, &n) in nblocks.iter().enumerate().take(msgs.len()) {
                    if n == block + 1 {
                        done |= 1 << j;
                    }
                }
                for (d, &lane) in digest.iter_mut().zip(&s) {
                    *d = select(done, *d, lane);
                }
            }
            digest
        }

        /// A state holding the padded 32-byte messages `digest` (4 words).
        #[inline]
        #[target_feature(enable = $feature)]
        fn state_of_32(digest: [V; 4]) -> [V; 25] {
            let mut s = [zero(); 25];
            s[..4].copy_from_slice(&digest);
            s[4] = splat(0x01);
            s[16] = splat(0x80 << 56);
            s
        }

        /// Writes each lane's digest (words 0..4 of `s`) to `out`.
        #[inline]
        #[target_feature(enable = $feature)]
        fn store(s: &[V], out: &mut [B256]) {
            let words = [get(s[0]), get(s[1]), get(s[2]), get(s[3])];
            for (j, o) in out.iter_mut().enumerate() {
                for (k, w) in words.iter().enumerate() {
                    o.0[8 * k..8 * k + 8].copy_from_slice(&w[j].to_le_bytes());
                }
            }
        }

        /// Runs a job, `LANES` messages at a time.
        #[target_feature(enable = $feature)]
        pub(in super::super) fn run(job: Job<'_>) {
            match job {
                Job::Keccak { msgs, out } => {
                    for (m, o) in msgs.chunks(LANES).zip(out.chunks_mut(LANES)) {
                        store(&absorb(m), o);
                    }
                }
                Job::Leaf { msgs, out } => {
                    for (m, o) in msgs.chunks(LANES).zip(out.chunks_mut(LANES)) {
                        let mut s = state_of_32(absorb(m));
                        permute(&mut s);
                        store(&s, o);
                    }
                }
                Job::Pairs { nodes, out } => {
                    for (n, o) in nodes.chunks(2 * LANES).zip(out.chunks_mut(LANES)) {
                        let mut words = [[0u64; LANES]; 8];
                        for (j, pair) in n.chunks_exact(2).enumerate() {
                            let (lo, hi) = if pair[0] <= pair[1] {
                                (&pair[0], &pair[1])
                            } else {
                                (&pair[1], &pair[0])
                            };
                            for (k, w) in
                                node_words(lo).into_iter().chain(node_words(hi)).enumerate()
                            {
                                words[k][j] = w;
                            }
                        }
                        let mut s = [zero(); 25];
                        for (lane, w) in s.iter_mut().zip(words) {
                            *lane = set(w);
                        }
                        s[8] = splat(0x01);
                        s[16] = splat(0x80 << 56);
                        permute(&mut s);
                        store(&s, o);
                    }
                }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    /// 8 lanes in 512-bit registers.
    pub(super) mod avx512 {
        use std::arch::x86_64::*;

        type V = __m512i;
        const LANES: usize = 8;

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn zero() -> V {
            _mm512_setzero_si512()
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn splat(x: u64) -> V {
            _mm512_set1_epi64(x as i64)
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn xor(a: V, b: V) -> V {
            _mm512_xor_si512(a, b)
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn xor3(a: V, b: V, c: V) -> V {
            _mm512_ternarylogic_epi64::<0x96>(a, b, c)
        }

        /// `a ^ (!b & c)`
        #[inline]
        #[target_feature(enable = "avx512f")]
        fn chi(a: V, b: V, c: V) -> V {
            _mm512_ternarylogic_epi64::<0xD2>(a, b, c)
        }

        /// Rotates each lane left by `L` (`R` = 64 - `L`).
        #[inline]
        #[target_feature(enable = "avx512f")]
        fn rol<const L: i32, const R: i32>(a: V) -> V {
            _mm512_rol_epi64::<L>(a)
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn set(w: [u64; LANES]) -> V {
            _mm512_setr_epi64(
                w[0] as i64,
                w[1] as i64,
                w[2] as i64,
                w[3] as i64,
                w[4] as i64,
                w[5] as i64,
                w[6] as i64,
                w[7] as i64,
            )
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn get(v: V) -> [u64; LANES] {
            let lo = _mm512_castsi512_si256(v);
            let hi = _mm512_extracti64x4_epi64::<1>(v);
            [
                _mm256_extract_epi64::<0>(lo) as u64,
                _mm256_extract_epi64::<1>(lo) as u64,
                _mm256_extract_epi64::<2>(lo) as u64,
                _mm256_extract_epi64::<3>(lo) as u64,
                _mm256_extract_epi64::<0>(hi) as u64,
                _mm256_extract_epi64::<1>(hi) as u64,
                _mm256_extract_epi64::<2>(hi) as u64,
                _mm256_extract_epi64::<3>(hi) as u64,
            ]
        }

        /// Lane `j` from `b` where bit `j` of `mask` is set, else from `a`.
        #[inline]
        #[target_feature(enable = "avx512f")]
        fn select(mask: u8, a: V, b: V) -> V {
            _mm512_mask_blend_epi64(mask, a, b)
        }

        kernels!("avx512f");
    }

    /// 4 lanes in 256-bit registers, with AVX-512VL's rotates and ternary
    /// logic.
    pub(super) mod avx512vl {
        use std::arch::x86_64::*;

        type V = __m256i;
        const LANES: usize = 4;

        #[inline]
        #[target_feature(enable = "avx512f,avx512vl")]
        fn zero() -> V {
            _mm256_setzero_si256()
        }

        #[inline]
        #[target_feature(enable = "avx512f,avx512vl")]
        fn splat(x: u64) -> V {
            _mm256_set1_epi64x(x as i64)
        }

        #[inline]
        #[target_feature(enable = "avx512f,avx512vl")]
        fn xor(a: V, b: V) -> V {
            _mm256_xor_si256(a, b)
        }

        #[inline]
        #[target_feature(enable = "avx512f,avx512vl")]
        fn xor3(a: V, b: V, c: V) -> V {
            _mm256_ternarylogic_epi64::<0x96>(a, b, c)
        }

        /// `a ^ (!b & c)`
        #[inline]
        #[target_feature(enable = "avx512f,avx512vl")]
        fn chi(a: V, b: V, c: V) -> V {
            _mm256_ternarylogic_epi64::<0xD2>(a, b, c)
        }

        /// Rotates each lane left by `L` (`R` = 64 - `L`).
        #[inline]
        #[target_feature(enable = "avx512f,avx512vl")]
        fn rol<const L: i32, const R: i32>(a: V) -> V {
            _mm256_rol_epi64::<L>(a)
        }

        #[inline]
        #[target_feature(enable = "avx512f,avx512vl")]
        fn set(w: [u64; LANES]) -> V {
            _mm256_setr_epi64x(w[0] as i64, w[1] as i64, w[2] as i64, w[3] as i64)
        }

        #[inline]
        #[target_feature(enable = "avx512f,avx512vl")]
        fn get(v: V) -> [u64; LANES] {
            [
                _mm256_extract_epi64::<0>(v) as u64,
                _mm256_extract_epi64::<1>(v) as u64,
                _mm256_extract_epi64::<2>(v) as u64,
                _mm256_extract_epi64::<3>(v) as u64,
            ]
        }

        /// Lane `j` from `b` where bit `j` of `mask` is set, else from `a`.
        #[inline]
        #[target_feature(enable = "avx512f,avx512vl")]
        fn select(mask: u8, a: V, b: V) -> V {
            _mm256_mask_blend_epi64(mask, a, b)
        }

        kernels!("avx512f,avx512vl");
    }

    /// 4 lanes in 256-bit AVX2 registers.
    pub(super) mod avx2 {
        use std::arch::x86_64::*;

        type V = __m256i;
        const LANES: usize = 4;

        #[inline]
        #[target_feature(enable = "avx2")]
        fn zero() -> V {
            _mm256_setzero_si256()
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn splat(x: u64) -> V {
            _mm256_set1_epi64x(x as i64)
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn xor(a: V, b: V) -> V {
            _mm256_xor_si256(a, b)
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn xor3(a: V, b: V, c: V) -> V {
            _mm256_xor_si256(_mm256_xor_si256(a, b), c)
        }

        /// `a ^ (!b & c)`
        #[inline]
        #[target_feature(enable = "avx2")]
        fn chi(a: V, b: V, c: V) -> V {
            _mm256_xor_si256(a, _mm256_andnot_si256(b, c))
        }

        /// Rotates each lane left by `L` (`R` = 64 - `L`).
        #[inline]
        #[target_feature(enable = "avx2")]
        fn rol<const L: i32, const R: i32>(a: V) -> V {
            _mm256_or_si256(_mm256_slli_epi64::<L>(a), _mm256_srli_epi64::<R>(a))
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn set(w: [u64; LANES]) -> V {
            _mm256_setr_epi64x(w[0] as i64, w[1] as i64, w[2] as i64, w[3] as i64)
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn get(v: V) -> [u64; LANES] {
            [
                _mm256_extract_epi64::<0>(v) as u64,
                _mm256_extract_epi64::<1>(v) as u64,
                _mm256_extract_epi64::<2>(v) as u64,
                _mm256_extract_epi64::<3>(v) as u64,
            ]
        }

        /// Lane `j` from `b` where bit `j` of `mask` is set, else from `a`.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn select(mask: u8, a: V, b: V) -> V {
            let bit = |j: u8| -i64::from((mask >> j) & 1);
            _mm256_blendv_epi8(a, b, _mm256_setr_epi64x(bit(0), bit(1), bit(2), bit(3)))
        }

        kernels!("avx2");
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{B256, keccak256};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::{Job, KeccakBackend, RATE};

    fn random_bytes(rng: &mut StdRng, len: usize) -> Vec<u8> {
        (0..len).map(|_| rng.random()).collect()
    }

    fn run_keccak(backend: KeccakBackend, msgs: &[Vec<u8>], leaf: bool) -> Vec<B256> {
        let slices: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        let mut out = vec![B256::ZERO; msgs.len()];
        let job = if leaf {
            Job::Leaf {
                msgs: &slices,
                out: &mut out,
            }
        } else {
            Job::Keccak {
                msgs: &slices,
                out: &mut out,
            }
        };
        job.run(backend);
        out
    }

    /// The tree uses the fastest backend the CPU runs (ALL is in order of
    /// speed), and a CPU with AVX2 never falls back to scalar keccak.
    #[test]
    fn the_detected_backend_is_the_fastest_supported() {
        let fastest = KeccakBackend::supported().last();
        assert_eq!(Some(KeccakBackend::detected()), fastest);
        assert!(KeccakBackend::Scalar.is_supported());
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            assert_ne!(KeccakBackend::detected(), KeccakBackend::Scalar);
        }
    }

    /// Every length 0..=400, each in a batch whose other lanes have other
    /// lengths (so lanes finish after different numbers of blocks).
    #[test]
    fn keccak_matches_alloy_for_every_length() {
        let mut rng = StdRng::seed_from_u64(7);
        for backend in KeccakBackend::supported() {
            for len in 0..=400 {
                for lanes in [1, backend.lanes(), 8] {
                    let msgs: Vec<Vec<u8>> = (0..lanes)
                        .map(|j| {
                            let l = if j == 0 {
                                len
                            } else {
                                rng.random_range(0..=400)
                            };
                            random_bytes(&mut rng, l)
                        })
                        .collect();
                    let expected: Vec<B256> = msgs.iter().map(keccak256).collect();
                    assert_eq!(
                        run_keccak(backend, &msgs, false),
                        expected,
                        "{backend} len={len} lanes={lanes}"
                    );
                    let leaves: Vec<B256> = msgs.iter().map(|m| keccak256(keccak256(m))).collect();
                    assert_eq!(
                        run_keccak(backend, &msgs, true),
                        leaves,
                        "{backend} leaf len={len} lanes={lanes}"
                    );
                }
            }
        }
    }

    /// All lanes the same length, at and around the rate boundaries.
    #[test]
    fn keccak_matches_alloy_at_block_boundaries() {
        let mut rng = StdRng::seed_from_u64(8);
        let lens = [
            0,
            1,
            7,
            8,
            9,
            31,
            32,
            33,
            63,
            64,
            65,
            127,
            128,
            129,
            RATE - 1,
            RATE,
            RATE + 1,
            2 * RATE - 1,
            2 * RATE,
            2 * RATE + 1,
            3 * RATE,
            1000,
        ];
        for backend in KeccakBackend::supported() {
            for len in lens {
                let msgs: Vec<Vec<u8>> = (0..8).map(|_| random_bytes(&mut rng, len)).collect();
                let expected: Vec<B256> = msgs.iter().map(keccak256).collect();
                assert_eq!(
                    run_keccak(backend, &msgs, false),
                    expected,
                    "{backend} {len}"
                );
                // Padding bytes in the message itself must not be confused
                // with the padding.
                let ones = vec![vec![0x01u8; len], vec![0x80u8; len], vec![0xffu8; len]];
                let expected: Vec<B256> = ones.iter().map(keccak256).collect();
                assert_eq!(
                    run_keccak(backend, &ones, false),
                    expected,
                    "{backend} {len}"
                );
            }
        }
    }

    /// Batches of 1..=17 messages: partial batches, and more than one pass.
    #[test]
    fn batches_of_every_size_match() {
        let mut rng = StdRng::seed_from_u64(9);
        for backend in KeccakBackend::supported() {
            for size in 1..=17 {
                let msgs: Vec<Vec<u8>> = (0..size)
                    .map(|_| {
                        let len = rng.random_range(0..300);
                        random_bytes(&mut rng, len)
                    })
                    .collect();
                let expected: Vec<B256> = msgs.iter().map(keccak256).collect();
                assert_eq!(
                    run_keccak(backend, &msgs, false),
                    expected,
                    "{backend} {size}"
                );
                let leaves: Vec<B256> = msgs.iter().map(|m| keccak256(keccak256(m))).collect();
                assert_eq!(run_keccak(backend, &msgs, true), leaves, "{backend} {size}");

                let nodes: Vec<B256> = (0..2 * size)
                    .map(|_| B256::from(rng.random::<[u8; 32]>()))
                    .collect();
                let mut out = vec![B256::ZERO; size];
                Job::Pairs {
                    nodes: &nodes,
                    out: &mut out,
                }
                .run(backend);
                let expected: Vec<B256> = nodes
                    .chunks(2)
                    .map(|p| crate::hash_pair(&p[0], &p[1]))
                    .collect();
                assert_eq!(out, expected, "{backend} pairs {size}");
            }
        }
    }

    /// Pairs in both orders and equal pairs (the smaller child goes first).
    #[test]
    fn pairs_sort_their_children() {
        let mut rng = StdRng::seed_from_u64(10);
        for backend in KeccakBackend::supported() {
            let a = B256::from(rng.random::<[u8; 32]>());
            let mut b = a;
            b.0[31] ^= 1; // differs only in the last byte
            let nodes = [a, b, b, a, a, a, B256::ZERO, a, b, B256::ZERO];
            let mut out = [B256::ZERO; 5];
            Job::Pairs {
                nodes: &nodes,
                out: &mut out,
            }
            .run(backend);
            let expected: Vec<B256> = nodes
                .chunks(2)
                .map(|p| crate::hash_pair(&p[0], &p[1]))
                .collect();
            assert_eq!(out.to_vec(), expected, "{backend}");
            assert_eq!(out[0], out[1]);
        }
    }
}
