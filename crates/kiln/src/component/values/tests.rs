use super::*;
use crate::component::types::{ResourceId, ValueType as V};

fn b(t: V) -> Box<V> {
    Box::new(t)
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("n{i}")).collect()
}

fn s(x: &str) -> String {
    x.to_string()
}

/// A bump allocator over `mem` from byte 256 on, honouring alignment, as a
/// guest's `realloc` would be.
fn bump() -> impl FnMut(u32, u32, u32, u32) -> Result<u32, LiftError> {
    let mut next = 256u32;
    move |old_ptr, old_size, align, size| {
        assert_eq!((old_ptr, old_size), (0, 0), "lowering only allocates fresh blocks");
        let p = next.next_multiple_of(align);
        next = p + size;
        Ok(p)
    }
}

/// Lowers `v` to memory at 8 and lifts it back; also through flat values.
fn round_trip(t: &V, v: Val) {
    let mut mem = vec![0u8; 4096];
    let mut realloc = bump();
    lower_to_memory(t, &v, &mut mem, 8, &mut realloc).unwrap();
    assert_eq!(lift_from_memory(t, &mem, 8).unwrap(), v, "memory round trip of {t:?}");

    let mut mem = vec![0u8; 4096];
    let mut out = Vec::new();
    let mut realloc = bump();
    lower_to_flat(t, &v, &mut out, &mut mem, &mut realloc).unwrap();
    let mut types = Vec::new();
    abi::flatten(t, &mut types, usize::MAX).unwrap();
    assert_eq!(out.len(), types.len(), "flat count of {t:?}");
    let mut it = out.into_iter();
    assert_eq!(lift_from_flat(t, &mut it, &mem).unwrap(), v, "flat round trip of {t:?}");
    assert_eq!(it.next(), None, "flat values left over for {t:?}");
}

fn err_mem(t: &V, mem: &[u8], offset: u32) -> String {
    lift_from_memory(t, mem, offset).unwrap_err().0
}

fn err_flat(t: &V, flat: &[u64], mem: &[u8]) -> String {
    lift_from_flat(t, &mut flat.iter().copied(), mem).unwrap_err().0
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
    round_trip(&V::Own(ResourceId(0)), Val::Resource(7));
    round_trip(&V::Borrow(ResourceId(1)), Val::Resource(3));
}

#[test]
fn strings_round_trip() {
    round_trip(&V::String, Val::String(s("")));
    round_trip(&V::String, Val::String(s("hello")));
    round_trip(&V::String, Val::String(s("héllo wörld ✓ 🦀")));
}

#[test]
fn string_bytes_in_memory() {
    let mut mem = vec![0u8; 512];
    lower_to_memory(&V::String, &Val::String(s("ñ")), &mut mem, 0, &mut bump()).unwrap();
    assert_eq!(&mem[0..8], &[0, 1, 0, 0, 2, 0, 0, 0]);
    assert_eq!(&mem[256..258], "ñ".as_bytes());
}

