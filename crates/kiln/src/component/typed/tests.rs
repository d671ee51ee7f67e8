use std::fmt::Debug;

use super::*;
use crate::component::cx::StringEncoding;
use crate::component::resources::ResourceType;
use crate::component::types::{ResourceId, ValueType as V};
use crate::component::values::func::{lift_args, lower_args};
use crate::component::values::tests::{TestCx, ENCODINGS};

fn b(t: V) -> Box<V> {
    Box::new(t)
}

fn s(x: &str) -> String {
    x.to_string()
}

fn bx(v: Val) -> Option<Box<Val>> {
    Some(Box::new(v))
}

/// Lowers `v` as `ty` through the typed API and `dynv` through the dynamic
/// one, in every encoding, flat and to memory, and checks that both give
/// the same core values, memory and `realloc` calls; then lifts both back.
fn same<T: Lift + Lower + PartialEq + Debug>(ty: &V, v: T, dynv: Val) {
    T::typecheck(ty).unwrap();
    dynv.type_check(ty).unwrap();
    for enc in ENCODINGS {
        // Flat.
        let (mut typed, mut dynamic) = (TestCx::new(enc), TestCx::new(enc));
        let (mut out_t, mut out_d) = (Vec::new(), Vec::new());
        v.lower_flat(&mut typed, ty, &mut out_t).unwrap();
        values::lower_to_flat(&mut dynamic, ty, &dynv, &mut out_d).unwrap();
        assert_eq!(out_t, out_d, "flat values of {v:?} as {ty:?} in {enc:?}");
        assert_eq!(typed.mem, dynamic.mem, "memory of {v:?} as {ty:?} in {enc:?}");
        assert_eq!(typed.reallocs, dynamic.reallocs, "reallocs of {v:?} in {enc:?}");
        let mut flat = out_t.iter().copied();
        assert_eq!(T::lift_flat(&mut typed, ty, &mut flat).unwrap(), v, "typed flat round trip in {enc:?}");
        assert_eq!(flat.len(), 0, "flat values left over");
        let lifted = values::lift_from_flat(&mut dynamic, ty, &mut out_d.iter().copied()).unwrap();
        assert_eq!(lifted, dynv, "dynamic flat round trip in {enc:?}");

        // Memory, at 8.
        let (mut typed, mut dynamic) = (TestCx::new(enc), TestCx::new(enc));
        v.store(&mut typed, ty, 8).unwrap();
        values::lower_to_memory(&mut dynamic, ty, &dynv, 8).unwrap();
        assert_eq!(typed.mem, dynamic.mem, "stored {v:?} as {ty:?} in {enc:?}");
        assert_eq!(T::load(&mut typed, ty, 8).unwrap(), v, "typed memory round trip in {enc:?}");
        // And across: what the dynamic API stored, the typed API reads.
        assert_eq!(T::load(&mut dynamic, ty, 8).unwrap(), v);
    }
}

#[test]
fn scalars_match_the_dynamic_api() {
    same(&V::Bool, true, Val::Bool(true));
    same(&V::Bool, false, Val::Bool(false));
    same(&V::U8, 250u8, Val::U8(250));
    same(&V::S8, -5i8, Val::S8(-5));
    same(&V::U16, 65000u16, Val::U16(65000));
    same(&V::S16, -30000i16, Val::S16(-30000));
    same(&V::U32, u32::MAX, Val::U32(u32::MAX));
    same(&V::S32, i32::MIN, Val::S32(i32::MIN));
    same(&V::U64, u64::MAX, Val::U64(u64::MAX));
    same(&V::S64, i64::MIN, Val::S64(i64::MIN));
    same(&V::F32, -1.5f32, Val::Float32(-1.5));
    same(&V::F64, 1e300f64, Val::Float64(1e300));
    same(&V::Char, '🦀', Val::Char('🦀'));
}

