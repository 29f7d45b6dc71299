use proptest::prelude::*;

use super::*;
use crate::OfferAttributes;

const EXAMPLE: &str = "gpu_model in [H100,A100] vram_gib>=40 gpu_count>=2 price_gpu_hour<=1.2 \
                       reliability>0.99 tier>=challenged compute_cap>=8.0";

fn cap(major: u8, minor: u8) -> ComputeCapability {
    ComputeCapability { major, minor }
}

/// An H100 group that satisfies [`EXAMPLE`].
fn offer() -> OfferAttributes<'static> {
    OfferAttributes {
        gpu_model: "H100",
        gpu_count: 4,
        vram_mib: 80 * 1024,
        compute_capability: cap(9, 0),
        tier: EvidenceTier::Audited,
        price_gpu_hour: Amount::micro(1_100_000),
        reliability_ppm: 995_000,
    }
}

fn q(src: &str) -> Query {
    Query::parse(src).unwrap_or_else(|e| panic!("{src:?} should parse: {}", e.render(src)))
}

fn err(src: &str) -> QueryError {
    Query::parse(src).expect_err(src)
}

fn holds(src: &str, offer: &OfferAttributes<'_>) -> bool {
    q(src).matches(offer)
}

#[test]
fn full_example_parses_and_evaluates() {
    let query = q(EXAMPLE);
    assert_eq!(query.clauses.len(), 7);
    assert_eq!(
        query.clauses[0],
        Clause {
            field: Field::GpuModel,
            op: Op::In,
            value: Value::List(vec![Scalar::Text("H100".into()), Scalar::Text("A100".into())]),
        }
    );
    assert_eq!(
        query.clauses[1],
        Clause { field: Field::VramGib, op: Op::Ge, value: Value::One(Scalar::Int(40)) }
    );
    assert_eq!(query.clauses[3].value, Value::One(Scalar::Price(Amount::micro(1_200_000))));
    assert_eq!(query.clauses[4].value, Value::One(Scalar::Ppm(990_000)));
    assert_eq!(query.clauses[5].value, Value::One(Scalar::Tier(EvidenceTier::Challenged)));
    assert_eq!(query.clauses[6].value, Value::One(Scalar::Cap(cap(8, 0))));

    assert!(query.matches(&offer()));
    let misses = [
        OfferAttributes { gpu_model: "RTX4090", ..offer() },
        OfferAttributes { vram_mib: 24 * 1024, ..offer() },
        OfferAttributes { gpu_count: 1, ..offer() },
        OfferAttributes { price_gpu_hour: Amount::micro(1_200_001), ..offer() },
        OfferAttributes { reliability_ppm: 990_000, ..offer() },
        OfferAttributes { tier: EvidenceTier::SelfReported, ..offer() },
        OfferAttributes { compute_capability: cap(7, 5), ..offer() },
    ];
    for (i, miss) in misses.iter().enumerate() {
        assert!(!query.matches(miss), "offer {i} should not match");
        let failing: Vec<&Clause> = query.failing(miss).collect();
        assert_eq!(failing, vec![&query.clauses[i]], "offer {i}");
    }
}

#[test]
fn empty_query_matches_everything() {
    for src in ["", "   ", "\n\t "] {
        let query = q(src);
        assert_eq!(query, Query::default());
        assert!(query.matches(&offer()));
        assert_eq!(query.failing(&offer()).count(), 0);
        assert_eq!(query.to_string(), "");
    }
}

#[test]
fn whitespace_around_operators_is_optional() {
    assert_eq!(q("vram_gib >= 40"), q("vram_gib>=40"));
    assert_eq!(q("vram_gib>= 40"), q("vram_gib >=40"));
    assert_eq!(q("gpu_count == 2"), q("gpu_count=2"));
    assert_eq!(q("gpu_model in[H100 ,A100 ]"), q("gpu_model in [H100,A100]"));
    assert_eq!(q("\tgpu_count>1\n tier>=audited  "), q("gpu_count>1 tier>=audited"));
    assert_eq!(q("GPU_COUNT IN [1]"), q("gpu_count in [1]"));
}

