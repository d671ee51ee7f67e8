use super::*;
use crate::component::types::{ResourceId, TypeConverter, ValueType as V};

use FlatType::{F32 as Xf32, F64 as Xf64, I32 as Xi32, I64 as Xi64};

fn b(t: V) -> Box<V> {
    Box::new(t)
}

fn size_align(t: &V) -> (u32, u32) {
    let l = layout(t).unwrap();
    (l.size, l.align)
}

/// Flattening with no practical bound, for types known to be small.
fn flat(t: &V) -> Vec<FlatType> {
    let mut out = Vec::new();
    flatten(t, &mut out, usize::MAX).unwrap();
    out
}

fn record(fields: Vec<V>) -> V {
    V::Record(fields.into_iter().enumerate().map(|(i, t)| (format!("f{i}"), t)).collect())
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("n{i}")).collect()
}

fn result(ok: Option<V>, err: Option<V>) -> V {
    V::Result { ok: ok.map(b), err: err.map(b) }
}

fn func(params: Vec<V>, result: Option<V>) -> FuncType {
    FuncType { params: params.into_iter().enumerate().map(|(i, t)| (format!("p{i}"), t)).collect(), result }
}

#[test]
fn primitives() {
    let r = ResourceId(0);
    let cases: Vec<(V, (u32, u32), Vec<FlatType>)> = vec![
        (V::Bool, (1, 1), vec![Xi32]),
        (V::S8, (1, 1), vec![Xi32]),
        (V::U8, (1, 1), vec![Xi32]),
        (V::S16, (2, 2), vec![Xi32]),
        (V::U16, (2, 2), vec![Xi32]),
        (V::S32, (4, 4), vec![Xi32]),
        (V::U32, (4, 4), vec![Xi32]),
        (V::S64, (8, 8), vec![Xi64]),
        (V::U64, (8, 8), vec![Xi64]),
        (V::F32, (4, 4), vec![Xf32]),
        (V::F64, (8, 8), vec![Xf64]),
        (V::Char, (4, 4), vec![Xi32]),
        (V::String, (8, 4), vec![Xi32, Xi32]),
        (V::ErrorContext, (4, 4), vec![Xi32]),
        (V::Own(r), (4, 4), vec![Xi32]),
        (V::Borrow(r), (4, 4), vec![Xi32]),
        (V::Future(None), (4, 4), vec![Xi32]),
        (V::Stream(Some(b(V::U8))), (4, 4), vec![Xi32]),
    ];
    for (t, sa, f) in cases {
        assert_eq!(size_align(&t), sa, "{t:?}");
        assert_eq!(flat(&t), f, "{t:?}");
    }
}

#[test]
fn lists_and_strings() {
    for t in [
        V::List(b(V::U8)),
        V::List(b(V::U64)),
        V::List(b(record(vec![V::U8, V::F64]))),
        V::Map(b(V::String), b(V::U64)),
    ] {
        assert_eq!(size_align(&t), (8, 4), "{t:?}");
        assert_eq!(flat(&t), [Xi32, Xi32], "{t:?}");
    }
}

#[test]
fn fixed_lists() {
    let t = V::FixedList(b(V::U16), 3);
    assert_eq!(size_align(&t), (6, 2));
    assert_eq!(flat(&t), [Xi32, Xi32, Xi32]);

    // The element's trailing padding is part of the stride.
    let t = V::FixedList(b(record(vec![V::U32, V::U8])), 2);
    assert_eq!(size_align(&t), (16, 4));
    assert_eq!(flat(&t), [Xi32, Xi32, Xi32, Xi32]);

    let t = V::FixedList(b(V::F64), 1);
    assert_eq!(size_align(&t), (8, 8));
    assert_eq!(flat(&t), [Xf64]);
}