#[test]
fn strings_and_lists_match_the_dynamic_api() {
    for x in ["", "ascii", "héllo", "abcé€xyz", "🦀🦀", "ÿ"] {
        same(&V::String, s(x), Val::String(s(x)));
    }
    same(&V::List(b(V::U8)), vec![1u8, 2, 255], Val::List(vec![Val::U8(1), Val::U8(2), Val::U8(255)]));
    same(&V::List(b(V::U8)), Vec::<u8>::new(), Val::List(vec![]));
    same(&V::List(b(V::U32)), vec![7u32, 8], Val::List(vec![Val::U32(7), Val::U32(8)]));
    same(&V::List(b(V::String)), vec![s("a"), s("€")], Val::List(vec![Val::String(s("a")), Val::String(s("€"))]));
    same(
        &V::List(b(V::List(b(V::U8)))),
        vec![vec![1u8], vec![]],
        Val::List(vec![Val::List(vec![Val::U8(1)]), Val::List(vec![])]),
    );
    // A map is a list of pairs.
    same(
        &V::Map(b(V::String), b(V::U32)),
        vec![(s("k"), 9u32)],
        Val::List(vec![Val::Tuple(vec![Val::String(s("k")), Val::U32(9)])]),
    );
}

#[test]
fn options_results_tuples_match_the_dynamic_api() {
    let o = V::Option(b(V::Option(b(V::U32))));
    same(&o, None::<Option<u32>>, Val::Option(None));
    same(&o, Some(None::<u32>), Val::Option(bx(Val::Option(None))));
    same(&o, Some(Some(5u32)), Val::Option(bx(Val::Option(bx(Val::U32(5))))));
    // Joined slots: `option<f64>` inside `result<u8, f32>`-like shapes.
    let r = V::Result { ok: Some(b(V::String)), err: Some(b(V::F32)) };
    same(&r, Ok::<String, f32>(s("ok")), Val::Result(Ok(bx(Val::String(s("ok"))))));
    same(&r, Err::<String, f32>(2.0), Val::Result(Err(bx(Val::Float32(2.0)))));
    let r = V::Result { ok: Some(b(V::U64)), err: Some(b(V::F32)) };
    same(&r, Err::<u64, f32>(-0.5), Val::Result(Err(bx(Val::Float32(-0.5)))));
    // `()` for a side without payload.
    let r = V::Result { ok: None, err: Some(b(V::String)) };
    same(&r, Ok::<(), String>(()), Val::Result(Ok(None)));
    same(&r, Err::<(), String>(s("bad")), Val::Result(Err(bx(Val::String(s("bad"))))));
    let r = V::Result { ok: None, err: None };
    same(&r, Err::<(), ()>(()), Val::Result(Err(None)));
    let t = V::Tuple(vec![V::U8, V::String, V::F64, V::Option(b(V::Char))]);
    same(
        &t,
        (1u8, s("x"), 2.5f64, Some('y')),
        Val::Tuple(vec![Val::U8(1), Val::String(s("x")), Val::Float64(2.5), Val::Option(bx(Val::Char('y')))]),
    );
    let twelve = V::Tuple(vec![V::U8; 12]);
    same(
        &twelve,
        (1u8, 2u8, 3u8, 4u8, 5u8, 6u8, 7u8, 8u8, 9u8, 10u8, 11u8, 12u8),
        Val::Tuple((1..=12).map(Val::U8).collect()),
    );
    // `Val` inside a typed value.
    same(&V::Option(b(V::U16)), Some(Val::U16(3)), Val::Option(bx(Val::U16(3))));
}

