use super::func::{lift_args, lift_results, lower_args, lower_results};
use super::strings::UTF16_TAG;
use super::*;
use crate::component::cx::StringEncoding;
use crate::component::resources::ResourceType;
use crate::component::types::{ResourceId, ValueType as V};

/// A guest for the tests: a memory that starts small and grows whenever
/// `realloc` needs more (so a slice held across `realloc` would be caught
/// by the borrow checker and a stale pointer by the contents), a `realloc`
/// that always moves the block (copying it, as a real `realloc` must), and
/// a handle table.
pub(crate) struct TestCx {
    pub(crate) mem: Vec<u8>,
    next: u32,
    pub(crate) encoding: StringEncoding,
    /// Every `realloc` call, as `(old_ptr, old_size, align, new_size)`.
    pub(crate) reallocs: Vec<ReallocCall>,
    /// Index 0 is never a handle, as in the spec's tables.
    pub(crate) handles: Vec<Option<ResourceAny>>,
    /// When set, `realloc` answers this instead (a broken guest allocator).
    pub(crate) realloc_answer: Option<Result<u32, LiftError>>,
}

impl TestCx {
    pub(crate) fn new(encoding: StringEncoding) -> Self {
        TestCx {
            mem: vec![0; 256],
            next: 256,
            encoding,
            reallocs: Vec::new(),
            handles: vec![None],
            realloc_answer: None,
        }
    }

    /// A cx whose memory is `mem`, for hand-written guest data.
    pub(crate) fn with_mem(encoding: StringEncoding, mem: &[u8]) -> Self {
        let mut cx = TestCx::new(encoding);
        cx.mem = mem.to_vec();
        cx.next = mem.len() as u32;
        cx
    }
}

impl LiftCx for TestCx {
    fn memory(&self) -> &[u8] {
        &self.mem
    }

    fn string_encoding(&self) -> StringEncoding {
        self.encoding
    }

    fn lift_resource(&mut self, ty: &ValueType, index: u32) -> Result<ResourceAny, LiftError> {
        let unknown = || LiftError(format!("unknown handle index {index}"));
        let slot = self.handles.get_mut(index as usize).ok_or_else(unknown)?;
        match ty {
            ValueType::Own(_) => slot.take().ok_or_else(unknown),
            _ => Ok(ResourceAny { owned: false, ..slot.ok_or_else(unknown)? }),
        }
    }
}

impl LowerCx for TestCx {
    fn memory_mut(&mut self) -> &mut [u8] {
        &mut self.mem
    }

    fn realloc(&mut self, old_ptr: u32, old_size: u32, align: u32, new_size: u32) -> Result<u32, LiftError> {
        self.reallocs.push((old_ptr, old_size, align, new_size));
        if let Some(answer) = &self.realloc_answer {
            return answer.clone();
        }
        let p = self.next.next_multiple_of(align);
        self.next = p + new_size;
        if self.next as usize > self.mem.len() {
            self.mem.resize((self.next as usize).next_multiple_of(256), 0);
        }
        // A shrink keeps the start of the old block.
        let kept = old_size.min(new_size);
        self.mem.copy_within(old_ptr as usize..(old_ptr + kept) as usize, p as usize);
        // Poison the old block: code still writing through the old pointer
        // shows up as wrong contents.
        if old_ptr != 0 {
            self.mem[old_ptr as usize..(old_ptr + old_size) as usize].fill(0xEE);
        }
        Ok(p)
    }

    fn string_encoding(&self) -> StringEncoding {
        self.encoding
    }

    fn lower_resource(&mut self, ty: &ValueType, r: ResourceAny) -> Result<u32, LiftError> {
        let owned = matches!(ty, ValueType::Own(_));
        self.handles.push(Some(ResourceAny { owned, ..r }));
        Ok(self.handles.len() as u32 - 1)
    }
}

pub(crate) const ENCODINGS: [StringEncoding; 3] =
    [StringEncoding::Utf8, StringEncoding::Utf16, StringEncoding::CompactUtf16];

fn b(t: V) -> Box<V> {
    Box::new(t)
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("n{i}")).collect()
}

fn s(x: &str) -> String {
    x.to_string()
}

/// Lowers `v` to memory at 8 and lifts it back; also through flat values;
/// in each string encoding.
fn round_trip(t: &V, v: Val) {
    for enc in ENCODINGS {
        let mut cx = TestCx::new(enc);
        lower_to_memory(&mut cx, t, &v, 8).unwrap();
        assert_eq!(lift_from_memory(&mut cx, t, 8).unwrap(), v, "memory round trip of {t:?} in {enc:?}");

        let mut cx = TestCx::new(enc);
        let mut out = Vec::new();
        lower_to_flat(&mut cx, t, &v, &mut out).unwrap();
        let mut types = Vec::new();
        abi::flatten(t, &mut types, usize::MAX).unwrap();
        assert_eq!(out.len(), types.len(), "flat count of {t:?}");
        let mut it = out.into_iter();
        assert_eq!(lift_from_flat(&mut cx, t, &mut it).unwrap(), v, "flat round trip of {t:?} in {enc:?}");
        assert_eq!(it.next(), None, "flat values left over for {t:?}");
    }
}

