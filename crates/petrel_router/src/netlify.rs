//! Netlify Functions custom paths: the `config.path` / `config.excludedPath` entries of a v2
//! function, parsed and matched the way Netlify's production router does it
//! (`netlify-functions-semantics.md` §3.1 and §3.4).
//!
//! A path is one of two kinds, decided the way Netlify's bundler decides it: split on `/`, a path
//! is **literal** unless a segment contains `*`, `{`, `[` or `(`, or starts with `:`. Literal
//! paths are not parsed any further and match by (case-sensitive) string equality, with one
//! optional trailing `/` on the request. Every other path is a URLPattern pathname pattern
//! (<https://urlpattern.spec.whatwg.org/>), compiled to the regular expression URLPattern
//! generates, with an optional trailing `/` appended.
//!
//! Matching takes the raw request pathname (still percent-encoded, no query). For a pattern,
//! one trailing `/` is removed first (not from `/` itself), so `/api/wild/*` does not match
//! `/api/wild/`; parameters are not percent-decoded.
//!
//! Supported URLPattern syntax: fixed text, named groups `:name`, the wildcard `*`, custom regexp
//! groups `:name(…)` and `(…)` (the regular-expression subset described in [`regexp`]),
//! non-capturing groups `{…}`, the modifiers `?`, `*`, `+`, and `\` escapes. Fixed text is
//! percent-encoded like URLPattern's pathname canonicalisation (spaces, `"`, `#`, `<`, `>`, `?`,
//! `` ` ``, `{`, `}`, controls and non-ASCII); dot segments in fixed text are not resolved.

mod regexp;

use std::fmt;
use std::str::FromStr;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use regexp::Node;

/// Why a `config.path` / `excludedPath` entry was rejected. The `Display` text is Netlify's own
/// message; prefix it with `Function <name> has a configuration error on 'path': ` where Netlify
/// does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetlifyPathError {
    /// The path does not start with `/`.
    #[error("Must start with a '/'")]
    MustStartWithSlash,
    /// The path is not valid URLPattern pathname syntax, or uses a regular-expression feature
    /// this crate does not implement (then `reason` starts with `unsupported:`).
    #[error("'{path}' is not a valid path according to the URLPattern specification")]
    InvalidUrlPattern {
        /// The path as written.
        path: String,
        /// What is wrong, for logs (not part of the message).
        reason: String,
    },
}

/// One compiled `config.path` or `config.excludedPath` entry.
#[derive(Debug, Clone)]
pub struct NetlifyPath {
    source: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// Matched by string equality.
    Literal,
    /// A URLPattern pathname pattern.
    Pattern {
        /// The whole regular expression, without the implicit `^` and `$`.
        root: Node,
        /// The group names, in capture order (`"0"`, `"1"`, … for unnamed groups).
        names: Vec<String>,
    },
}