#[test]
fn typecheck_names_the_mismatch() {
    assert_eq!(u32::typecheck(&V::S32).unwrap_err(), "expected s32, found `u32`");
    assert!(Vec::<u8>::typecheck(&V::List(b(V::U8))).is_ok());
    assert_eq!(Vec::<u8>::typecheck(&V::List(b(V::U16))).unwrap_err(), "in list element: expected u16, found `u8`");
    assert!(<[u8]>::typecheck(&V::List(b(V::U8))).is_ok());
    assert!(<&str>::typecheck(&V::String).is_ok());
    assert!(
        Option::<Result<(), String>>::typecheck(&V::Option(b(V::Result { ok: None, err: Some(b(V::String)) }))).is_ok()
    );
    // `()` is no payload; a type is not.
    let e = Result::<u32, u32>::typecheck(&V::Result { ok: Some(b(V::U32)), err: None }).unwrap_err();
    assert_eq!(e, "in `error`: expected no payload, found `u32`");
    let e = Result::<(), u32>::typecheck(&V::Result { ok: Some(b(V::U32)), err: Some(b(V::U32)) }).unwrap_err();
    assert!(e.starts_with("in `ok`: expected u32"), "{e}");
    assert!(<(u8, u8)>::typecheck(&V::Tuple(vec![V::U8])).unwrap_err().contains("expected 1 elements"));
    assert_eq!(
        <(u8, u16)>::typecheck(&V::Tuple(vec![V::U8, V::U8])).unwrap_err(),
        "in element 1: expected u8, found `u16`"
    );
    assert!(Resource::<u8>::typecheck(&V::Own(ResourceId(0))).is_ok());
    assert!(Resource::<u8>::typecheck(&V::U32).is_err());
    assert!(Val::typecheck(&V::Flags(vec![])).is_ok());

    assert!(typecheck_params::<(u32, String)>(&[V::U32, V::String]).is_ok());
    assert!(typecheck_params::<()>(&[]).is_ok());
    assert!(typecheck_params::<(u32,)>(&[V::U32, V::U32]).is_err());
    assert!(typecheck_params::<()>(&[V::U32]).is_err());
    assert!(typecheck_results::<()>(None).is_ok());
    assert!(typecheck_results::<(u32,)>(Some(&V::U32)).is_ok());
    assert!(typecheck_results::<()>(Some(&V::U32)).is_err());
    assert!(typecheck_results::<(u32,)>(None).is_err());
}

#[test]
fn unchecked_types_are_errors_not_misreads() {
    let mut cx = TestCx::new(StringEncoding::Utf8);
    let e = u32::lift_flat(&mut cx, &V::S32, &mut [1u64].iter().copied()).unwrap_err();
    assert!(e.0.contains("expected s32, found `u32`"), "{e}");
    assert!(String::load(&mut cx, &V::U32, 0).is_err());
    assert!(Vec::<u8>::lift_flat(&mut cx, &V::String, &mut [0u64, 0].iter().copied()).is_err());
    assert!(5u8.lower_flat(&mut cx, &V::U16, &mut Vec::new()).is_err());
    assert!(vec![1u8].store(&mut cx, &V::List(b(V::U16)), 0).is_err());
    assert!(Ok::<u32, ()>(1).lower_flat(&mut cx, &V::Result { ok: None, err: None }, &mut Vec::new()).is_err());
    assert!(Val::U8(1).store(&mut cx, &V::U16, 0).is_err());
}

#[test]
fn byte_lists_are_copied_in_bulk() {
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7) as u8).collect();
    let mut cx = TestCx::new(StringEncoding::Utf8);
    let mut out = Vec::new();
    bytes.as_slice().lower_flat(&mut cx, &V::List(b(V::U8)), &mut out).unwrap();
    assert_eq!(cx.reallocs, [(0, 0, 1, 100_000)]);
    let (ptr, len) = (out[0] as usize, out[1] as usize);
    assert_eq!(&cx.mem[ptr..ptr + len], bytes.as_slice());
    let back = Vec::<u8>::lift_flat(&mut cx, &V::List(b(V::U8)), &mut out.iter().copied()).unwrap();
    assert_eq!(back, bytes);
    // Out of bounds from the guest: an error before anything is copied.
    let e = Vec::<u8>::lift_flat(&mut cx, &V::List(b(V::U8)), &mut [16u64, u64::from(u32::MAX)].iter().copied());
    assert!(e.unwrap_err().0.contains("out of bounds"));
}