#[test]
fn every_operator_on_every_type() {
    // Against offer(): H100, 4 GPUs, 80 GiB, cc 9.0, audited, 1.1 per hour, 0.995 reliability.
    let cases = [
        ("gpu_model=H100", true),
        ("gpu_model=A100", false),
        ("gpu_model!=H100", false),
        ("gpu_model!=A100", true),
        ("gpu_model in [A100,H100]", true),
        ("gpu_model in [A100]", false),
        ("gpu_model notin [A100,H100]", false),
        ("gpu_model notin [A100]", true),
        ("gpu_count=4", true),
        ("gpu_count!=4", false),
        ("gpu_count<4", false),
        ("gpu_count<5", true),
        ("gpu_count<=4", true),
        ("gpu_count>4", false),
        ("gpu_count>3", true),
        ("gpu_count>=4", true),
        ("gpu_count>=5", false),
        ("gpu_count in [1,2,4]", true),
        ("gpu_count notin [1,2,4]", false),
        ("vram_gib=80", true),
        ("vram_gib!=80", false),
        ("vram_gib<80", false),
        ("vram_gib<=80", true),
        ("vram_gib>79", true),
        ("vram_gib>=81", false),
        ("vram_gib in [40,80]", true),
        ("vram_gib notin [40,80]", false),
        ("compute_cap=9", true),
        ("compute_cap=9.0", true),
        ("compute_cap!=8.9", true),
        ("compute_cap<9.1", true),
        ("compute_cap<=8.9", false),
        ("compute_cap>8.9", true),
        ("compute_cap>=10", false),
        ("compute_cap in [8.0,9.0]", true),
        ("compute_cap notin [9]", false),
        ("tier=audited", true),
        ("tier!=audited", false),
        ("tier<attested", true),
        ("tier<=challenged", false),
        ("tier>challenged", true),
        ("tier>=attested", false),
        ("tier in [self-reported,audited]", true),
        ("tier notin [attested,challenged]", true),
        ("price_gpu_hour=1.1", true),
        ("price_gpu_hour=1.10", true),
        ("price_gpu_hour!=1.1", false),
        ("price_gpu_hour<1.1", false),
        ("price_gpu_hour<=1.1", true),
        ("price_gpu_hour>1.099999", true),
        ("price_gpu_hour>=2", false),
        ("price_gpu_hour in [1,1.1]", true),
        ("price_gpu_hour notin [1,1.1]", false),
        ("reliability=0.995", true),
        ("reliability!=0.995", false),
        ("reliability<1", true),
        ("reliability<=0.994999", false),
        ("reliability>0.99", true),
        ("reliability>=0.996", false),
        ("reliability in [0.995,1]", true),
        ("reliability notin [0.5]", true),
    ];
    for (src, expected) in cases {
        assert_eq!(holds(src, &offer()), expected, "{src}");
    }
}

#[test]
fn model_match_is_case_insensitive() {
    let a100 = OfferAttributes { gpu_model: "A100-80G", ..offer() };
    assert!(holds("gpu_model=a100-80g", &a100));
    assert!(holds("gpu_model=\"A100-80g\"", &a100));
    assert!(holds("gpu_model in [h100,a100-80G]", &a100));
    assert!(!holds("gpu_model notin [H100,a100-80g]", &a100));
    assert!(!holds("gpu_model!=A100-80G", &a100));
    assert!(!holds("gpu_model=A100", &a100));
}

#[test]
fn vram_is_compared_in_mib() {
    let exact = OfferAttributes { vram_mib: 81_920, ..offer() };
    let short = OfferAttributes { vram_mib: 81_919, ..offer() };
    assert!(holds("vram_gib>=80", &exact));
    assert!(holds("vram_gib=80", &exact));
    assert!(!holds("vram_gib>80", &exact));
    assert!(!holds("vram_gib>=80", &short));
    assert!(holds("vram_gib>79", &short));
    assert!(holds("vram_gib<80", &short));
    assert!(holds(
        "vram_gib>=18014398509481983",
        &OfferAttributes { vram_mib: u64::MAX, ..offer() }
    ));
    assert!(matches!(
        err("vram_gib>=18014398509481984").kind,
        QueryErrorKind::InvalidValue { field: "vram_gib", .. }
    ));
}