impl NetlifyPath {
    /// Parses and compiles one path.
    pub fn parse(path: &str) -> Result<NetlifyPath, NetlifyPathError> {
        if !path.starts_with('/') {
            return Err(NetlifyPathError::MustStartWithSlash);
        }
        let kind = if is_literal(path) {
            Kind::Literal
        } else {
            compile(path).map_err(|reason| NetlifyPathError::InvalidUrlPattern {
                path: path.to_owned(),
                reason,
            })?
        };
        Ok(NetlifyPath {
            source: path.to_owned(),
            kind,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the path is literal (matched by string equality, no parameters).
    pub fn is_literal(&self) -> bool {
        matches!(self.kind, Kind::Literal)
    }

    /// The parameter names in pattern order; unnamed groups are `"0"`, `"1"`, ….
    pub fn param_names(&self) -> &[String] {
        match &self.kind {
            Kind::Literal => &[],
            Kind::Pattern { names, .. } => names,
        }
    }

    /// Matches a request pathname (raw, still percent-encoded, no query). Returns the params
    /// (name → value, NOT percent-decoded; unnamed groups keyed `"0"`, `"1"`, …; optional groups
    /// that did not participate are absent), in pattern order, or `None`.
    pub fn matches(&self, pathname: &str) -> Option<Vec<(String, String)>> {
        match &self.kind {
            Kind::Literal => {
                let source = self.source.as_str();
                (pathname == source || pathname.strip_suffix('/') == Some(source)).then(Vec::new)
            }
            Kind::Pattern { root, names } => {
                let path = match pathname.strip_suffix('/') {
                    Some(stripped) if !stripped.is_empty() => stripped,
                    _ => pathname,
                };
                let chars: Vec<char> = path.chars().collect();
                let captures = regexp::match_whole(root, names.len(), &chars)?;
                Some(
                    names
                        .iter()
                        .zip(captures)
                        .filter_map(|(name, span)| {
                            span.map(|(start, end)| {
                                (name.clone(), chars[start..end].iter().collect())
                            })
                        })
                        .collect(),
                )
            }
        }
    }
}

impl PartialEq for NetlifyPath {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for NetlifyPath {}

impl fmt::Display for NetlifyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl FromStr for NetlifyPath {
    type Err = NetlifyPathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NetlifyPath::parse(s)
    }
}

impl serde::Serialize for NetlifyPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

/// One function's routing configuration.
#[derive(Debug, Clone)]
pub struct NetlifyRoute<T> {
    /// `config.path`: the route matches when any of these matches. A route with no paths never
    /// matches (its function is reachable at its default URL, which is not routed here).
    pub paths: Vec<NetlifyPath>,
    /// `config.excludedPath`: the route does not match when any of these matches.
    pub excluded: Vec<NetlifyPath>,
    /// `config.method`, upper-case. `None` or an empty list: every method.
    pub methods: Option<Vec<String>>,
    /// The caller's value (e.g. the function).
    pub value: T,
}

/// A request matched to a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetlifyMatch<'a, T> {
    /// The value stored with the matched route.
    pub value: &'a T,
    /// The index of the matched route, in registry order.
    pub index: usize,
    /// The `config.path` entry that matched, as written.
    pub pattern: &'a str,
    /// The parameters, as [`NetlifyPath::matches`] returns them.
    pub params: Vec<(String, String)>,
}

impl<T> NetlifyMatch<'_, T> {
    /// The value of parameter `name`, if present.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Functions' custom paths in registry order; the first route that matches wins.
#[derive(Debug, Clone)]
pub struct NetlifyRouteTable<T> {
    routes: Vec<NetlifyRoute<T>>,
}

impl<T> NetlifyRouteTable<T> {
    /// A table of `routes`, kept in the given (registry) order.
    pub fn new(routes: Vec<NetlifyRoute<T>>) -> Self {
        NetlifyRouteTable { routes }
    }

    /// The first route (registry order) whose paths match `pathname`, whose method list (if any)
    /// contains `method` (compared exactly; the lists are upper-case), and that no excluded path
    /// matches. Within a route, the first matching path supplies the pattern and the params.
    /// `pathname` is the raw request pathname (percent-encoded, no query).
    pub fn match_request(&self, method: &str, pathname: &str) -> Option<NetlifyMatch<'_, T>> {
        self.routes.iter().enumerate().find_map(|(index, route)| {
            if let Some(methods) = &route.methods
                && !methods.is_empty()
                && !methods.iter().any(|m| m == method)
            {
                return None;
            }
            let (path, params) = route
                .paths
                .iter()
                .find_map(|path| path.matches(pathname).map(|params| (path, params)))?;
            if route
                .excluded
                .iter()
                .any(|excluded| excluded.matches(pathname).is_some())
            {
                return None;
            }
            Some(NetlifyMatch {
                value: &route.value,
                index,
                pattern: path.as_str(),
                params,
            })
        })
    }

    /// The routes in registry order.
    pub fn routes(&self) -> &[NetlifyRoute<T>] {
        &self.routes
    }

    /// The number of routes.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether the table has no routes.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// Literal detection
// ---------------------------------------------------------------------------------------------

/// Netlify's bundler: a path is literal unless one of its `/`-separated segments contains `*`,
/// `{`, `[` or `(`, or starts with `:`. (So `/a-:b` is literal, and literal paths are never
/// checked against the URLPattern syntax.)
fn is_literal(path: &str) -> bool {
    path.split('/')
        .all(|segment| !(segment.starts_with(':') || segment.contains(['*', '{', '[', '('])))
}

// ---------------------------------------------------------------------------------------------
// URLPattern tokenizer (strict mode)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// `{`
    Open,
    /// `}`
    Close,
    /// `(…)`: the text between the parentheses.
    Regexp(String),
    /// `:name`: the name.
    Name(String),
    /// Any other character.
    Char(char),
    /// `\x`: the escaped character.
    EscapedChar(char),
    /// `?` or `+`.
    OtherModifier(char),
    /// `*`
    Asterisk,
    End,
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' => tokens.push(Token::Asterisk),
            '+' | '?' => tokens.push(Token::OtherModifier(c)),
            '\\' => {
                let Some(&escaped) = chars.get(i + 1) else {
                    return Err("`\\` at the end of the pattern".to_owned());
                };
                tokens.push(Token::EscapedChar(escaped));
                i += 1;
            }
            '{' => tokens.push(Token::Open),
            '}' => tokens.push(Token::Close),
            ':' => {
                let mut end = i + 1;
                while let Some(&n) = chars.get(end) {
                    let valid = if end == i + 1 {
                        is_identifier_start(n)
                    } else {
                        is_identifier_part(n)
                    };
                    if !valid {
                        break;
                    }
                    end += 1;
                }
                if end == i + 1 {
                    return Err(format!("missing parameter name at {i}"));
                }
                tokens.push(Token::Name(chars[i + 1..end].iter().collect()));
                i = end;
                continue;
            }
            '(' => {
                let (body, end) = tokenize_regexp(&chars, i)?;
                tokens.push(Token::Regexp(body));
                i = end;
                continue;
            }
            _ => tokens.push(Token::Char(c)),
        }
        i += 1;
    }
    tokens.push(Token::End);
    Ok(tokens)
}