fn err_mem(t: &V, mem: &[u8], offset: u32) -> String {
    err_mem_in(StringEncoding::Utf8, t, mem, offset)
}

fn err_mem_in(enc: StringEncoding, t: &V, mem: &[u8], offset: u32) -> String {
    lift_from_memory(&mut TestCx::with_mem(enc, mem), t, offset).unwrap_err().0
}

fn err_flat(t: &V, flat: &[u64], mem: &[u8]) -> String {
    lift_from_flat(&mut TestCx::with_mem(StringEncoding::Utf8, mem), t, &mut flat.iter().copied()).unwrap_err().0
}

fn host_resource(rep: u32, owned: bool) -> ResourceAny {
    ResourceAny { ty: ResourceType::host::<u8>(), rep, owned }
}

#[test]
fn primitives_round_trip() {
    round_trip(&V::Bool, Val::Bool(true));
    round_trip(&V::Bool, Val::Bool(false));
    round_trip(&V::S8, Val::S8(-5));
    round_trip(&V::U8, Val::U8(250));
    round_trip(&V::S16, Val::S16(-30000));
    round_trip(&V::U16, Val::U16(65000));
    round_trip(&V::S32, Val::S32(i32::MIN));
    round_trip(&V::U32, Val::U32(u32::MAX));
    round_trip(&V::S64, Val::S64(i64::MIN));
    round_trip(&V::U64, Val::U64(u64::MAX));
    round_trip(&V::F32, Val::Float32(-1.5));
    round_trip(&V::F64, Val::Float64(1e300));
    round_trip(&V::Char, Val::Char('\u{10FFFF}'));
    round_trip(&V::Char, Val::Char('é'));
    round_trip(&V::Own(ResourceId(0)), Val::Resource(host_resource(7, true)));
    round_trip(&V::Borrow(ResourceId(1)), Val::Resource(host_resource(3, false)));
}

#[test]
fn strings_round_trip() {
    for x in [
        "",
        "hello",
        "héllo wörld ✓ 🦀",
        // Latin-1 only, with characters above ASCII.
        "ÿé\u{80}",
        // Latin-1, then not: the compact encoding switches mid-way.
        "abcé€xyz",
        "ÿ\u{100}",
        "🦀",
        "a\u{0}b",
    ] {
        round_trip(&V::String, Val::String(s(x)));
        round_trip(&V::List(b(V::String)), Val::List(vec![Val::String(s(x)), Val::String(s("ok"))]));
    }
}

/// A `realloc` call: `(old_ptr, old_size, align, new_size)`.
type ReallocCall = (u32, u32, u32, u32);

/// Lowers `x` in `enc` and returns the `(ptr, len)` pair, the bytes at
/// `ptr`, and the realloc calls.
fn lower_string(enc: StringEncoding, x: &str) -> ((u32, u32), Vec<u8>, Vec<ReallocCall>) {
    let mut cx = TestCx::new(enc);
    let mut out = Vec::new();
    lower_to_flat(&mut cx, &V::String, &Val::String(s(x)), &mut out).unwrap();
    let (ptr, len) = (out[0] as u32, out[1] as u32);
    let bytes = match enc {
        StringEncoding::Utf8 => len,
        StringEncoding::Utf16 => 2 * len,
        StringEncoding::CompactUtf16 if len & UTF16_TAG != 0 => 2 * (len ^ UTF16_TAG),
        StringEncoding::CompactUtf16 => len,
    };
    let data = cx.mem[ptr as usize..(ptr + bytes) as usize].to_vec();
    ((ptr, len), data, cx.reallocs)
}