#[test]
fn records_pad_fields_and_the_end() {
    let t = record(vec![V::U8, V::U32, V::U8]);
    assert_eq!(size_align(&t), (12, 4));
    let V::Record(fields) = &t else { unreachable!() };
    let r = record_layout(fields.iter().map(|(_, t)| t)).unwrap();
    assert_eq!(r.offsets, [0, 4, 8]);
    assert_eq!(flat(&t), [Xi32, Xi32, Xi32]);

    let r = record_layout(&[V::U64, V::U8]).unwrap();
    assert_eq!((r.layout, r.offsets), (Layout::new(16, 8), vec![0, 8]));

    let r = record_layout(&[V::U8, V::U16, V::U8, V::U8]).unwrap();
    assert_eq!((r.layout, r.offsets), (Layout::new(6, 2), vec![0, 2, 4, 5]));

    let r = record_layout(&[V::U8, V::String]).unwrap();
    assert_eq!((r.layout, r.offsets), (Layout::new(12, 4), vec![0, 4]));

    // Not valid in a component, but well defined.
    assert_eq!(size_align(&record(vec![])), (0, 1));
    assert_eq!(flat(&record(vec![])), []);
}

#[test]
fn nested_tuples() {
    let inner = V::Tuple(vec![V::U8, V::U64]);
    assert_eq!(size_align(&inner), (16, 8));
    let outer = V::Tuple(vec![V::U8, inner.clone(), V::U16]);
    let r = record_layout(&[V::U8, inner, V::U16]).unwrap();
    assert_eq!(r.offsets, [0, 8, 24]);
    assert_eq!(size_align(&outer), (32, 8));
    assert_eq!(flat(&outer), [Xi32, Xi32, Xi64, Xi32]);

    let t = V::Tuple(vec![V::Tuple(vec![V::Tuple(vec![V::F32, V::U8])]), V::Char]);
    assert_eq!(size_align(&t), (12, 4));
    assert_eq!(flat(&t), [Xf32, Xi32, Xi32]);
}

#[test]
fn options() {
    let t = V::Option(b(V::U8));
    assert_eq!(size_align(&t), (2, 1));
    assert_eq!(flat(&t), [Xi32, Xi32]);

    let t = V::Option(b(V::U64));
    assert_eq!(size_align(&t), (16, 8));
    let cases = variant_cases(&t).unwrap();
    assert_eq!(variant_layout(&cases).unwrap().payload_offset, 8);
    assert_eq!(flat(&t), [Xi32, Xi64]);

    let t = V::Option(b(V::String));
    assert_eq!(size_align(&t), (12, 4));
    assert_eq!(flat(&t), [Xi32, Xi32, Xi32]);

    let t = V::Option(b(V::Option(b(V::Bool))));
    assert_eq!(size_align(&t), (3, 1));
    assert_eq!(flat(&t), [Xi32, Xi32, Xi32]);
}

#[test]
fn results_join_payloads() {
    let t = result(Some(V::U64), Some(V::String));
    assert_eq!(size_align(&t), (16, 8));
    assert_eq!(flat(&t), [Xi32, Xi64, Xi32]);

    let t = result(Some(V::U32), Some(V::F32));
    assert_eq!(size_align(&t), (8, 4));
    assert_eq!(flat(&t), [Xi32, Xi32]);

    let t = result(Some(V::U64), Some(V::F32));
    assert_eq!(size_align(&t), (16, 8));
    assert_eq!(flat(&t), [Xi32, Xi64]);

    assert_eq!(flat(&result(Some(V::F32), Some(V::F64))), [Xi32, Xi64]);
    assert_eq!(flat(&result(Some(V::F32), Some(V::F32))), [Xi32, Xf32]);
    assert_eq!(flat(&result(Some(V::F64), Some(V::F64))), [Xi32, Xf64]);
    assert_eq!(flat(&result(Some(V::F64), Some(V::S32))), [Xi32, Xi64]);

    let t = result(None, None);
    assert_eq!(size_align(&t), (1, 1));
    assert_eq!(flat(&t), [Xi32]);

    let t = result(None, Some(V::U16));
    assert_eq!(size_align(&t), (4, 2));
    assert_eq!(flat(&t), [Xi32, Xi32]);

    // The longer payload sets the length; the shorter joins a prefix.
    let t = result(Some(V::F32), Some(V::Tuple(vec![V::F32, V::F64, V::U8])));
    assert_eq!(flat(&t), [Xi32, Xf32, Xf64, Xi32]);
}