#[test]
fn bad_guest_values() {
    let mut mem = vec![0u8; 64];
    mem[0] = 2;
    let mut cx = TestCx::with_mem(StringEncoding::Utf8, &mem);
    assert!(bool::load(&mut cx, &V::Bool, 0).unwrap_err().0.contains("invalid boolean value 2"));
    assert!(bool::lift_flat(&mut cx, &V::Bool, &mut [2u64].iter().copied()).unwrap());
    for bad in [0xD800u64, 0x11_0000] {
        let e = char::lift_flat(&mut cx, &V::Char, &mut [bad].iter().copied()).unwrap_err();
        assert!(e.0.contains("invalid `char` bit pattern"), "{e}");
    }
    let o = V::Option(b(V::U8));
    assert!(Option::<u8>::load(&mut cx, &o, 0).unwrap_err().0.contains("invalid variant discriminant"));
    assert!(Option::<u8>::lift_flat(&mut cx, &o, &mut [2u64, 0].iter().copied())
        .unwrap_err()
        .0
        .contains("invalid variant discriminant"));
    let r = V::Result { ok: None, err: None };
    assert!(Result::<(), ()>::load(&mut cx, &r, 0).unwrap_err().0.contains("invalid variant discriminant"));
    // Strings and lists with bad pointers or contents.
    mem[16] = 0xFF;
    let mut cx = TestCx::with_mem(StringEncoding::Utf8, &mem);
    let e = String::lift_flat(&mut cx, &V::String, &mut [16u64, 1].iter().copied()).unwrap_err();
    assert!(e.0.contains("invalid utf-8"), "{e}");
    let mut cx = TestCx::with_mem(StringEncoding::Utf16, &mem);
    let e = String::lift_flat(&mut cx, &V::String, &mut [17u64, 0].iter().copied()).unwrap_err();
    assert!(e.0.contains("unaligned pointer"), "{e}");
    let e = Vec::<u32>::lift_flat(&mut cx, &V::List(b(V::U32)), &mut [2u64, 1].iter().copied()).unwrap_err();
    assert!(e.0.contains("unaligned pointer"), "{e}");
    let e = String::lift_flat(&mut cx, &V::String, &mut [16u64].iter().copied()).unwrap_err();
    assert!(e.0.contains("too few"), "{e}");
}

struct Thing;
struct Other;

#[test]
fn resources() {
    let own = V::Own(ResourceId(0));
    let borrow = V::Borrow(ResourceId(0));
    let mut cx = TestCx::new(StringEncoding::Utf8);
    let mut out = Vec::new();
    Resource::<Thing>::new_own(42).lower_flat(&mut cx, &own, &mut out).unwrap();
    Resource::<Thing>::new_own(43).lower_flat(&mut cx, &borrow, &mut out).unwrap();
    assert_eq!(out, [1, 2]);
    let e = Resource::<Thing>::new_borrow(44).lower_flat(&mut cx, &own, &mut out).unwrap_err();
    assert!(e.0.contains("borrowed"), "{e}");

    let r = Resource::<Thing>::lift_flat(&mut cx, &own, &mut [1u64].iter().copied()).unwrap();
    assert_eq!((r.rep(), r.owned()), (42, true));
    let r = Resource::<Thing>::lift_flat(&mut cx, &borrow, &mut [2u64].iter().copied()).unwrap();
    assert_eq!((r.rep(), r.owned()), (43, false));
    // A handle of another type, and a dead one.
    let e = Resource::<Other>::lift_flat(&mut cx, &borrow, &mut [2u64].iter().copied()).unwrap_err();
    assert!(e.0.contains("another type"), "{e}");
    let e = Resource::<Thing>::lift_flat(&mut cx, &own, &mut [1u64].iter().copied()).unwrap_err();
    assert!(e.0.contains("unknown handle index 1"), "{e}");

    // `ResourceAny` and `Val::Resource` store the same.
    let any = ResourceAny { ty: ResourceType::host::<Thing>(), rep: 9, owned: true };
    same(&own, any, Val::Resource(any));
    let lent = ResourceAny { owned: false, ..any };
    same(&borrow, lent, Val::Resource(lent));
}

// ---------------------------------------------------------------------------
// Whole parameter lists and results.

type Nine<'a> = (u64, &'a str, &'a str, &'a str, &'a str, &'a str, &'a str, &'a str, &'a str);
type NineOwned = (u64, String, String, String, String, String, String, String, String);