#[test]
fn string_bytes_in_each_encoding() {
    // UTF-8: one block of exactly the bytes.
    let ((p, len), data, reallocs) = lower_string(StringEncoding::Utf8, "ñ");
    assert_eq!((len, data.as_slice()), (2, "ñ".as_bytes()));
    assert_eq!(reallocs, [(0, 0, 1, 2)]);
    assert_eq!(p, 256);

    // UTF-16: the worst case (2 bytes per UTF-8 byte), then shrunk.
    let ((p, len), data, reallocs) = lower_string(StringEncoding::Utf16, "hé🦀");
    assert_eq!(len, 4);
    assert_eq!(data, [0x68, 0, 0xE9, 0, 0x3E, 0xD8, 0x80, 0xDD]);
    assert_eq!(reallocs, [(0, 0, 2, 14), (256, 14, 2, 8)]);
    assert_eq!(p % 2, 0);

    // UTF-16 of ASCII: worst case twice the need.
    let ((_, len), data, reallocs) = lower_string(StringEncoding::Utf16, "ab");
    assert_eq!((len, data.as_slice()), (2, &[0x61, 0, 0x62, 0][..]));
    assert_eq!(reallocs, [(0, 0, 2, 4)]);

    // Latin-1 that fits: a block of the UTF-8 length, shrunk to one byte
    // per character.
    let ((_, len), data, reallocs) = lower_string(StringEncoding::CompactUtf16, "héllo");
    assert_eq!((len, data.as_slice()), (5, &b"h\xe9llo"[..]));
    assert_eq!(reallocs, [(0, 0, 2, 6), (256, 6, 2, 5)]);

    // ASCII: no shrink needed.
    let ((_, len), data, reallocs) = lower_string(StringEncoding::CompactUtf16, "abc");
    assert_eq!((len, data.as_slice()), (3, &b"abc"[..]));
    assert_eq!(reallocs, [(0, 0, 2, 3)]);

    // Latin-1 until `€`: grown to the worst case, the Latin-1 prefix
    // inflated, the rest UTF-16, shrunk, and the length tagged.
    let ((_, len), data, reallocs) = lower_string(StringEncoding::CompactUtf16, "aé€b");
    assert_eq!(len, 4 | UTF16_TAG);
    assert_eq!(data, [0x61, 0, 0xE9, 0, 0xAC, 0x20, 0x62, 0]);
    // The test realloc moves every block: to 256, 264, then 278.
    assert_eq!(reallocs, [(0, 0, 2, 7), (256, 7, 2, 14), (264, 14, 2, 8)]);

    // Not Latin-1 from the first character: no Latin-1 prefix to inflate.
    let ((_, len), data, _) = lower_string(StringEncoding::CompactUtf16, "🦀");
    assert_eq!(len, 2 | UTF16_TAG);
    assert_eq!(data, [0x3E, 0xD8, 0x80, 0xDD]);

    // Empty strings still allocate (a zero-byte block), as the spec does.
    for enc in ENCODINGS {
        let ((_, len), data, reallocs) = lower_string(enc, "");
        assert_eq!((len, data.len(), reallocs.len()), (0, 0, 1), "{enc:?}");
    }
}

/// Memory with a `(ptr, len)` pair at 0 and `data` at 16.
fn with_pair(ptr: u32, len: u32, data: &[u8]) -> Vec<u8> {
    let mut mem = vec![0u8; 64];
    mem[0..4].copy_from_slice(&ptr.to_le_bytes());
    mem[4..8].copy_from_slice(&len.to_le_bytes());
    mem[16..16 + data.len()].copy_from_slice(data);
    mem
}

fn lift_str(enc: StringEncoding, ptr: u32, len: u32, data: &[u8]) -> Result<Val, LiftError> {
    lift_from_memory(&mut TestCx::with_mem(enc, &with_pair(ptr, len, data)), &V::String, 0)
}

#[test]
fn strings_from_the_guest() {
    use StringEncoding::*;
    let st = |x: &str| Ok(Val::String(s(x)));
    assert_eq!(lift_str(Utf16, 16, 3, &[0x68, 0, 0xE9, 0, 0xAC, 0x20]), st("hé€"));
    assert_eq!(lift_str(Utf16, 16, 2, &[0x3E, 0xD8, 0x80, 0xDD]), st("🦀"));
    assert_eq!(lift_str(CompactUtf16, 16, 3, b"h\xe9\xff"), st("héÿ"));
    assert_eq!(lift_str(CompactUtf16, 16, 2 | UTF16_TAG, &[0xAC, 0x20, 0x62, 0]), st("€b"));
    assert_eq!(lift_str(CompactUtf16, 16, UTF16_TAG, b""), st(""));
    assert_eq!(lift_str(Utf8, 16, 0, b""), st(""));
    // Strings have alignment 1 in UTF-8: an odd pointer is fine.
    assert_eq!(lift_str(Utf8, 17, 2, b"xhi"), st("hi"));
}