#[test]
fn variants() {
    let t = V::Variant(vec![("a".into(), Some(V::U8)), ("b".into(), Some(V::U16)), ("c".into(), None)]);
    assert_eq!(size_align(&t), (4, 2));
    assert_eq!(flat(&t), [Xi32, Xi32]);

    let t = V::Variant(vec![("a".into(), Some(V::Tuple(vec![V::U8, V::U64]))), ("b".into(), Some(V::String))]);
    let l = variant_layout(&variant_cases(&t).unwrap()).unwrap();
    assert_eq!(l.layout, Layout::new(24, 8));
    assert_eq!(l.payload_offset, 8);
    assert_eq!(l.discriminant, Discriminant::U8);
    assert_eq!(flat(&t), [Xi32, Xi32, Xi64]);
}

#[test]
fn enums_and_discriminants() {
    let t = V::Enum(names(1));
    assert_eq!(size_align(&t), (1, 1));
    assert_eq!(flat(&t), [Xi32]);
    assert_eq!(size_align(&V::Enum(names(256))), (1, 1));
    assert_eq!(size_align(&V::Enum(names(257))), (2, 2));
    assert_eq!(flat(&V::Enum(names(257))), [Xi32]);

    // A u16 discriminant raises the payload's offset.
    let mut cases: Vec<(String, Option<V>)> = names(257).into_iter().map(|n| (n, None)).collect();
    cases[3].1 = Some(V::U8);
    let t = V::Variant(cases);
    let l = variant_layout(&variant_cases(&t).unwrap()).unwrap();
    assert_eq!((l.discriminant, l.payload_offset), (Discriminant::U16, 2));
    assert_eq!(l.layout, Layout::new(4, 2));

    assert_eq!(Discriminant::for_cases(1), Discriminant::U8);
    assert_eq!(Discriminant::for_cases(2), Discriminant::U8);
    assert_eq!(Discriminant::for_cases(256), Discriminant::U8);
    assert_eq!(Discriminant::for_cases(257), Discriminant::U16);
    assert_eq!(Discriminant::for_cases(65536), Discriminant::U16);
    assert_eq!(Discriminant::for_cases(65537), Discriminant::U32);
    assert_eq!(Discriminant::U32.size(), 4);
    // Outside the spec's domain: no panic.
    assert_eq!(Discriminant::for_cases(0), Discriminant::U8);
    assert_eq!(Discriminant::for_cases(usize::MAX), Discriminant::U32);
}

#[test]
fn flags() {
    let expect: [(usize, (u32, u32), usize); 9] = [
        (0, (0, 1), 0),
        (1, (1, 1), 1),
        (8, (1, 1), 1),
        (9, (2, 2), 1),
        (16, (2, 2), 1),
        (17, (4, 4), 1),
        (32, (4, 4), 1),
        (33, (8, 4), 2),
        (65, (12, 4), 3),
    ];
    for (n, sa, words) in expect {
        let t = V::Flags(names(n));
        assert_eq!(size_align(&t), sa, "{n} flags");
        assert_eq!(flat(&t), vec![Xi32; words], "{n} flags");
    }
}

#[test]
fn join_table() {
    let all = [Xi32, Xi64, Xf32, Xf64];
    for a in all {
        assert_eq!(a.join(a), a);
        for b in all {
            assert_eq!(a.join(b), b.join(a));
        }
    }
    assert_eq!(Xi32.join(Xf32), Xi32);
    assert_eq!(Xi32.join(Xi64), Xi64);
    assert_eq!(Xi32.join(Xf64), Xi64);
    assert_eq!(Xf32.join(Xf64), Xi64);
    assert_eq!(Xf32.join(Xi64), Xi64);
    assert_eq!(Xi64.join(Xf64), Xi64);
}