/// A regexp group starting at `chars[open] == '('`: returns its body and the index after `)`.
fn tokenize_regexp(chars: &[char], open: usize) -> Result<(String, usize), String> {
    let mut depth = 1;
    let mut pos = open + 1;
    while pos < chars.len() {
        let c = chars[pos];
        if !c.is_ascii() {
            return Err(format!("non-ASCII character in regexp group at {pos}"));
        }
        if pos == open + 1 && c == '?' {
            return Err(format!("regexp group cannot start with `?` at {pos}"));
        }
        if c == '\\' {
            match chars.get(pos + 1) {
                Some(next) if next.is_ascii() => pos += 2,
                _ => return Err(format!("invalid escape in regexp group at {pos}")),
            }
            continue;
        }
        if c == ')' {
            depth -= 1;
            if depth == 0 {
                pos += 1;
                break;
            }
        } else if c == '(' {
            depth += 1;
            if chars.get(pos + 1) != Some(&'?') {
                return Err(format!(
                    "capturing groups are not allowed inside a regexp group at {pos}"
                ));
            }
        }
        pos += 1;
    }
    if depth != 0 {
        return Err(format!("unbalanced regexp group at {open}"));
    }
    if pos - open - 2 == 0 {
        return Err(format!("missing regexp group body at {open}"));
    }
    Ok((chars[open + 1..pos - 1].iter().collect(), pos))
}