#[test]
fn bad_strings() {
    use StringEncoding::*;
    let e = |enc, ptr, len, data: &[u8]| lift_str(enc, ptr, len, data).unwrap_err().0;
    // Rust's own wording, which includes Wasmtime's that the reference
    // tests match.
    assert!(e(Utf8, 16, 2, &[0xC3, 0x28]).contains("invalid utf-8"));
    assert!(e(Utf8, 16, 1, &[0xFF]).contains("invalid utf-8"));
    assert!(e(Utf8, 16, 1, &[0xC3]).contains("incomplete utf-8 byte sequence"));
    assert!(e(Utf8, 60, 5, b"").contains("string pointer/length out of bounds of memory"));
    assert!(e(Utf8, 60, 5, b"").contains("string content out-of-bounds"));
    assert!(e(Utf8, u32::MAX, u32::MAX, b"").contains("out of bounds"));
    assert!(err_flat(&V::String, &[16, 2], &with_pair(0, 0, &[0xED, 0xA0])).contains("UTF-8"));
    // An out-of-bounds pointer traps even for an empty string.
    assert!(e(Utf8, 0xdead_beef, 0, b"").contains("out of bounds"));

    // Unpaired surrogates: a lone high one, a lone low one, a high one at
    // the end.
    let m = e(Utf16, 16, 2, &[0x00, 0xD8, 0x61, 0x00]);
    assert!(m.contains("UTF-16") && m.contains("unpaired surrogate 0xd800"), "{m}");
    assert!(e(Utf16, 16, 1, &[0x00, 0xDC]).contains("unpaired surrogate 0xdc00"));
    assert!(e(CompactUtf16, 16, 2 | UTF16_TAG, &[0x61, 0x00, 0x3E, 0xD8]).contains("unpaired surrogate"));
    // UTF-16 pointers must be 2-aligned, even for an empty string, in
    // both representations of the compact encoding.
    assert!(e(Utf16, 17, 0, b"").contains("unaligned pointer"));
    assert!(e(CompactUtf16, 17, 0, b"").contains("unaligned pointer"));
    assert!(e(CompactUtf16, 17, UTF16_TAG, b"").contains("unaligned pointer"));
    // Lengths whose byte size overflows 32 bits: out of bounds, no panic.
    assert!(e(Utf16, 16, u32::MAX, b"").contains("out of bounds"));
    assert!(e(CompactUtf16, 16, u32::MAX, b"").contains("out of bounds"));
    assert!(e(CompactUtf16, 16, UTF16_TAG - 1, b"").contains("out of bounds"));
    // Twice the units in bytes: one unit too many is out of bounds.
    assert!(e(Utf16, 16, 25, b"").contains("out of bounds"));
    assert!(lift_str(Utf16, 16, 24, b"").is_ok());
}

#[test]
fn records_with_padding() {
    // u8 at 0, u32 at 4, u16 at 8, u64 at 16: size 24.
    let t = V::Record(vec![(s("a"), V::U8), (s("b"), V::U32), (s("c"), V::U16), (s("d"), V::U64)]);
    let v =
        Val::Record(vec![(s("a"), Val::U8(1)), (s("b"), Val::U32(2)), (s("c"), Val::U16(3)), (s("d"), Val::U64(4))]);
    round_trip(&t, v.clone());
    let mut cx = TestCx::with_mem(StringEncoding::Utf8, &[0xAA; 64]);
    lower_to_memory(&mut cx, &t, &v, 0).unwrap();
    let mem = &cx.mem;
    assert_eq!(mem[0], 1);
    assert_eq!(&mem[4..8], &2u32.to_le_bytes());
    assert_eq!(&mem[8..10], &3u16.to_le_bytes());
    assert_eq!(&mem[16..24], &4u64.to_le_bytes());
    // Padding is not written.
    assert_eq!(mem[1], 0xAA);
}

#[test]
fn tuples_and_lists_of_records() {
    round_trip(
        &V::Tuple(vec![V::Char, V::F64, V::Bool]),
        Val::Tuple(vec![Val::Char('x'), Val::Float64(2.5), Val::Bool(true)]),
    );
    let rec = V::Record(vec![(s("n"), V::String), (s("x"), V::U16)]);
    let t = V::List(b(rec));
    let item = |n: &str, x| Val::Record(vec![(s("n"), Val::String(s(n))), (s("x"), Val::U16(x))]);
    round_trip(&t, Val::List(vec![item("a", 1), item("ßß€", 2), item("", 3)]));
    round_trip(&t, Val::List(vec![]));
    round_trip(
        &V::List(b(V::List(b(V::U8)))),
        Val::List(vec![Val::List(vec![Val::U8(1), Val::U8(2)]), Val::List(vec![])]),
    );
    round_trip(&V::FixedList(b(V::U16), 3), Val::List(vec![Val::U16(1), Val::U16(2), Val::U16(3)]));
    round_trip(&V::Map(b(V::String), b(V::U32)), Val::List(vec![Val::Tuple(vec![Val::String(s("k")), Val::U32(9)])]));
}

#[test]
fn large_values_grow_memory() {
    // Far more than the test memory's first 256 bytes: every realloc grows
    // it, moving the Vec.
    let items: Vec<Val> = (0..2000).map(|i| Val::String(format!("string number {i} ✓"))).collect();
    round_trip(&V::List(b(V::String)), Val::List(items));
}