#[test]
fn sizes_that_overflow_are_errors() {
    // 2^30 elements of 8 bytes.
    let t = V::FixedList(b(V::U64), 1 << 30);
    assert_eq!(layout(&t), Err(AbiError::SizeOverflow));

    let half = V::FixedList(b(V::U8), 3_000_000_000);
    assert_eq!(size_align(&half), (3_000_000_000, 1));
    assert_eq!(layout(&record(vec![half.clone(), half.clone()])), Err(AbiError::SizeOverflow));
    // Aligning the end past 2^32 overflows too.
    let t = record(vec![V::FixedList(b(V::U8), u32::MAX), V::U32]);
    assert_eq!(layout(&t), Err(AbiError::SizeOverflow));
    let t = V::Option(b(V::FixedList(b(V::U32), (u32::MAX / 4) - 1)));
    assert_eq!(size_align(&t), (u32::MAX - 3, 4));
    let t = V::Option(b(V::FixedList(b(V::U32), u32::MAX / 4)));
    assert_eq!(layout(&t), Err(AbiError::SizeOverflow));

    let t = V::FixedList(b(V::FixedList(b(V::U8), 1 << 16)), 1 << 16);
    assert_eq!(layout(&t), Err(AbiError::SizeOverflow));
    // The error reaches the top through every kind of container.
    let t = V::Variant(vec![("a".into(), Some(V::Tuple(vec![t])))]);
    assert_eq!(layout(&t), Err(AbiError::SizeOverflow));
}

#[test]
fn flattening_is_bounded() {
    // A billion flat values are never materialised.
    let huge = V::FixedList(b(V::U8), 1_000_000_000);
    let mut out = Vec::new();
    assert_eq!(flatten(&huge, &mut out, MAX_FLAT_PARAMS), Err(TooManyFlat));
    assert!(out.len() <= MAX_FLAT_PARAMS);

    // Elements that flatten to nothing end the loop at once.
    let empty = V::FixedList(b(V::Flags(vec![])), u32::MAX);
    assert_eq!(flat(&empty), []);

    // Exactly at the limit fits; one more does not.
    let mut out = Vec::new();
    assert_eq!(flatten(&V::FixedList(b(V::U8), 16), &mut out, 16), Ok(()));
    assert_eq!(out.len(), 16);
    let mut out = Vec::new();
    assert_eq!(flatten(&V::FixedList(b(V::U8), 17), &mut out, 16), Err(TooManyFlat));

    // A variant's payload counts against the limit after its discriminant.
    let t = V::Option(b(V::String));
    let mut out = Vec::new();
    assert_eq!(flatten(&t, &mut out, 3), Ok(()));
    let mut out = Vec::new();
    assert_eq!(flatten(&t, &mut out, 2), Err(TooManyFlat));
    let mut out = vec![Xf64];
    assert_eq!(flatten(&t, &mut out, 3), Err(TooManyFlat));
}

#[test]
fn params_at_the_sixteen_value_boundary() {
    for context in [Context::Lift, Context::Lower] {
        let sig = flatten_func(&func(vec![V::U32; 16], None), context);
        assert_eq!(sig.params, vec![Xi32; 16]);
        assert!(sig.results.is_empty());
        assert!(!sig.params_indirect && !sig.results_indirect);

        let sig = flatten_func(&func(vec![V::U32; 17], None), context);
        assert_eq!(sig.params, [Xi32]);
        assert!(sig.params_indirect && !sig.results_indirect);

        // Eight strings are sixteen values; one more byte tips them over.
        let sig = flatten_func(&func(vec![V::String; 8], Some(V::F64)), context);
        assert_eq!((sig.params.len(), &sig.results[..]), (16, &[Xf64][..]));
        let mut params = vec![V::String; 8];
        params.push(V::U8);
        let sig = flatten_func(&func(params, Some(V::F64)), context);
        assert_eq!((&sig.params[..], &sig.results[..]), (&[Xi32][..], &[Xf64][..]));

        // One record of seventeen fields is as many values as seventeen params.
        let sig = flatten_func(&func(vec![record(vec![V::U8; 17])], None), context);
        assert!(sig.params_indirect);

        let sig = flatten_func(&func(vec![], None), context);
        assert!(sig.params.is_empty() && sig.results.is_empty());
    }
}