#[test]
fn records_with_padding() {
    // u8 at 0, u32 at 4, u16 at 8, u64 at 16: size 24.
    let t = V::Record(vec![(s("a"), V::U8), (s("b"), V::U32), (s("c"), V::U16), (s("d"), V::U64)]);
    let v =
        Val::Record(vec![(s("a"), Val::U8(1)), (s("b"), Val::U32(2)), (s("c"), Val::U16(3)), (s("d"), Val::U64(4))]);
    round_trip(&t, v.clone());
    let mut mem = vec![0xAAu8; 512];
    lower_to_memory(&t, &v, &mut mem, 0, &mut bump()).unwrap();
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
    round_trip(&t, Val::List(vec![item("a", 1), item("ßß", 2), item("", 3)]));
    round_trip(&t, Val::List(vec![]));
    round_trip(
        &V::List(b(V::List(b(V::U8)))),
        Val::List(vec![Val::List(vec![Val::U8(1), Val::U8(2)]), Val::List(vec![])]),
    );
    round_trip(&V::FixedList(b(V::U16), 3), Val::List(vec![Val::U16(1), Val::U16(2), Val::U16(3)]));
    round_trip(&V::Map(b(V::String), b(V::U32)), Val::List(vec![Val::Tuple(vec![Val::String(s("k")), Val::U32(9)])]));
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
    round_trip(&t, Val::Variant(s("c"), Some(Box::new(Val::String(s("x🦀"))))));
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
    for n in [1, 9, 33] {
        let t = V::Flags(names(n));
        round_trip(&t, Val::Flags(vec![]));
        round_trip(&t, Val::Flags(names(n)));
        let mut ends = vec![s("n0"), format!("n{}", n - 1)];
        ends.dedup();
        round_trip(&t, Val::Flags(ends));
    }
    // 33 flags: two u32 words; flag 32 is bit 0 of the second.
    let mut mem = vec![0u8; 64];
    lower_to_memory(&V::Flags(names(33)), &Val::Flags(vec![s("n32")]), &mut mem, 0, &mut bump()).unwrap();
    assert_eq!(&mem[0..8], &[0, 0, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn nan_is_canonicalised() {
    let mut mem = vec![0u8; 8];
    mem[0..4].copy_from_slice(&0x7fc0_1234u32.to_le_bytes());
    let Val::Float32(f) = lift_from_memory(&V::F32, &mem, 0).unwrap() else { panic!() };
    assert_eq!(f.to_bits(), 0x7fc0_0000);
}

#[test]
fn bad_top_level_pointer() {
    let mem = [0u8; 16];
    assert!(err_mem(&V::U32, &mem, 2).contains("not aligned"));
    assert!(err_mem(&V::U32, &mem, 16).contains("out of bounds"));
    assert!(err_mem(&V::U64, &mem, u32::MAX - 7).contains("out of bounds"));
}

/// Memory with a `(ptr, len)` pair at 0 and `data` at 16.
fn with_pair(ptr: u32, len: u32, data: &[u8]) -> Vec<u8> {
    let mut mem = vec![0u8; 64];
    mem[0..4].copy_from_slice(&ptr.to_le_bytes());
    mem[4..8].copy_from_slice(&len.to_le_bytes());
    mem[16..16 + data.len()].copy_from_slice(data);
    mem
}

#[test]
fn bad_strings() {
    assert!(err_mem(&V::String, &with_pair(16, 2, &[0xC3, 0x28]), 0).contains("UTF-8"));
    assert!(err_mem(&V::String, &with_pair(60, 5, b""), 0).contains("out of bounds"));
    assert!(err_mem(&V::String, &with_pair(u32::MAX, u32::MAX, b""), 0).contains("out of bounds"));
    assert!(err_flat(&V::String, &[16, 2], &with_pair(0, 0, &[0xED, 0xA0])).contains("UTF-8"));
    // Strings have alignment 1: an odd pointer is fine.
    let mem = with_pair(17, 2, b"xhi");
    assert_eq!(lift_from_memory(&V::String, &mem, 0).unwrap(), Val::String(s("hi")));
}

#[test]
fn bad_lists() {
    let t = V::List(b(V::U32));
    assert!(err_mem(&t, &with_pair(18, 1, b""), 0).contains("not aligned"));
    assert!(err_mem(&t, &with_pair(16, 100, b""), 0).contains("out of bounds"));
    // 2^31 elements of 4 bytes: over 4 GiB, refused before any allocation.
    assert!(err_mem(&t, &with_pair(16, 1 << 31, b""), 0).contains("overflows"));
    assert!(err_mem(&V::List(b(V::U8)), &with_pair(16, u32::MAX, b""), 0).contains("out of bounds"));
    assert!(err_flat(&t, &[17, 1], &[0u8; 64]).contains("not aligned"));
}

#[test]
fn bad_scalars() {
    let mut mem = [0u8; 8];
    mem[0] = 2;
    assert!(err_mem(&V::Bool, &mem, 0).contains("bool"));
    for bad in [0xD800u32, 0xDFFF, 0x11_0000, u32::MAX] {
        mem[0..4].copy_from_slice(&bad.to_le_bytes());
        assert!(err_mem(&V::Char, &mem, 0).contains("char"), "{bad:#x}");
        assert!(err_flat(&V::Char, &[u64::from(bad)], &[]).contains("char"), "{bad:#x}");
    }
}

#[test]
fn bad_discriminants() {
    let mut mem = [0u8; 16];
    mem[0] = 2;
    assert!(err_mem(&V::Option(b(V::U8)), &mem, 0).contains("discriminant"));
    assert!(err_mem(&V::Result { ok: None, err: None }, &mem, 0).contains("discriminant"));
    assert!(err_mem(&V::Enum(names(2)), &mem, 0).contains("discriminant"));
    assert!(err_flat(&V::Enum(names(2)), &[2], &[]).contains("discriminant"));
    mem[0..2].copy_from_slice(&300u16.to_le_bytes());
    assert!(err_mem(&V::Enum(names(300)), &mem, 0).contains("discriminant"));
}

#[test]
fn bad_flags() {
    let mut mem = [0u8; 8];
    mem[0] = 0b10;
    assert!(err_mem(&V::Flags(names(1)), &mem, 0).contains("flags bit 1"));
    mem[0..2].copy_from_slice(&(1u16 << 9).to_le_bytes());
    assert!(err_mem(&V::Flags(names(9)), &mem, 0).contains("flags bit 9"));
    mem[0..8].copy_from_slice(&[0, 0, 0, 0, 2, 0, 0, 0]);
    assert!(err_mem(&V::Flags(names(33)), &mem, 0).contains("flags bit 33"));
    assert!(err_flat(&V::Flags(names(33)), &[0, 2], &[]).contains("flags bit 33"));
}

#[test]
fn too_few_flat_values() {
    assert!(err_flat(&V::Tuple(vec![V::U8, V::U8]), &[1], &[]).contains("too few"));
    let t = V::Variant(vec![(s("a"), Some(V::U64)), (s("b"), None)]);
    assert!(err_flat(&t, &[1], &[]).contains("too few"));
}

#[test]
fn lowering_errors() {
    let mut mem = vec![0u8; 64];
    let e = lower_to_memory(&V::U32, &Val::S32(1), &mut mem, 0, &mut bump()).unwrap_err();
    assert!(e.0.contains("expected u32, found s32"), "{e}");
    let t = V::Record(vec![(s("a"), V::U8)]);
    let e = lower_to_memory(&t, &Val::Record(vec![(s("a"), Val::U16(1))]), &mut mem, 0, &mut bump()).unwrap_err();
    assert!(e.0.contains("in field `a`"), "{e}");
    let e = lower_to_memory(&V::U32, &Val::U32(1), &mut mem, 1, &mut bump()).unwrap_err();
    assert!(e.0.contains("not aligned"), "{e}");
    // realloc returning an out-of-bounds or misaligned block.
    let mut far = |_, _, _, _| Ok(1000);
    let e = lower_to_memory(&V::String, &Val::String(s("x")), &mut mem, 0, &mut far).unwrap_err();
    assert!(e.0.contains("out of bounds"), "{e}");
    let mut odd = |_, _, _, _| Ok(17);
    let e = lower_to_memory(&V::List(b(V::U32)), &Val::List(vec![Val::U32(1)]), &mut mem, 0, &mut odd).unwrap_err();
    assert!(e.0.contains("not aligned"), "{e}");
    let mut fail = |_, _, _, _| Err(LiftError::new("realloc trapped"));
    let e = lower_to_flat(&V::String, &Val::String(s("x")), &mut Vec::new(), &mut mem, &mut fail).unwrap_err();
    assert_eq!(e.0, "realloc trapped");
}

#[test]
fn type_check_names_the_mismatch() {
    let t = V::List(b(V::Option(b(V::Char))));
    let v = Val::List(vec![Val::Option(None), Val::Option(Some(Box::new(Val::U8(1))))]);
    assert_eq!(v.type_check(&t).unwrap_err(), "in element 1: in `some`: expected char, found u8");
    assert!(Val::Enum(s("zz")).type_check(&V::Enum(names(2))).unwrap_err().contains("zz"));
    assert!(Val::Flags(vec![s("q")]).type_check(&V::Flags(names(2))).unwrap_err().contains("q"));
    assert!(Val::List(vec![]).type_check(&V::FixedList(b(V::U8), 2)).is_err());
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