#[test]
fn variants_round_trip() {
    let inner = V::Variant(vec![(s("i"), Some(V::U8)), (s("f"), Some(V::F32)), (s("none"), None)]);
    let t = V::Variant(vec![
        (s("a"), Some(V::U64)),
        (s("b"), Some(inner.clone())),
        (s("c"), Some(V::String)),
        (s("d"), None),
    ]);
    round_trip(&t, Val::Variant(s("a"), Some(Box::new(Val::U64(u64::MAX)))));
    for v in [
        Val::Variant(s("i"), Some(Box::new(Val::U8(9)))),
        Val::Variant(s("f"), Some(Box::new(Val::Float32(-0.25)))),
        Val::Variant(s("none"), None),
    ] {
        round_trip(&t, Val::Variant(s("b"), Some(Box::new(v))));
    }
    round_trip(&t, Val::Variant(s("c"), Some(Box::new(Val::String(s("x🦀é"))))));
    round_trip(&t, Val::Variant(s("d"), None));
    // A variant mixing f64 and i32 payloads joins to i64.
    let j = V::Variant(vec![(s("x"), Some(V::F64)), (s("y"), Some(V::S32)), (s("z"), Some(V::F32))]);
    round_trip(&j, Val::Variant(s("x"), Some(Box::new(Val::Float64(-3.75)))));
    round_trip(&j, Val::Variant(s("y"), Some(Box::new(Val::S32(-1)))));
    round_trip(&j, Val::Variant(s("z"), Some(Box::new(Val::Float32(1.5)))));
    round_trip(&V::Enum(names(3)), Val::Enum(s("n2")));
    // 300 cases: a u16 discriminant.
    round_trip(&V::Enum(names(300)), Val::Enum(s("n299")));
}

#[test]
fn option_and_result_round_trip() {
    let o = V::Option(b(V::Option(b(V::U32))));
    round_trip(&o, Val::Option(None));
    round_trip(&o, Val::Option(Some(Box::new(Val::Option(None)))));
    round_trip(&o, Val::Option(Some(Box::new(Val::Option(Some(Box::new(Val::U32(5))))))));
    let r = V::Result { ok: Some(b(V::String)), err: Some(b(V::F32)) };
    round_trip(&r, Val::Result(Ok(Some(Box::new(Val::String(s("ok")))))));
    round_trip(&r, Val::Result(Err(Some(Box::new(Val::Float32(2.0))))));
    let r = V::Result { ok: None, err: None };
    round_trip(&r, Val::Result(Ok(None)));
    round_trip(&r, Val::Result(Err(None)));
}