#[test]
fn params_past_sixteen_flat_values_match_the_dynamic_api() {
    // A u64 and 8 strings: 17 flat values, so a tuple in memory.
    let mut params = vec![V::U64];
    params.extend(std::iter::repeat_n(V::String, 8));
    let words = ["a", "bé", "€", "🦀", "", "x", "yy", "zzz"];
    let args: Nine<'_> = (7, words[0], words[1], words[2], words[3], words[4], words[5], words[6], words[7]);
    let mut dyn_args = vec![Val::U64(7)];
    dyn_args.extend(words.iter().map(|w| Val::String(s(w))));
    typecheck_params::<Nine<'_>>(&params).unwrap();
    for enc in ENCODINGS {
        let (mut typed, mut dynamic) = (TestCx::new(enc), TestCx::new(enc));
        let (mut out_t, mut out_d) = (Vec::new(), Vec::new());
        lower_args_typed(&mut typed, &params, &args, &mut out_t).unwrap();
        lower_args(&mut dynamic, &params, &dyn_args, &mut out_d).unwrap();
        assert_eq!(out_t.len(), 1);
        assert_eq!((out_t.as_slice(), &typed.mem), (out_d.as_slice(), &dynamic.mem), "{enc:?}");
        assert_eq!(typed.reallocs, dynamic.reallocs);
        let back: NineOwned = lift_args_typed(&mut typed, &params, &out_t).unwrap();
        assert_eq!((back.0, back.2.as_str(), back.4.as_str(), back.8.as_str()), (7, "bé", "🦀", "zzz"));
        assert_eq!(lift_args(&mut typed, &params, &out_t).unwrap(), dyn_args);
        let e = lift_args_typed::<NineOwned>(&mut typed, &params, &[3]).unwrap_err();
        assert!(e.0.contains("unaligned pointer"), "{e}");
    }
}

#[test]
fn flat_params_and_results() {
    let params = [V::U32, V::String, V::Option(b(V::F64))];
    let mut cx = TestCx::new(StringEncoding::CompactUtf16);
    let mut out = Vec::new();
    lower_args_typed(&mut cx, &params, &(1u32, "é€", Some(0.5f64)), &mut out).unwrap();
    assert_eq!(out.len(), 5);
    let (a, b2, c): (u32, String, Option<f64>) = lift_args_typed(&mut cx, &params, &out).unwrap();
    assert_eq!((a, b2.as_str(), c), (1, "é€", Some(0.5)));
    assert!(lift_args_typed::<(u32, String, Option<f64>)>(&mut cx, &params, &out[..4]).is_err());
    assert!(lift_args_typed::<(u32, String)>(&mut cx, &params, &out).is_err());

    // No result, a flat result.
    let () = lift_results_typed(&mut cx, None, &[]).unwrap();
    assert!(lift_results_typed::<()>(&mut cx, None, &[1]).is_err());
    let (x,): (u16,) = lift_results_typed(&mut cx, Some(&V::U16), &[7]).unwrap();
    assert_eq!(x, 7);
    let mut out = Vec::new();
    lower_results_typed(&mut cx, Some(&V::S64), &(-1i64,), &[], &mut out).unwrap();
    assert_eq!(out, [u64::MAX]);
    lower_results_typed(&mut cx, None, &(), &[], &mut out).unwrap();
    assert_eq!(out.len(), 1);
}

#[test]
fn results_through_memory() {
    let t = V::Tuple(vec![V::String, V::U8]);
    for enc in ENCODINGS {
        let mut cx = TestCx::new(enc);
        let mut out = Vec::new();
        // A host import's result goes where the last core argument points.
        lower_results_typed(&mut cx, Some(&t), &((s("résumé"), 4u8),), &[1, 2, 16], &mut out).unwrap();
        assert!(out.is_empty());
        // A guest export's result is read from where its core result points.
        let ((text, n),): ((String, u8),) = lift_results_typed(&mut cx, Some(&t), &[16]).unwrap();
        assert_eq!((text.as_str(), n), ("résumé", 4));
        assert_eq!(
            values::func::lift_results(&mut cx, Some(&t), &[16]).unwrap(),
            Some(Val::Tuple(vec![Val::String(s("résumé")), Val::U8(4)]))
        );
        let e = lower_results_typed(&mut cx, Some(&t), &((s("x"), 1u8),), &[2], &mut out).unwrap_err();
        assert!(e.0.contains("unaligned pointer"), "{e}");
        let e = lower_results_typed(&mut cx, Some(&t), &((s("x"), 1u8),), &[], &mut out).unwrap_err();
        assert!(e.0.contains("return pointer"), "{e}");
        let e = lift_results_typed::<((String, u8),)>(&mut cx, Some(&t), &[u64::from(u32::MAX - 3)]).unwrap_err();
        assert!(e.0.contains("out of bounds"), "{e}");
    }
}