#[test]
fn reliability_is_parts_per_million() {
    for (text, ppm) in [
        ("0.99", 990_000),
        ("0.999999", 999_999),
        ("1", 1_000_000),
        ("1.000000", 1_000_000),
        ("0", 0),
        (".5", 500_000),
        ("0.000001", 1),
    ] {
        let query = q(&format!("reliability>={text}"));
        assert_eq!(query.clauses[0].value, Value::One(Scalar::Ppm(ppm)), "{text}");
    }
    for (text, reason) in [
        ("1.000001", "must be between 0 and 1"),
        ("2", "must be between 0 and 1"),
        ("99999999999999999999", "must be between 0 and 1"),
        ("0.0000001", "at most 6 decimals"),
        ("-0.5", "expected a decimal between 0 and 1, such as 0.99"),
        ("high", "expected a decimal between 0 and 1, such as 0.99"),
        (".", "expected a decimal between 0 and 1, such as 0.99"),
    ] {
        let src = format!("reliability>={text}");
        let expected = QueryErrorKind::InvalidValue {
            field: "reliability",
            value: text.into(),
            reason: reason.into(),
        };
        assert_eq!(err(&src), QueryError::new(13, expected), "{text}");
    }
    let shaky = OfferAttributes { reliability_ppm: 989_999, ..offer() };
    assert!(!holds("reliability>=0.99", &shaky));
    assert!(holds("reliability<0.99", &shaky));
}

#[test]
fn errors_have_kind_and_position() {
    use QueryErrorKind as K;
    let invalid = |field: &'static str, value: &str, reason: &str| K::InvalidValue {
        field,
        value: value.into(),
        reason: reason.into(),
    };
    let cases: Vec<(&str, usize, K)> = vec![
        ("vrm_gib>=4", 0, K::UnknownField { name: "vrm_gib".into() }),
        ("tier>=audited vrm_gib>=4", 14, K::UnknownField { name: "vrm_gib".into() }),
        (">=4", 0, K::ExpectedField { found: ">=".into() }),
        ("gpu_count=1 \"x\"=1", 12, K::ExpectedField { found: "\"x\"".into() }),
        ("gpu_count=1 ,", 12, K::ExpectedField { found: ",".into() }),
        ("vram_gib 40", 9, K::ExpectedOperator { field: "vram_gib", found: "40".into() }),
        ("vram_gib", 8, K::ExpectedOperator { field: "vram_gib", found: String::new() }),
        ("tier [audited]", 5, K::ExpectedOperator { field: "tier", found: "[".into() }),
        ("vram_gib>=", 10, K::ExpectedValue { field: "vram_gib", found: String::new() }),
        ("vram_gib>=]", 10, K::ExpectedValue { field: "vram_gib", found: "]".into() }),
        ("vram_gib>==4", 10, K::ExpectedValue { field: "vram_gib", found: "=".into() }),
        ("gpu_model=[H100]", 10, K::ExpectedValue { field: "gpu_model", found: "[".into() }),
        ("gpu_model in [H100,]", 19, K::ExpectedValue { field: "gpu_model", found: "]".into() }),
        ("gpu_model in [,H100]", 14, K::ExpectedValue { field: "gpu_model", found: ",".into() }),
        ("gpu_model in [[H100]]", 14, K::ExpectedValue { field: "gpu_model", found: "[".into() }),
        ("vram_gib>=x", 10, invalid("vram_gib", "x", "expected a whole number")),
        ("gpu_count>=-1", 11, invalid("gpu_count", "-1", "expected a whole number")),
        (
            "gpu_count>=99999999999999999999",
            11,
            invalid("gpu_count", "99999999999999999999", "too large"),
        ),
        ("vram_gib>=18014398509481984", 10, invalid("vram_gib", "18014398509481984", "too large")),
        (
            "compute_cap>=8.x",
            13,
            invalid("compute_cap", "8.x", "expected a compute capability such as 8.9 or 9"),
        ),
        (
            "compute_cap>=8.9.1",
            13,
            invalid("compute_cap", "8.9.1", "expected a compute capability such as 8.9 or 9"),
        ),
        ("gpu_count in [1, x]", 17, invalid("gpu_count", "x", "expected a whole number")),
        (
            "price_gpu_hour<=1.2.3",
            16,
            invalid(
                "price_gpu_hour",
                "1.2.3",
                "invalid character '.' in amount (expected digits and at most one '.')",
            ),
        ),
        ("price_gpu_hour<=\"\"", 16, invalid("price_gpu_hour", "", "empty amount")),
        ("gpu_model < H100", 10, K::UnsupportedOperator { field: "gpu_model", op: "<" }),
        ("gpu_model<=H100", 9, K::UnsupportedOperator { field: "gpu_model", op: "<=" }),
        ("gpu_model>H100", 9, K::UnsupportedOperator { field: "gpu_model", op: ">" }),
        ("gpu_model >= H100", 10, K::UnsupportedOperator { field: "gpu_model", op: ">=" }),
        ("gpu_model in H100", 13, K::ListExpected),
        ("gpu_model notin", 15, K::ListExpected),
        ("gpu_model in [H100", 18, K::UnterminatedList),
        ("gpu_model in [H100 A100]", 19, K::UnterminatedList),
        ("gpu_model in [H100 = A100]", 19, K::UnterminatedList),
        ("gpu_model in []", 13, K::EmptyList),
        ("gpu_model in [ ]", 13, K::EmptyList),
        ("gpu_model=\"H100", 10, K::UnterminatedString),
        ("gpu_model in [\"H100]", 14, K::UnterminatedString),
        ("vram_gib>=40 & tier=audited", 13, K::UnexpectedChar { ch: '&' }),
        ("gpu_count!5", 9, K::UnexpectedChar { ch: '!' }),
        ("gpu_count=1 gpu_model=é", 22, K::UnexpectedChar { ch: 'é' }),
        ("gpu_count=1;", 11, K::UnexpectedChar { ch: ';' }),
    ];
    for (src, position, kind) in cases {
        assert_eq!(err(src), QueryError::new(position, kind), "{src}");
    }
    let tier = err("tier>=gold");
    assert_eq!(tier.position, 6);
    assert!(
        matches!(&tier.kind, K::InvalidValue { field: "tier", reason, .. } if reason.contains("self-reported"))
    );
}