/// JavaScript IdentifierStart: `$`, `_` or ID_Start (non-ASCII approximated by `Alphabetic`).
fn is_identifier_start(c: char) -> bool {
    c == '$' || c == '_' || c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic())
}

/// JavaScript IdentifierPart: `$`, `_`, ZWNJ, ZWJ or ID_Continue (non-ASCII approximated by
/// `Alphanumeric`).
fn is_identifier_part(c: char) -> bool {
    is_identifier_start(c)
        || c.is_ascii_digit()
        || c == '\u{200C}'
        || c == '\u{200D}'
        || (!c.is_ascii() && c.is_alphanumeric())
}

// ---------------------------------------------------------------------------------------------
// URLPattern parser
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Modifier {
    None,
    /// `?`
    Optional,
    /// `*`
    ZeroOrMore,
    /// `+`
    OneOrMore,
}

impl Modifier {
    fn bounds(self) -> (u32, Option<u32>) {
        match self {
            Modifier::None => (1, Some(1)),
            Modifier::Optional => (0, Some(1)),
            Modifier::ZeroOrMore => (0, None),
            Modifier::OneOrMore => (1, None),
        }
    }
}

/// What a group matches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum GroupKind {
    /// `[^/]+?` (a `:name` without a regexp).
    Segment,
    /// `.*` (`*`).
    Full,
    /// A custom regexp `(…)`.
    Regexp(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Fixed {
        /// Already canonicalised (percent-encoded).
        value: String,
        modifier: Modifier,
    },
    Group {
        name: String,
        kind: GroupKind,
        prefix: String,
        suffix: String,
        modifier: Modifier,
    },
}

/// A regexp-or-wildcard token, as consumed by the parser.
enum Matcher {
    Regexp(String),
    Wildcard,
}

struct Parser {
    tokens: Vec<Token>,
    index: usize,
    pending: String,
    parts: Vec<Part>,
    next_numeric_name: usize,
}

fn parse_parts(input: &str) -> Result<Vec<Part>, String> {
    let mut parser = Parser {
        tokens: tokenize(input)?,
        index: 0,
        pending: String::new(),
        parts: Vec::new(),
        next_numeric_name: 0,
    };
    parser.run()?;
    Ok(parser.parts)
}

impl Parser {
    fn peek(&self) -> &Token {
        self.tokens.get(self.index).unwrap_or(&Token::End)
    }

    fn try_char(&mut self) -> Option<char> {
        match *self.peek() {
            Token::Char(c) => {
                self.index += 1;
                Some(c)
            }
            _ => None,
        }
    }

    fn try_escaped(&mut self) -> Option<char> {
        match *self.peek() {
            Token::EscapedChar(c) => {
                self.index += 1;
                Some(c)
            }
            _ => None,
        }
    }

    fn try_name(&mut self) -> Option<String> {
        match self.peek() {
            Token::Name(name) => {
                let name = name.clone();
                self.index += 1;
                Some(name)
            }
            _ => None,
        }
    }

    /// A regexp token, or (only when there is no name) an asterisk.
    fn try_regexp_or_wildcard(&mut self, has_name: bool) -> Option<Matcher> {
        match self.peek() {
            Token::Regexp(body) => {
                let body = body.clone();
                self.index += 1;
                Some(Matcher::Regexp(body))
            }
            Token::Asterisk if !has_name => {
                self.index += 1;
                Some(Matcher::Wildcard)
            }
            _ => None,
        }
    }

    fn try_modifier(&mut self) -> Modifier {
        let modifier = match self.peek() {
            Token::OtherModifier('?') => Modifier::Optional,
            Token::OtherModifier(_) => Modifier::OneOrMore,
            Token::Asterisk => Modifier::ZeroOrMore,
            _ => return Modifier::None,
        };
        self.index += 1;
        modifier
    }

    /// A run of char and escaped-char tokens.
    fn consume_text(&mut self) -> String {
        let mut text = String::new();
        while let Some(c) = self.try_char().or_else(|| self.try_escaped()) {
            text.push(c);
        }
        text
    }