#[test]
fn results_at_the_one_value_boundary() {
    for context in [Context::Lift, Context::Lower] {
        let sig = flatten_func(&func(vec![V::U8], Some(V::U64)), context);
        assert_eq!((&sig.params[..], &sig.results[..]), (&[Xi32][..], &[Xi64][..]));
        assert!(!sig.results_indirect);
        let sig = flatten_func(&func(vec![], Some(V::Enum(names(3)))), context);
        assert_eq!(sig.results, [Xi32]);
    }

    // Two result values: lift returns a pointer to them...
    let f = func(vec![V::U8], Some(V::String));
    let sig = flatten_func(&f, Context::Lift);
    assert_eq!((&sig.params[..], &sig.results[..]), (&[Xi32][..], &[Xi32][..]));
    assert!(sig.results_indirect && !sig.params_indirect);
    // ...lower takes where to write them as a last parameter.
    let sig = flatten_func(&f, Context::Lower);
    assert_eq!((&sig.params[..], &sig.results[..]), (&[Xi32, Xi32][..], &[][..]));
    assert!(sig.results_indirect);

    // The out-pointer comes after sixteen flat params: seventeen in all.
    let f = func(vec![V::U32; 16], Some(V::Option(b(V::U8))));
    let sig = flatten_func(&f, Context::Lower);
    assert_eq!(sig.params, vec![Xi32; 17]);
    assert!(!sig.params_indirect && sig.results_indirect);
    let sig = flatten_func(&f, Context::Lift);
    assert_eq!((sig.params.len(), &sig.results[..]), (16, &[Xi32][..]));

    // Both through memory.
    let f = func(vec![V::U32; 17], Some(V::String));
    let sig = flatten_func(&f, Context::Lower);
    assert_eq!((&sig.params[..], &sig.results[..]), (&[Xi32, Xi32][..], &[][..]));
    let sig = flatten_func(&f, Context::Lift);
    assert_eq!((&sig.params[..], &sig.results[..]), (&[Xi32][..], &[Xi32][..]));
}

fn to_core(ts: &[FlatType]) -> Vec<wasmparser::ValType> {
    ts.iter()
        .map(|t| match t {
            Xi32 => wasmparser::ValType::I32,
            Xi64 => wasmparser::ValType::I64,
            Xf32 => wasmparser::ValType::F32,
            Xf64 => wasmparser::ValType::F64,
        })
        .collect()
}

/// The `canon lift`s and `canon lower`s of a component, converted, with the
/// core function types the validator checked them against (lift) or gave
/// them (lower).
fn canon_signatures(wat: &str) -> Vec<(Context, FuncType, Vec<wasmparser::ValType>, Vec<wasmparser::ValType>)> {
    use wasmparser::{
        CanonicalFunction, ComponentAlias, ComponentExternalKind, ExternalKind, Parser, Payload, Validator,
        WasmFeatures,
    };

    let bytes = wat::parse_str(wat).unwrap();
    let features = WasmFeatures::default() | WasmFeatures::COMPONENT_MODEL | WasmFeatures::CM_FIXED_LENGTH_LISTS;
    let types = Validator::new_with_features(features).validate_all(&bytes).unwrap();
    let types = types.as_ref();

    // The validator's `Types` has the final index spaces but not which
    // `canon` made which function; the binary says, in index order.
    let mut core_funcs = 0u32;
    let mut canons = Vec::new();
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.unwrap() {
            Payload::ComponentAliasSection(reader) => {
                for alias in reader {
                    match alias.unwrap() {
                        ComponentAlias::CoreInstanceExport { kind: ExternalKind::Func, .. } => core_funcs += 1,
                        ComponentAlias::InstanceExport { kind: ComponentExternalKind::Func, .. } => {
                            panic!("the test indexes component functions by hand")
                        }
                        _ => {}
                    }
                }
            }
            Payload::ComponentCanonicalSection(reader) => {
                for canon in reader {
                    match canon.unwrap() {
                        CanonicalFunction::Lift { core_func_index, type_index, .. } => {
                            canons.push((Context::Lift, type_index, core_func_index, true))
                        }
                        CanonicalFunction::Lower { func_index, .. } => {
                            canons.push((Context::Lower, func_index, core_funcs, false));
                            core_funcs += 1;
                        }
                        other => panic!("not used by these tests: {other:?}"),
                    }
                }
            }
            _ => {}
        }
    }

    let mut converter = TypeConverter::new(types);
    canons
        .into_iter()
        .map(|(context, index, core_index, is_type_index)| {
            let ty =
                if is_type_index { converter.func_type_at(index).unwrap() } else { converter.func_at(index).unwrap() };
            let core = types[types.core_function_at(core_index)].unwrap_func();
            (context, ty, core.params().to_vec(), core.results().to_vec())
        })
        .collect()
}