#[test]
fn error_messages_read_well() {
    assert_eq!(
        err("vrm_gib>=4").to_string(),
        "at column 1: unknown field `vrm_gib` (expected one of: gpu_model, gpu_count, vram_gib, \
         compute_cap, tier, price_gpu_hour, reliability)"
    );
    assert_eq!(
        err("vram_gib 40").to_string(),
        "at column 10: expected an operator (= != < <= > >= in notin) after `vram_gib`, found `40`"
    );
    assert_eq!(
        err("vram_gib").kind.to_string(),
        "expected an operator (= != < <= > >= in notin) after `vram_gib`, found end of query"
    );
    assert_eq!(
        err("gpu_model < H100").kind.to_string(),
        "operator `<` is not supported for field `gpu_model`"
    );
    assert_eq!(
        err("vram_gib>=x").to_string(),
        "at column 11: invalid value `x` for `vram_gib`: expected a whole number"
    );
    assert_eq!(err("gpu_count=1 &").kind.to_string(), "unexpected character '&'");
    // Every kind has a non-empty message.
    for src in ["", "gpu_model in []", "gpu_model in [a", "gpu_model in a", "gpu_model=\"a"] {
        if let Err(e) = Query::parse(src) {
            assert!(!e.kind.to_string().is_empty());
        }
    }
}

#[test]
fn render_points_at_the_error() {
    let src = "gpu_count>=2 vram_gib>=x";
    assert_eq!(err(src).render(src), format!("{}\n  {src}\n  {}^", err(src), " ".repeat(23)));
    let src = "gpu_count>=2\n\tvram_gib>=x\ntier>=audited";
    let rendered = err(src).render(src);
    assert!(rendered.ends_with("\n  \tvram_gib>=x\n  \t          ^"), "{rendered}");
    let src = "vram_gib";
    assert!(err(src).render(src).ends_with("\n  vram_gib\n          ^"));
    // A position that is not a character boundary must not panic.
    let src = "€".repeat(400);
    let error = err(&src);
    assert_eq!(error.position, MAX_QUERY_LEN);
    assert!(error.render(&src).ends_with('^'));
    assert!(QueryError::new(usize::MAX, QueryErrorKind::EmptyList).render("x").ends_with('^'));
}