    fn run(&mut self) -> Result<(), String> {
        while self.index < self.tokens.len() {
            let char_token = self.try_char();
            let name = self.try_name();
            let matcher = self.try_regexp_or_wildcard(name.is_some());
            if name.is_some() || matcher.is_some() {
                let mut prefix = char_token.map(String::from).unwrap_or_default();
                if !prefix.is_empty() && prefix != "/" {
                    self.pending.push_str(&prefix);
                    prefix.clear();
                }
                self.flush_pending();
                let modifier = self.try_modifier();
                self.add_part(&prefix, name, matcher, "", modifier)?;
                continue;
            }
            if let Some(c) = char_token.or_else(|| self.try_escaped()) {
                self.pending.push(c);
                continue;
            }
            if *self.peek() == Token::Open {
                self.index += 1;
                let prefix = self.consume_text();
                let name = self.try_name();
                let matcher = self.try_regexp_or_wildcard(name.is_some());
                let suffix = self.consume_text();
                if *self.peek() != Token::Close {
                    return Err(format!("expected `}}`, found {}", describe(self.peek())));
                }
                self.index += 1;
                let modifier = self.try_modifier();
                self.add_part(&prefix, name, matcher, &suffix, modifier)?;
                continue;
            }
            self.flush_pending();
            if *self.peek() != Token::End {
                return Err(format!("unexpected {}", describe(self.peek())));
            }
            self.index += 1;
        }
        Ok(())
    }

    fn flush_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let value = canonicalize(&std::mem::take(&mut self.pending));
        self.parts.push(Part::Fixed {
            value,
            modifier: Modifier::None,
        });
    }

    fn add_part(
        &mut self,
        prefix: &str,
        name: Option<String>,
        matcher: Option<Matcher>,
        suffix: &str,
        modifier: Modifier,
    ) -> Result<(), String> {
        if name.is_none() && matcher.is_none() && modifier == Modifier::None {
            self.pending.push_str(prefix);
            self.pending.push_str(suffix);
            return Ok(());
        }
        self.flush_pending();
        if name.is_none() && matcher.is_none() {
            // `{text}?` and the like; URLPattern never has a suffix here.
            let text = format!("{prefix}{suffix}");
            if !text.is_empty() {
                self.parts.push(Part::Fixed {
                    value: canonicalize(&text),
                    modifier,
                });
            }
            return Ok(());
        }
        let kind = match matcher {
            None => GroupKind::Segment,
            Some(Matcher::Wildcard) => GroupKind::Full,
            Some(Matcher::Regexp(body)) => GroupKind::Regexp(body),
        };
        let name = match name {
            Some(name) => name,
            None => {
                let numeric = self.next_numeric_name.to_string();
                self.next_numeric_name += 1;
                numeric
            }
        };
        let duplicate = self
            .parts
            .iter()
            .any(|part| matches!(part, Part::Group { name: n, .. } if *n == name));
        if duplicate {
            return Err(format!("duplicate group name `{name}`"));
        }
        self.parts.push(Part::Group {
            name,
            kind,
            prefix: canonicalize(prefix),
            suffix: canonicalize(suffix),
            modifier,
        });
        Ok(())
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Open => "`{`".to_owned(),
        Token::Close => "`}`".to_owned(),
        Token::Regexp(body) => format!("regexp group `({body})`"),
        Token::Name(name) => format!("`:{name}`"),
        Token::Char(c) => format!("`{c}`"),
        Token::EscapedChar(c) => format!("`\\{c}`"),
        Token::OtherModifier(c) => format!("modifier `{c}`"),
        Token::Asterisk => "`*`".to_owned(),
        Token::End => "end of pattern".to_owned(),
    }
}