#[test]
fn flags_round_trip() {
    for n in [1, 9, 32, 33] {
        let t = V::Flags(names(n));
        round_trip(&t, Val::Flags(vec![]));
        round_trip(&t, Val::Flags(names(n)));
        let mut ends = vec![s("n0"), format!("n{}", n - 1)];
        ends.dedup();
        round_trip(&t, Val::Flags(ends));
    }
    // 33 flags: two u32 words; flag 32 is bit 0 of the second.
    let mut cx = TestCx::new(StringEncoding::Utf8);
    lower_to_memory(&mut cx, &V::Flags(names(33)), &Val::Flags(vec![s("n32")]), 0).unwrap();
    assert_eq!(&cx.mem[0..8], &[0, 0, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn nan_is_canonicalised() {
    let mut mem = vec![0u8; 8];
    mem[0..4].copy_from_slice(&0x7fc0_1234u32.to_le_bytes());
    let mut cx = TestCx::with_mem(StringEncoding::Utf8, &mem);
    let Val::Float32(f) = lift_from_memory(&mut cx, &V::F32, 0).unwrap() else { panic!() };
    assert_eq!(f.to_bits(), 0x7fc0_0000);
}

#[test]
fn bad_top_level_pointer() {
    let mem = [0u8; 16];
    assert!(err_mem(&V::U32, &mem, 2).contains("unaligned pointer"));
    assert!(err_mem(&V::U32, &mem, 16).contains("out of bounds"));
    assert!(err_mem(&V::U64, &mem, u32::MAX - 7).contains("out of bounds"));
}

#[test]
fn bad_lists() {
    let t = V::List(b(V::U32));
    assert!(err_mem(&t, &with_pair(18, 1, b""), 0).contains("unaligned pointer"));
    let m = err_mem(&t, &with_pair(16, 100, b""), 0);
    assert!(m.contains("list pointer/length out of bounds") && m.contains("list content out-of-bounds"), "{m}");
    // 2^31 elements of 4 bytes: over 4 GiB, refused before any allocation.
    assert!(err_mem(&t, &with_pair(16, 1 << 31, b""), 0).contains("overflows"));
    assert!(err_mem(&V::List(b(V::U8)), &with_pair(16, u32::MAX, b""), 0).contains("out of bounds"));
    assert!(err_flat(&t, &[17, 1], &[0u8; 64]).contains("unaligned pointer"));
    // A bad element deep inside a list.
    let mut mem = with_pair(16, 2, &[1, 2]);
    mem[16] = 1;
    mem[17] = 7;
    assert!(err_mem(&V::List(b(V::Bool)), &mem, 0).contains("invalid boolean value 7"));
}

#[test]
fn bad_scalars() {
    let mut mem = [0u8; 8];
    mem[0] = 2;
    assert!(err_mem(&V::Bool, &mem, 0).contains("invalid boolean value 2"));
    // Flat, any nonzero i32 is `true`.
    let mut cx = TestCx::new(StringEncoding::Utf8);
    assert_eq!(lift_from_flat(&mut cx, &V::Bool, &mut [2u64].into_iter()).unwrap(), Val::Bool(true));
    for bad in [0xD800u32, 0xDFFF, 0x11_0000, u32::MAX] {
        mem[0..4].copy_from_slice(&bad.to_le_bytes());
        assert!(err_mem(&V::Char, &mem, 0).contains("invalid `char` bit pattern"), "{bad:#x}");
        assert!(err_flat(&V::Char, &[u64::from(bad)], &[]).contains("invalid `char` bit pattern"), "{bad:#x}");
    }
}

#[test]
fn bad_discriminants() {
    let mut mem = [0u8; 16];
    mem[0] = 2;
    assert!(err_mem(&V::Option(b(V::U8)), &mem, 0).contains("invalid variant discriminant"));
    assert!(err_mem(&V::Result { ok: None, err: None }, &mem, 0).contains("invalid variant discriminant"));
    assert!(err_mem(&V::Enum(names(2)), &mem, 0).contains("invalid variant discriminant"));
    assert!(err_flat(&V::Enum(names(2)), &[2], &[]).contains("invalid variant discriminant"));
    assert!(err_flat(&V::Option(b(V::U8)), &[u64::from(u32::MAX), 0], &[]).contains("invalid variant discriminant"));
    mem[0..2].copy_from_slice(&300u16.to_le_bytes());
    assert!(err_mem(&V::Enum(names(300)), &mem, 0).contains("invalid variant discriminant"));
}

#[test]
fn flag_bits_beyond_the_count_are_ignored() {
    // As the spec's `unpack_flags_from_int` (and the reference tests) do.
    let lift = |t: &V, mem: &[u8]| lift_from_memory(&mut TestCx::with_mem(StringEncoding::Utf8, mem), t, 0).unwrap();
    let mut mem = [0u8; 8];
    mem[0] = 0b11;
    assert_eq!(lift(&V::Flags(names(1)), &mem), Val::Flags(vec![s("n0")]));
    mem[0..2].copy_from_slice(&0xFF11u16.to_le_bytes());
    assert_eq!(lift(&V::Flags(names(9)), &mem), Val::Flags(vec![s("n0"), s("n4"), s("n8")]));
    let mut cx = TestCx::new(StringEncoding::Utf8);
    let v = lift_from_flat(&mut cx, &V::Flags(names(9)), &mut [0xffff_ff11u64].into_iter()).unwrap();
    assert_eq!(v, Val::Flags(vec![s("n0"), s("n4"), s("n8")]));
    let v = lift_from_flat(&mut cx, &V::Flags(names(33)), &mut [0, 0xFFFF_FFFF].into_iter()).unwrap();
    assert_eq!(v, Val::Flags(vec![s("n32")]));
}

#[test]
fn too_few_flat_values() {
    assert!(err_flat(&V::Tuple(vec![V::U8, V::U8]), &[1], &[]).contains("too few"));
    let t = V::Variant(vec![(s("a"), Some(V::U64)), (s("b"), None)]);
    assert!(err_flat(&t, &[1], &[]).contains("too few"));
}

#[test]
fn lowering_errors() {
    let mut cx = TestCx::new(StringEncoding::Utf8);
    let e = lower_to_memory(&mut cx, &V::U32, &Val::S32(1), 0).unwrap_err();
    assert!(e.0.contains("expected u32, found s32"), "{e}");
    let t = V::Record(vec![(s("a"), V::U8)]);
    let e = lower_to_memory(&mut cx, &t, &Val::Record(vec![(s("a"), Val::U16(1))]), 0).unwrap_err();
    assert!(e.0.contains("in field `a`"), "{e}");
    let e = lower_to_memory(&mut cx, &V::U32, &Val::U32(1), 1).unwrap_err();
    assert!(e.0.contains("unaligned pointer"), "{e}");
}

#[test]
fn bad_realloc_results() {
    for enc in ENCODINGS {
        let mut cx = TestCx::new(enc);
        cx.realloc_answer = Some(Ok(1000));
        let e = lower_to_memory(&mut cx, &V::String, &Val::String(s("x")), 0).unwrap_err();
        assert!(e.0.contains("realloc return: beyond end of memory"), "{e}");
        // Even for an empty block.
        let e = lower_to_memory(&mut cx, &V::String, &Val::String(s("")), 0).unwrap_err();
        assert!(e.0.contains("realloc return: beyond end of memory"), "{e}");
    }
    let mut cx = TestCx::new(StringEncoding::Utf16);
    cx.realloc_answer = Some(Ok(17));
    let e = lower_to_memory(&mut cx, &V::String, &Val::String(s("x")), 0).unwrap_err();
    assert!(e.0.contains("realloc return: result not aligned"), "{e}");
    let mut cx = TestCx::new(StringEncoding::Utf8);
    cx.realloc_answer = Some(Ok(17));
    let e = lower_to_memory(&mut cx, &V::List(b(V::U32)), &Val::List(vec![Val::U32(1)]), 0).unwrap_err();
    assert!(e.0.contains("result not aligned"), "{e}");
    // -1 for a list of u32: the alignment is checked before the bounds.
    cx.realloc_answer = Some(Ok(u32::MAX));
    let e = lower_to_memory(&mut cx, &V::List(b(V::U32)), &Val::List(vec![Val::U32(1)]), 0).unwrap_err();
    assert!(e.0.contains("result not aligned"), "{e}");
    cx.realloc_answer = Some(Err(LiftError::new("realloc trapped")));
    let e = lower_to_flat(&mut cx, &V::String, &Val::String(s("x")), &mut Vec::new()).unwrap_err();
    assert_eq!(e.0, "realloc trapped");
}

#[test]
fn resources_through_the_handle_table() {
    let own = V::Own(ResourceId(0));
    let borrow = V::Borrow(ResourceId(0));
    let mut cx = TestCx::new(StringEncoding::Utf8);
    let mut out = Vec::new();
    lower_to_flat(&mut cx, &own, &Val::Resource(host_resource(42, true)), &mut out).unwrap();
    assert_eq!(out, [1]);
    // A borrow may be lent an owned handle; the guest sees a borrow.
    lower_to_flat(&mut cx, &borrow, &Val::Resource(host_resource(43, true)), &mut out).unwrap();
    assert_eq!(out, [1, 2]);
    assert_eq!(cx.handles[2], Some(host_resource(43, false)));
    // An own cannot be made of a borrowed handle.
    let e = lower_to_flat(&mut cx, &own, &Val::Resource(host_resource(44, false)), &mut out).unwrap_err();
    assert!(e.0.contains("borrowed"), "{e}");

    // Lifting an own takes it out of the table; again, it is dead.
    let v = lift_from_flat(&mut cx, &own, &mut [1u64].into_iter()).unwrap();
    assert_eq!(v, Val::Resource(host_resource(42, true)));
    let e = lift_from_flat(&mut cx, &own, &mut [1u64].into_iter()).unwrap_err();
    assert!(e.0.contains("unknown handle index 1"), "{e}");
    // In memory, through a record.
    let t = V::Record(vec![(s("r"), borrow.clone()), (s("x"), V::U8)]);
    let v = Val::Record(vec![(s("r"), Val::Resource(host_resource(5, false))), (s("x"), Val::U8(1))]);
    lower_to_memory(&mut cx, &t, &v, 8).unwrap();
    assert_eq!(lift_from_memory(&mut cx, &t, 8).unwrap(), v);
}

#[test]
fn type_check_names_the_mismatch() {
    let t = V::List(b(V::Option(b(V::Char))));
    let v = Val::List(vec![Val::Option(None), Val::Option(Some(Box::new(Val::U8(1))))]);
    assert_eq!(v.type_check(&t).unwrap_err(), "in element 1: in `some`: expected char, found u8");
    assert!(Val::Enum(s("zz")).type_check(&V::Enum(names(2))).unwrap_err().contains("zz"));
    assert!(Val::Flags(vec![s("q")]).type_check(&V::Flags(names(2))).unwrap_err().contains("q"));
    assert!(Val::List(vec![]).type_check(&V::FixedList(b(V::U8), 2)).is_err());
    assert!(Val::Resource(host_resource(1, false)).type_check(&V::Own(ResourceId(0))).is_err());
}

#[test]
fn unsupported_handles() {
    let mem = [0u8; 8];
    assert!(err_mem(&V::ErrorContext, &mem, 0).contains("not supported"));
    assert!(err_flat(&V::Stream(None), &[0], &mem).contains("not supported"));
}

#[test]
fn zero_sized_elements_are_bounded() {
    let empty = V::Record(vec![]);
    assert!(err_mem(&V::List(b(empty.clone())), &with_pair(16, u32::MAX, b""), 0).contains("zero-sized"));
    assert!(err_flat(&V::FixedList(b(empty), u32::MAX), &[], &[0u8; 8]).contains("zero-sized"));
}

// ---------------------------------------------------------------------------
// Parameters and results of whole functions.

fn u32s(n: u32) -> (Vec<V>, Vec<Val>) {
    ((0..n).map(|_| V::U32).collect(), (0..n).map(|i| Val::U32(i * 10)).collect())
}

#[test]
fn sixteen_params_are_flat() {
    let (params, args) = u32s(16);
    let mut cx = TestCx::new(StringEncoding::Utf8);
    let mut flat = Vec::new();
    lower_args(&mut cx, &params, &args, &mut flat).unwrap();
    assert_eq!(flat, (0..16).map(|i| i * 10).collect::<Vec<u64>>());
    assert!(cx.reallocs.is_empty());
    assert_eq!(lift_args(&mut cx, &params, &flat).unwrap(), args);
}

#[test]
fn seventeen_params_go_through_memory() {
    let (mut params, mut args) = u32s(16);
    params.push(V::String);
    args.push(Val::String(s("héllo")));
    for enc in ENCODINGS {
        let mut cx = TestCx::new(enc);
        let mut flat = Vec::new();
        lower_args(&mut cx, &params, &args, &mut flat).unwrap();
        assert_eq!(flat.len(), 1);
        // The tuple's block: 16 u32s then a (ptr, len) pair, align 4.
        assert_eq!(cx.reallocs[0], (0, 0, 4, 72));
        let ptr = flat[0] as usize;
        assert_eq!(&cx.mem[ptr + 4..ptr + 8], &10u32.to_le_bytes());
        assert_eq!(lift_args(&mut cx, &params, &flat).unwrap(), args, "{enc:?}");
    }
    // A misaligned or out-of-bounds parameter block from the guest.
    let mut cx = TestCx::new(StringEncoding::Utf8);
    assert!(lift_args(&mut cx, &params, &[2]).unwrap_err().0.contains("unaligned pointer"));
    assert!(lift_args(&mut cx, &params, &[252]).unwrap_err().0.contains("out of bounds"));
    assert!(lift_args(&mut cx, &params, &[8, 8]).unwrap_err().0.contains("expected 1 core argument"));
}

#[test]
fn argument_counts_and_types_are_checked() {
    let (params, args) = u32s(2);
    let mut cx = TestCx::new(StringEncoding::Utf8);
    let mut flat = Vec::new();
    assert!(lower_args(&mut cx, &params, &args[..1], &mut flat).unwrap_err().0.contains("expected 2 arguments"));
    let bad = [Val::U32(1), Val::S32(2)];
    let e = lower_args(&mut cx, &params, &bad, &mut flat).unwrap_err().0;
    assert!(e.contains("argument 1") && e.contains("expected u32, found s32"), "{e}");
    assert!(flat.is_empty());
    assert!(lift_args(&mut cx, &params, &[1]).unwrap_err().0.contains("expected 2 core arguments"));
    assert!(lift_args(&mut cx, &[], &[]).unwrap().is_empty());
}

#[test]
fn results_flat_and_through_memory() {
    let mut cx = TestCx::new(StringEncoding::Utf8);
    // One flat value.
    assert_eq!(lift_results(&mut cx, Some(&V::U32), &[7]).unwrap(), Some(Val::U32(7)));
    assert_eq!(lift_results(&mut cx, None, &[]).unwrap(), None);
    assert!(lift_results(&mut cx, None, &[1]).is_err());
    assert!(lift_results(&mut cx, Some(&V::U32), &[]).is_err());
    // A string is two flat values: returned through memory.
    let v = Val::String(s("résultat"));
    lower_to_memory(&mut cx, &V::String, &v, 8).unwrap();
    assert_eq!(lift_results(&mut cx, Some(&V::String), &[8]).unwrap(), Some(v));
    assert!(lift_results(&mut cx, Some(&V::String), &[6]).unwrap_err().0.contains("unaligned pointer"));
    assert!(lift_results(&mut cx, Some(&V::String), &[u64::from(u32::MAX - 3)])
        .unwrap_err()
        .0
        .contains("out of bounds"));
}

#[test]
fn host_results_to_the_guest() {
    let mut cx = TestCx::new(StringEncoding::Utf16);
    let mut out = Vec::new();
    lower_results(&mut cx, Some(&V::U64), Some(&Val::U64(5)), &[1, 2], &mut out).unwrap();
    assert_eq!(out, [5]);
    lower_results(&mut cx, None, None, &[], &mut out).unwrap();
    assert_eq!(out, [5]);
    assert!(lower_results(&mut cx, None, Some(&Val::U8(1)), &[], &mut out).is_err());
    assert!(lower_results(&mut cx, Some(&V::U8), None, &[], &mut out).is_err());
    assert!(lower_results(&mut cx, Some(&V::U8), Some(&Val::U16(1)), &[], &mut out).is_err());

    // Through the return pointer, the last core argument.
    let t = V::Tuple(vec![V::String, V::U8]);
    let v = Val::Tuple(vec![Val::String(s("ok€")), Val::U8(3)]);
    let mut out = Vec::new();
    lower_results(&mut cx, Some(&t), Some(&v), &[99, 16], &mut out).unwrap();
    assert!(out.is_empty());
    assert_eq!(lift_from_memory(&mut cx, &t, 16).unwrap(), v);
    let e = lower_results(&mut cx, Some(&t), Some(&v), &[18], &mut out).unwrap_err();
    assert!(e.0.contains("unaligned pointer"), "{e}");
    let e = lower_results(&mut cx, Some(&t), Some(&v), &[u64::from(u32::MAX - 3)], &mut out).unwrap_err();
    assert!(e.0.contains("out of bounds"), "{e}");
    let e = lower_results(&mut cx, Some(&t), Some(&v), &[], &mut out).unwrap_err();
    assert!(e.0.contains("return pointer"), "{e}");
}
