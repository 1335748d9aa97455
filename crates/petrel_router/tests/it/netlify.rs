//! Netlify Functions custom paths through the public API: `netlify-functions-semantics.md` §14
//! conformance cases 7–15 and 19 (routing part), plus the §3.4 notes on `path: "/"` and
//! case sensitivity.

use petrel_router::{NetlifyPath, NetlifyPathError, NetlifyRoute, NetlifyRouteTable};

/// One function's config, as the config reader would hand it over (methods already upper-cased).
fn function(
    name: &'static str,
    paths: &[&str],
    excluded: &[&str],
    methods: Option<&[&str]>,
) -> NetlifyRoute<&'static str> {
    let compile = |list: &[&str]| -> Vec<NetlifyPath> {
        list.iter()
            .map(|p| NetlifyPath::parse(p).unwrap_or_else(|e| panic!("{p}: {e}")))
            .collect()
    };
    NetlifyRoute {
        paths: compile(paths),
        excluded: compile(excluded),
        methods: methods.map(|m| m.iter().map(|s| s.to_ascii_uppercase()).collect()),
        value: name,
    }
}

/// `None` = not routed (falls through); otherwise the function and its params as `k=v&…`.
fn route(table: &NetlifyRouteTable<&'static str>, method: &str, path: &str) -> Option<String> {
    table.match_request(method, path).map(|m| {
        let params: Vec<String> = m.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{} {}", m.value, params.join("&"))
    })
}

/// Method, request path, expected [`route`] answer.
type Request = (&'static str, &'static str, Option<&'static str>);

#[test]
fn conformance_cases_7_to_15() {
    let cases: &[(&str, NetlifyRoute<&'static str>, &[Request])] = &[
        (
            "7-9, 15",
            function("x", &["/api/items/:id"], &[], None),
            &[
                ("GET", "/api/items/42", Some("x id=42")),
                ("GET", "/api/items/42/", Some("x id=42")),
                ("GET", "/.netlify/functions/x", None),
                ("GET", "/api/items/a%20b", Some("x id=a%20b")),
            ],
        ),
        (
            "10",
            function("x", &["/api/items/:id"], &["/api/items/secret"], None),
            &[
                ("GET", "/api/items/secret", None),
                ("GET", "/api/items/secret/", None),
                ("GET", "/api/items/public", Some("x id=public")),
            ],
        ),
        (
            "11",
            function("x", &["/api/items/:id"], &[], Some(&["GET", "POST"])),
            &[
                ("DELETE", "/api/items/42", None),
                ("GET", "/api/items/42", Some("x id=42")),
                ("POST", "/api/items/42", Some("x id=42")),
            ],
        ),
        (
            "12",
            function("x", &["/lower"], &[], Some(&["post"])),
            &[("POST", "/lower", Some("x ")), ("GET", "/lower", None)],
        ),
        (
            "13",
            function("x", &["/api/wild/*"], &[], None),
            &[
                ("GET", "/api/wild/a/b/c", Some("x 0=a/b/c")),
                ("GET", "/api/wild", None),
                ("GET", "/api/wild/", None),
            ],
        ),
        (
            "14",
            function("x", &["/api/opt/:x?"], &[], None),
            &[
                ("GET", "/api/opt", Some("x ")),
                ("GET", "/api/opt/zz", Some("x x=zz")),
            ],
        ),
        (
            "path: \"/\"",
            function("root", &["/"], &[], None),
            &[("GET", "/", Some("root ")), ("GET", "/x", None)],
        ),
        (
            "case-sensitive literal (prod)",
            function("mixed", &["/Mixed/Case"], &[], None),
            &[
                ("GET", "/Mixed/Case", Some("mixed ")),
                ("GET", "/mixed/case", None),
            ],
        ),
    ];
    for (case, config, requests) in cases {
        let table = NetlifyRouteTable::new(vec![config.clone()]);
        for &(method, path, expected) in *requests {
            assert_eq!(
                route(&table, method, path).as_deref(),
                expected,
                "case {case}: {method} {path}"
            );
        }
    }
}

#[test]
fn first_function_in_registry_order_wins() {
    let table = NetlifyRouteTable::new(vec![
        function("a", &["/api/items/:id"], &["/api/items/secret"], None),
        function("b", &["/api/*"], &[], None),
        function("c", &["/api/items/:id"], &[], None),
    ]);
    assert_eq!(
        route(&table, "GET", "/api/items/1").as_deref(),
        Some("a id=1")
    );
    assert_eq!(
        route(&table, "GET", "/api/items/secret").as_deref(),
        Some("b 0=items/secret")
    );
}

#[test]
fn case_19_and_invalid_patterns_give_netlifys_messages() {
    let prefix = "Function x has a configuration error on 'path': ";
    let message = |p: &str| format!("{prefix}{}", NetlifyPath::parse(p).unwrap_err());
    assert_eq!(
        message("noslash"),
        "Function x has a configuration error on 'path': Must start with a '/'"
    );
    for bad in ["/products(", "/api/{", "/api/:", "/api/:id/:id"] {
        let err = NetlifyPath::parse(bad).unwrap_err();
        assert!(matches!(err, NetlifyPathError::InvalidUrlPattern { .. }));
        assert_eq!(
            err.to_string(),
            format!("'{bad}' is not a valid path according to the URLPattern specification")
        );
    }
}