/// The characters URL parsing percent-encodes in a path: the path percent-encode set.
const PATH_SET: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// URLPattern's pathname encoding callback for fixed text, reduced to percent-encoding (no
/// dot-segment resolution, no `\` → `/`).
fn canonicalize(text: &str) -> String {
    utf8_percent_encode(text, PATH_SET).to_string()
}

// ---------------------------------------------------------------------------------------------
// Regular expression generation
// ---------------------------------------------------------------------------------------------

/// Parses a URLPattern pathname and builds the regular expression URLPattern generates for it,
/// followed by the optional trailing `/` Netlify appends.
fn compile(path: &str) -> Result<Kind, String> {
    let parts = parse_parts(path)?;
    let mut names = Vec::new();
    let mut sequence = Vec::new();
    for part in parts {
        match part {
            Part::Fixed { value, modifier } => {
                let literal = Node::Literal(value.chars().collect());
                sequence.push(match modifier {
                    Modifier::None => literal,
                    modifier => {
                        let (min, max) = modifier.bounds();
                        Node::repeat(literal, min, max, true)
                    }
                });
            }
            Part::Group {
                name,
                kind,
                prefix,
                suffix,
                modifier,
            } => {
                let index = names.len();
                names.push(name);
                let body = || -> Result<Node, String> {
                    Ok(match &kind {
                        GroupKind::Segment => Node::repeat(
                            Node::Set(regexp::CharSet {
                                negated: true,
                                items: vec![regexp::ClassItem::Range('/', '/')],
                            }),
                            1,
                            None,
                            false,
                        ),
                        GroupKind::Full => Node::repeat(Node::Any, 0, None, true),
                        GroupKind::Regexp(source) => regexp::parse(source)?,
                    })
                };
                sequence.push(group_node(
                    index,
                    body()?,
                    body()?,
                    &prefix,
                    &suffix,
                    modifier,
                ));
            }
        }
    }
    sequence.push(Node::repeat(Node::Literal(vec!['/']), 0, Some(1), true));
    Ok(Kind::Pattern {
        root: Node::Seq(sequence),
        names,
    })
}

/// The regular expression of one group, as URLPattern generates it. `body` and `body_again`
/// are two copies of the group's own expression (a repeated group with a prefix or suffix
/// mentions it twice).
fn group_node(
    index: usize,
    body: Node,
    body_again: Node,
    prefix: &str,
    suffix: &str,
    modifier: Modifier,
) -> Node {
    let literal = |text: &str| Node::Literal(text.chars().collect());
    let capture = |node: Node| Node::Capture {
        node: Box::new(node),
        index,
    };
    let (min, max) = modifier.bounds();
    let repeated = matches!(modifier, Modifier::ZeroOrMore | Modifier::OneOrMore);
    if prefix.is_empty() && suffix.is_empty() {
        return if repeated {
            // `((?:body)+)` / `((?:body)*)`
            capture(Node::repeat(body, min, max, true))
        } else if modifier == Modifier::Optional {
            // `(body)?`
            Node::repeat(capture(body), 0, Some(1), true)
        } else {
            capture(body)
        };
    }
    if !repeated {
        // `(?:prefix(body)suffix)` with the modifier.
        let node = Node::Seq(vec![literal(prefix), capture(body), literal(suffix)]);
        return if modifier == Modifier::Optional {
            Node::repeat(node, 0, Some(1), true)
        } else {
            node
        };
    }
    // `(?:prefix((?:body)(?:suffix prefix(?:body))*)suffix)`, optional for `*`.
    let more = Node::Seq(vec![literal(&format!("{suffix}{prefix}")), body_again]);
    let node = Node::Seq(vec![
        literal(prefix),
        capture(Node::Seq(vec![body, Node::repeat(more, 0, None, true)])),
        literal(suffix),
    ]);
    if modifier == Modifier::ZeroOrMore {
        Node::repeat(node, 0, Some(1), true)
    } else {
        node
    }
}

#[cfg(test)]
mod tests;