#[test]
fn limits_are_typed_errors() {
    // Source length.
    let fits = format!("gpu_count>=1{}", " ".repeat(MAX_QUERY_LEN - 12));
    assert_eq!(fits.len(), MAX_QUERY_LEN);
    assert_eq!(q(&fits).clauses.len(), 1);
    let long = format!("{fits} ");
    let kind = QueryErrorKind::TooLong { len: MAX_QUERY_LEN + 1, max: MAX_QUERY_LEN };
    assert_eq!(err(&long), QueryError::new(MAX_QUERY_LEN, kind));

    // Clauses.
    let clauses = vec!["gpu_count>=1"; MAX_CLAUSES];
    assert_eq!(q(&clauses.join(" ")).clauses.len(), MAX_CLAUSES);
    let too_many = format!("{} tier>=audited", clauses.join(" "));
    let kind = QueryErrorKind::TooManyClauses { max: MAX_CLAUSES };
    assert_eq!(err(&too_many), QueryError::new(13 * MAX_CLAUSES, kind));

    // List items.
    let items: Vec<String> = (1..=MAX_LIST_ITEMS).map(|n| n.to_string()).collect();
    let full = format!("gpu_count in [{}]", items.join(","));
    assert_eq!(q(&full).clauses[0].value, Value::List((1..=32).map(Scalar::Int).collect()));
    let over = format!("gpu_count in [{},99]", items.join(","));
    let position = over.rfind("99").unwrap();
    let kind = QueryErrorKind::ListTooLong { max: MAX_LIST_ITEMS };
    assert_eq!(err(&over), QueryError::new(position, kind));

    // Words.
    let word = "A".repeat(MAX_WORD_LEN);
    assert!(q(&format!("gpu_model={word}")).clauses.len() == 1);
    assert!(q(&format!("gpu_model=\"{word}\"")).clauses.len() == 1);
    let kind = QueryErrorKind::WordTooLong { max: MAX_WORD_LEN };
    assert_eq!(err(&format!("gpu_model={word}A")), QueryError::new(10, kind.clone()));
    assert_eq!(err(&format!("gpu_model=\"{word}A\"")), QueryError::new(10, kind.clone()));
    assert_eq!(err(&format!("{word}A=1")), QueryError::new(0, kind));
}

#[test]
fn display_is_canonical_and_round_trips() {
    let cases = [
        (EXAMPLE, EXAMPLE),
        ("gpu_model in [ H100 , a100 ]  vram_gib >= 40", "gpu_model in [H100,a100] vram_gib>=40"),
        ("price_gpu_hour<=1.20", "price_gpu_hour<=1.2"),
        ("price_gpu_hour < 3.", "price_gpu_hour<3"),
        ("reliability>0.990", "reliability>0.99"),
        ("reliability>=1", "reliability>=1"),
        ("compute_cap>=9", "compute_cap>=9.0"),
        ("compute_cap in [08.9, 9]", "compute_cap in [8.9,9.0]"),
        ("tier>=Challenged", "tier>=challenged"),
        ("tier notin [SELF-REPORTED]", "tier notin [self-reported]"),
        ("gpu_count==02", "gpu_count=2"),
        ("gpu_model=\"H100\"", "gpu_model=H100"),
        ("gpu_model=\"RTX 4090\"", "gpu_model=\"RTX 4090\""),
        ("gpu_model!=\"\"", "gpu_model!=\"\""),
        ("gpu_model notin [\"a b\",c, \"d,e]\"]", "gpu_model notin [\"a b\",c,\"d,e]\"]"),
        ("gpu_model=in", "gpu_model=in"),
        ("GPU_MODEL NOTIN [x]", "gpu_model notin [x]"),
    ];
    for (src, canonical) in cases {
        let query = q(src);
        assert_eq!(query.to_string(), canonical, "{src}");
        assert_eq!(Query::parse(&query.to_string()), Ok(query.clone()), "{src}");
        assert_eq!(canonical.parse::<Query>(), Ok(query), "{src}");
    }
}

#[test]
fn borsh_round_trips() {
    let query = q(EXAMPLE);
    let bytes = borsh::to_vec(&query).unwrap();
    assert_eq!(borsh::from_slice::<Query>(&bytes).unwrap(), query);
}