const COMPONENT: &str = r#"
(component
  (import "host" (func $host (param "s" string) (param "n" u64) (result string)))
  (import "host2" (func $host2 (param "a" (list u8)) (result u32)))

  (core module $m
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable)
    (func (export "prims") (param i32 i64 f32 f64) (result i32) unreachable)
    (func (export "strings") (param i32 i32) (result i32) unreachable)
    (func (export "many") (param i32) unreachable)
    (func (export "variants") (param i32 i64 i32 i32) (result i32) unreachable)
    (func (export "named") (param i32 i32 i32 i32 i32 i32 i32 i32) (result f32) unreachable)
    (func (export "sixteen") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i64) (result i64) unreachable)
  )
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))

  (core func (canon lower (func $host) (memory $mem) (realloc $realloc)))
  (core func (canon lower (func $host2) (memory $mem)))

  (type $point' (record (field "x" u8) (field "y" u32) (field "z" u8)))
  (export $point "point" (type $point'))
  (type $perms' (flags "r" "w" "x" "a" "b" "c" "d" "e" "f"))
  (export $perms "perms" (type $perms'))
  (type $color' (enum "red" "green" "blue"))
  (export $color "color" (type $color'))

  (func (export "prims") (param "a" u8) (param "b" s64) (param "c" f32) (param "d" f64) (result char)
    (canon lift (core func $i "prims")))
  (func (export "strings") (param "s" string) (result string)
    (canon lift (core func $i "strings") (memory $mem) (realloc $realloc)))
  (func (export "many")
    (param "a" u32) (param "b" u32) (param "c" u32) (param "d" u32) (param "e" u32) (param "f" u32)
    (param "g" u32) (param "h" u32) (param "i" u32) (param "j" u32) (param "k" u32) (param "l" u32)
    (param "m" u32) (param "n" u32) (param "o" u32) (param "p" u32) (param "q" u32)
    (canon lift (core func $i "many") (memory $mem) (realloc $realloc)))
  (func (export "variants") (param "r" (result u64 (error f32))) (param "o" (option bool))
    (result (tuple u8 u8))
    (canon lift (core func $i "variants") (memory $mem)))
  (func (export "named") (param "p" $point) (param "f" $perms) (param "c" $color) (param "l" (list u16 3))
    (result f32)
    (canon lift (core func $i "named")))
  (func (export "sixteen") (param "a" (list u8 15)) (param "b" s64) (result s64)
    (canon lift (core func $i "sixteen")))
)
"#;

#[test]
fn canon_signatures_match_the_validator() {
    let canons = canon_signatures(COMPONENT);
    assert_eq!(canons.len(), 8);
    for (context, ty, params, results) in &canons {
        let sig = flatten_func(ty, *context);
        assert_eq!(to_core(&sig.params), *params, "{context:?} {ty:?}");
        assert_eq!(to_core(&sig.results), *results, "{context:?} {ty:?}");
    }

    // The conversion kept names and structure.
    let (_, named, _, _) = &canons[6];
    assert_eq!(named.params[0].0, "p");
    assert_eq!(named.params[0].1, V::Record(vec![("x".into(), V::U8), ("y".into(), V::U32), ("z".into(), V::U8)]));
    assert!(matches!(&named.params[1].1, V::Flags(f) if f.len() == 9 && f[0] == "r"));
    assert_eq!(named.params[2].1, V::Enum(vec!["red".into(), "green".into(), "blue".into()]));
    assert_eq!(named.params[3].1, V::FixedList(b(V::U16), 3));
    assert_eq!(named.result, Some(V::F32));

    // Spot checks, in case the validator and we were wrong together.
    let (context, host, params, results) = &canons[0];
    assert_eq!(*context, Context::Lower);
    assert_eq!(host.params, [("s".to_string(), V::String), ("n".to_string(), V::U64)]);
    assert_eq!(*params, to_core(&[Xi32, Xi32, Xi64, Xi32]), "string, u64, out-pointer");
    assert!(results.is_empty());
    let sig = flatten_func(host, Context::Lift);
    assert_eq!((&sig.params[..], &sig.results[..]), (&[Xi32, Xi32, Xi64][..], &[Xi32][..]));
}

#[test]
fn handles_convert_to_per_component_resource_ids() {
    let canons = canon_signatures(
        r#"
        (component
          (import "r" (type $r (sub resource)))
          (import "s" (type $s (sub resource)))
          (import "use" (func $use (param "a" (own $r)) (param "b" (borrow $s)) (param "c" (borrow $r))
            (result (own $s))))
          (core func (canon lower (func $use)))
        )"#,
    );
    let [(Context::Lower, ty, params, results)] = &canons[..] else { panic!("{canons:?}") };
    let (r, s) = (ResourceId(0), ResourceId(1));
    assert_eq!(ty.params.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>(), [V::Own(r), V::Borrow(s), V::Borrow(r)]);
    assert_eq!(ty.result, Some(V::Own(s)));
    let sig = flatten_func(ty, Context::Lower);
    assert_eq!(to_core(&sig.params), *params);
    assert_eq!(to_core(&sig.results), *results);
}

/// A component whose one function takes a `list` nested `depth` deep.
fn nested_lists(depth: usize) -> String {
    let mut wat = String::from(
        r#"(component
          (core module $m
            (memory (export "memory") 1)
            (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable)
            (func (export "f") (param i32 i32) unreachable))
          (core instance $i (instantiate $m))
          (alias core export $i "memory" (core memory $mem))
          (alias core export $i "realloc" (core func $realloc))
          (type $t0 (list u8))
        "#,
    );
    for d in 1..depth {
        wat.push_str(&format!("(type $t{d} (list $t{}))\n", d - 1));
    }
    wat.push_str(&format!(
        r#"(func (export "f") (param "x" $t{})
             (canon lift (core func $i "f") (memory $mem) (realloc $realloc))))"#,
        depth - 1
    ));
    wat
}

#[test]
fn validation_bounds_the_depth_conversion_recurses_to() {
    let canons = canon_signatures(&nested_lists(90));
    let (_, ty, params, _) = &canons[0];
    assert_eq!(to_core(&flatten_func(ty, Context::Lift).params), *params);
    let mut t = &ty.params[0].1;
    let mut depth = 0;
    while let V::List(inner) = t {
        t = inner;
        depth += 1;
    }
    assert_eq!((depth, t), (90, &V::U8));

    // wasmparser's MAX_WASM_COMPONENT_TYPE_DEPTH, which MAX_TYPE_DEPTH cites.
    let bytes = wat::parse_str(nested_lists(200)).unwrap();
    let Err(err) = wasmparser::Validator::new().validate_all(&bytes) else {
        panic!("a 200-deep type validated");
    };
    assert!(err.to_string().contains("nesting is too deep"), "{err}");
}