#[test]
fn failing_names_exactly_the_failing_clauses() {
    let query = q("gpu_model=H100 gpu_count>=8 vram_gib>=40 tier>=attested price_gpu_hour<=2");
    let failing: Vec<String> = query.failing(&offer()).map(Clause::to_string).collect();
    assert_eq!(failing, ["gpu_count>=8", "tier>=attested"]);
    assert!(!query.matches(&offer()));
    let ok = OfferAttributes { gpu_count: 8, tier: EvidenceTier::Attested, ..offer() };
    assert_eq!(query.failing(&ok).count(), 0);
    assert!(query.matches(&ok));
}

#[test]
fn ill_typed_clauses_never_hold() {
    let clause = |field, op, value| Clause { field, op, value };
    let bad = [
        clause(Field::GpuCount, Op::Eq, Value::One(Scalar::Text("4".into()))),
        clause(Field::GpuCount, Op::Ne, Value::One(Scalar::Tier(EvidenceTier::Audited))),
        clause(Field::GpuCount, Op::NotIn, Value::List(vec![Scalar::Ppm(1)])),
        clause(Field::GpuCount, Op::In, Value::One(Scalar::Int(4))),
        clause(Field::GpuCount, Op::Eq, Value::List(vec![Scalar::Int(4)])),
        clause(Field::GpuModel, Op::Lt, Value::One(Scalar::Text("Z".into()))),
        clause(Field::VramGib, Op::Ne, Value::One(Scalar::Int(u64::MAX))),
    ];
    for clause in bad {
        assert!(!clause.holds(&offer()), "{clause:?}");
    }
}

#[test]
fn field_and_op_names() {
    for field in Field::ALL {
        assert_eq!(Field::from_name(field.name()), Some(field));
        assert_eq!(field.to_string(), field.name());
    }
    assert_eq!(Field::from_name("vram"), None);
    for op in Op::ALL {
        assert_eq!(op.to_string(), op.symbol());
        assert!(Field::GpuCount.supports(op));
    }
    assert!(!Field::GpuModel.supports(Op::Lt));
    assert!(Field::GpuModel.supports(Op::NotIn));
}

fn clause_source() -> impl Strategy<Value = String> {
    prop_oneof![
        "gpu_model ?(=|==|!=) ?[A-Za-z0-9_.-]{1,10}",
        "gpu_model ?= ?\"[ -!#-~]{0,10}\"",
        "gpu_model (in|notin) ?\\[ ?[A-Za-z0-9]{1,5}( ?, ?[A-Za-z0-9]{1,5}){0,4} ?\\]",
        "(gpu_count|vram_gib) ?(=|!=|<|<=|>|>=) ?[0-9]{1,6}",
        "gpu_count (in|notin) \\[[0-9]{1,3}(,[0-9]{1,3}){0,3}\\]",
        "compute_cap ?(<|>=|=|!=) ?[0-9]{1,2}(\\.[0-9]{1,2})?",
        "tier ?(>=|<|=) ?(self-reported|challenged|audited|attested|Audited)",
        "price_gpu_hour ?(<=|>) ?[0-9]{1,4}(\\.[0-9]{0,6})?",
        "reliability ?(>|<=) ?(0\\.[0-9]{1,6}|1|0)",
    ]
}

proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,200}") {
        let _ = Query::parse(&s);
    }

    #[test]
    fn never_panics_on_query_like_text(s in "[a-z_ =!<>\\[\\],\"0-9.\n-]{0,300}") {
        if let Err(e) = Query::parse(&s) {
            let _ = e.render(&s);
        }
    }

    #[test]
    fn valid_queries_round_trip(clauses in prop::collection::vec(clause_source(), 0..8)) {
        let src = clauses.join(" ");
        let query = Query::parse(&src).map_err(|e| TestCaseError::fail(e.render(&src)))?;
        prop_assert_eq!(query.clauses.len(), clauses.len());
        let canonical = query.to_string();
        prop_assert_eq!(Query::parse(&canonical), Ok(query.clone()));
        prop_assert_eq!(Query::parse(&canonical).map(|q| q.to_string()), Ok(canonical));
        let _ = query.matches(&offer());
    }
}
