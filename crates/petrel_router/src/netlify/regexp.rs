//! The regular expressions behind a URLPattern pathname: a small syntax tree, a parser for the
//! JavaScript (`u` flag) regular-expression subset allowed in custom groups (`:id(\d+)`,
//! `(a|b)`), and a backtracking matcher with JavaScript's match priorities (greedy/lazy
//! quantifiers, left-to-right alternatives, empty-iteration check), so that ambiguous patterns
//! capture what a JavaScript `RegExp` would capture.
//!
//! Supported in custom groups: literals, `.`, classes `[...]`/`[^...]` with ranges, `\d \D \w \W
//! \s \S`, `\b \B`, `^ $`, control escapes (`\t \n \v \f \r \0 \cX \xHH \uHHHH \u{H…}`), identity
//! escapes of syntax characters and `/`, non-capturing groups `(?:…)`, lookaheads `(?=…)` and
//! `(?!…)`, alternation `|` and the quantifiers `* + ? {n} {n,} {n,m}` (each optionally lazy with
//! a trailing `?`). Rejected as unsupported: lookbehinds, named groups, inline modifiers,
//! backreferences, `\p{…}`, and `\u` escapes of lone surrogates. Everything else this parser
//! rejects is also a syntax error for JavaScript with the `u` flag.

/// A node of a regular expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    /// A run of literal characters.
    Literal(Vec<char>),
    /// `.`: any character except a line terminator.
    Any,
    /// A character class (also `\d`, `\w`, `\s` and their negations).
    Set(CharSet),
    /// A sequence.
    Seq(Vec<Node>),
    /// Alternatives, tried left to right.
    Alt(Vec<Node>),
    /// A quantified node.
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
        greedy: bool,
    },
    /// A capturing group; `index` counts from 0.
    Capture { node: Box<Node>, index: usize },
    /// `^` (no `m` flag: start of input).
    Start,
    /// `$` (no `m` flag: end of input).
    End,
    /// `\b` (`negated: false`) or `\B`.
    WordBoundary { negated: bool },
    /// `(?=…)` (`negated: false`) or `(?!…)`.
    Lookahead { node: Box<Node>, negated: bool },
}

impl Node {
    /// `node` repeated `min..=max` times (`max: None` = unbounded).
    pub(super) fn repeat(node: Node, min: u32, max: Option<u32>, greedy: bool) -> Node {
        Node::Repeat {
            node: Box::new(node),
            min,
            max,
            greedy,
        }
    }

    /// Whether the node always consumes exactly one character, and which ones.
    fn single_char(&self) -> Option<SingleChar<'_>> {
        match self {
            Node::Any => Some(SingleChar::Any),
            Node::Set(set) => Some(SingleChar::Set(set)),
            Node::Literal(chars) if chars.len() == 1 => Some(SingleChar::Char(chars[0])),
            _ => None,
        }
    }
}

/// A character class: `[...]`, `[^...]`, or a class escape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CharSet {
    pub(super) negated: bool,
    pub(super) items: Vec<ClassItem>,
}

impl CharSet {
    fn contains(&self, c: char) -> bool {
        self.items.iter().any(|item| item.contains(c)) != self.negated
    }
}

/// One member of a character class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClassItem {
    /// An inclusive range; a single character is `Range(c, c)`.
    Range(char, char),
    /// `\d` (`false`) or `\D` (`true`).
    Digit(bool),
    /// `\w` or `\W`.
    Word(bool),
    /// `\s` or `\S`.
    Space(bool),
}

impl ClassItem {
    fn contains(self, c: char) -> bool {
        match self {
            ClassItem::Range(lo, hi) => lo <= c && c <= hi,
            ClassItem::Digit(negated) => c.is_ascii_digit() != negated,
            ClassItem::Word(negated) => is_word_char(c) != negated,
            ClassItem::Space(negated) => is_js_space(c) != negated,
        }
    }
}

/// A node that matches exactly one character.
#[derive(Clone, Copy)]
enum SingleChar<'n> {
    Any,
    Set(&'n CharSet),
    Char(char),
}

impl SingleChar<'_> {
    fn test(self, c: char) -> bool {
        match self {
            SingleChar::Any => !is_line_terminator(c),
            SingleChar::Set(set) => set.contains(c),
            SingleChar::Char(x) => x == c,
        }
    }
}

/// JavaScript's `\w` without the `i` flag: `[A-Za-z0-9_]`.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// JavaScript's `\s`: WhiteSpace and LineTerminator.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Parses the body of a URLPattern regexp group (the text between the parentheses). The error
/// says what is wrong, for diagnostics only.
pub(super) fn parse(source: &str) -> Result<Node, String> {
    let mut parser = Parser {
        chars: source.chars().collect(),
        pos: 0,
    };
    let node = parser.disjunction()?;
    match parser.peek() {
        None => Ok(node),
        Some(c) => Err(format!("unexpected `{c}` in regular expression `{source}`")),
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

/// An atom of a character class: one character, or a class escape such as `\d`.
enum ClassAtom {
    Char(char),
    Item(ClassItem),
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn looking_at(&self, text: &str) -> bool {
        let mut rest = self.chars.get(self.pos..).unwrap_or_default().iter();
        text.chars().all(|c| rest.next() == Some(&c))
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn disjunction(&mut self) -> Result<Node, String> {
        let mut alternatives = vec![self.alternative()?];
        while self.eat('|') {
            alternatives.push(self.alternative()?);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.pop().unwrap_or(Node::Seq(Vec::new()))
        } else {
            Node::Alt(alternatives)
        })
    }

    fn alternative(&mut self) -> Result<Node, String> {
        let mut terms: Vec<Node> = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let term = self.term()?;
            // Merge runs of literal characters (keeps sequences short).
            if let (Node::Literal(next), Some(Node::Literal(prev))) = (&term, terms.last_mut()) {
                prev.extend_from_slice(next);
            } else {
                terms.push(term);
            }
        }
        Ok(if terms.len() == 1 {
            terms.pop().unwrap_or(Node::Seq(Vec::new()))
        } else {
            Node::Seq(terms)
        })
    }

    fn term(&mut self) -> Result<Node, String> {
        // Assertions: not quantifiable with the `u` flag.
        let assertion = if self.eat('^') {
            Some(Node::Start)
        } else if self.eat('$') {
            Some(Node::End)
        } else if self.looking_at("\\b") || self.looking_at("\\B") {
            let negated = self.peek_at(1) == Some('B');
            self.pos += 2;
            Some(Node::WordBoundary { negated })
        } else if self.looking_at("(?=") || self.looking_at("(?!") {
            let negated = self.peek_at(2) == Some('!');
            self.pos += 3;
            let node = self.disjunction()?;
            self.close_group()?;
            Some(Node::Lookahead {
                node: Box::new(node),
                negated,
            })
        } else {
            None
        };
        if let Some(assertion) = assertion {
            if matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
                return Err("nothing to repeat after an assertion".to_owned());
            }
            return Ok(assertion);
        }
        let atom = self.atom()?;
        self.quantifier(atom)
    }

    fn close_group(&mut self) -> Result<(), String> {
        if self.eat(')') {
            Ok(())
        } else {
            Err("unterminated group".to_owned())
        }
    }

    fn atom(&mut self) -> Result<Node, String> {
        let Some(c) = self.bump() else {
            return Err("unexpected end of regular expression".to_owned());
        };
        match c {
            '.' => Ok(Node::Any),
            '(' => {
                if self.looking_at("?:") {
                    self.pos += 2;
                    let node = self.disjunction()?;
                    self.close_group()?;
                    Ok(node)
                } else if self.peek() == Some('?') {
                    Err("unsupported: lookbehinds, named groups and inline modifiers".to_owned())
                } else {
                    // URLPattern's tokenizer rejects capturing groups inside a regexp group.
                    Err("capturing groups are not allowed inside a regexp group".to_owned())
                }
            }
            '[' => self.class(),
            '\\' => self.atom_escape(),
            '*' | '+' | '?' => Err(format!("nothing to repeat before `{c}`")),
            '{' | '}' | ']' => Err(format!("lone `{c}`")),
            ')' | '|' => Err(format!("unexpected `{c}`")),
            c => Ok(Node::Literal(vec![c])),
        }
    }

    fn quantifier(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => {
                self.pos += 1;
                (0, None)
            }
            Some('+') => {
                self.pos += 1;
                (1, None)
            }
            Some('?') => {
                self.pos += 1;
                (0, Some(1))
            }
            Some('{') => {
                self.pos += 1;
                let min = self
                    .number()
                    .ok_or_else(|| "incomplete quantifier `{`".to_owned())?;
                let max = if self.eat(',') {
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(
                            self.number()
                                .ok_or_else(|| "incomplete quantifier `{n,`".to_owned())?,
                        )
                    }
                } else {
                    Some(min)
                };
                if !self.eat('}') {
                    return Err("incomplete quantifier".to_owned());
                }
                if max.is_some_and(|max| max < min) {
                    return Err("numbers out of order in `{}` quantifier".to_owned());
                }
                (min, max)
            }
            _ => return Ok(atom),
        };
        let greedy = !self.eat('?');
        Ok(Node::repeat(atom, min, max, greedy))
    }

    /// Decimal digits, saturating at `u32::MAX` (JavaScript accepts huge bounds).
    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        let mut value: u32 = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            value = value.saturating_mul(10).saturating_add(d);
            self.pos += 1;
        }
        (self.pos > start).then_some(value)
    }

    fn atom_escape(&mut self) -> Result<Node, String> {
        match self.peek() {
            Some(c @ ('d' | 'D' | 'w' | 'W' | 's' | 'S')) => {
                self.pos += 1;
                Ok(Node::Set(CharSet {
                    negated: false,
                    items: vec![class_escape(c)],
                }))
            }
            Some('1'..='9') => Err("unsupported: backreferences".to_owned()),
            Some('k') => Err("unsupported: named backreferences".to_owned()),
            Some('-') => Err("invalid escape `\\-` outside a class".to_owned()),
            _ => Ok(Node::Literal(vec![self.character_escape()?])),
        }
    }

    /// A character escape after `\` (the `\` is consumed), valid with the `u` flag.
    fn character_escape(&mut self) -> Result<char, String> {
        let Some(c) = self.bump() else {
            return Err("`\\` at end of regular expression".to_owned());
        };
        Ok(match c {
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\u{b}',
            'c' => match self.bump() {
                Some(letter) if letter.is_ascii_alphabetic() => {
                    char::from(u8::try_from(letter).unwrap_or(0) % 32)
                }
                _ => return Err("invalid `\\c` escape".to_owned()),
            },
            '0' => {
                if self.peek().is_some_and(|d| d.is_ascii_digit()) {
                    return Err("invalid decimal escape".to_owned());
                }
                '\0'
            }
            'x' => {
                let value = self.hex_digits(2).ok_or("invalid `\\x` escape")?;
                char::from_u32(value).ok_or("invalid `\\x` escape")?
            }
            'u' => self.unicode_escape()?,
            'p' | 'P' => return Err("unsupported: Unicode property escapes".to_owned()),
            '^' | '$' | '\\' | '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|'
            | '/' => c,
            other => return Err(format!("invalid escape `\\{other}`")),
        })
    }

    fn hex_digits(&mut self, count: usize) -> Option<u32> {
        let mut value = 0;
        for _ in 0..count {
            let d = self.peek()?.to_digit(16)?;
            self.pos += 1;
            value = value * 16 + d;
        }
        Some(value)
    }

    fn unicode_escape(&mut self) -> Result<char, String> {
        const INVALID: &str = "invalid `\\u` escape";
        if self.eat('{') {
            let mut value: u32 = 0;
            let mut digits = 0;
            while let Some(d) = self.peek().and_then(|c| c.to_digit(16)) {
                self.pos += 1;
                digits += 1;
                value = value.saturating_mul(16).saturating_add(d);
            }
            if digits == 0 || !self.eat('}') || value > 0x10_FFFF {
                return Err(INVALID.to_owned());
            }
            return char::from_u32(value)
                .ok_or_else(|| "unsupported: escapes of lone surrogates".to_owned());
        }
        let first = self.hex_digits(4).ok_or(INVALID)?;
        if (0xD800..0xDC00).contains(&first) && self.looking_at("\\u") {
            let save = self.pos;
            self.pos += 2;
            if let Some(second) = self.hex_digits(4)
                && (0xDC00..0xE000).contains(&second)
            {
                let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return char::from_u32(value).ok_or_else(|| INVALID.to_owned());
            }
            self.pos = save;
        }
        char::from_u32(first).ok_or_else(|| "unsupported: escapes of lone surrogates".to_owned())
    }

    /// A character class; the `[` is consumed.
    fn class(&mut self) -> Result<Node, String> {
        let negated = self.eat('^');
        let mut items = Vec::new();
        loop {
            match self.peek() {
                None => return Err("unterminated character class".to_owned()),
                Some(']') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => {}
            }
            let first = self.class_atom()?;
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|c| c != ']') {
                self.pos += 1;
                let second = self.class_atom()?;
                let (ClassAtom::Char(lo), ClassAtom::Char(hi)) = (first, second) else {
                    return Err("invalid character class range".to_owned());
                };
                if lo > hi {
                    return Err("range out of order in character class".to_owned());
                }
                items.push(ClassItem::Range(lo, hi));
            } else {
                items.push(match first {
                    ClassAtom::Char(c) => ClassItem::Range(c, c),
                    ClassAtom::Item(item) => item,
                });
            }
        }
        Ok(Node::Set(CharSet { negated, items }))
    }

    fn class_atom(&mut self) -> Result<ClassAtom, String> {
        let Some(c) = self.bump() else {
            return Err("unterminated character class".to_owned());
        };
        if c != '\\' {
            return Ok(ClassAtom::Char(c));
        }
        match self.peek() {
            Some(e @ ('d' | 'D' | 'w' | 'W' | 's' | 'S')) => {
                self.pos += 1;
                Ok(ClassAtom::Item(class_escape(e)))
            }
            Some('b') => {
                self.pos += 1;
                Ok(ClassAtom::Char('\u{8}'))
            }
            Some('-') => {
                self.pos += 1;
                Ok(ClassAtom::Char('-'))
            }
            Some('1'..='9' | 'k') => Err("invalid escape in character class".to_owned()),
            _ => Ok(ClassAtom::Char(self.character_escape()?)),
        }
    }
}

fn class_escape(c: char) -> ClassItem {
    let negated = c.is_ascii_uppercase();
    match c.to_ascii_lowercase() {
        'd' => ClassItem::Digit(negated),
        'w' => ClassItem::Word(negated),
        _ => ClassItem::Space(negated),
    }
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

/// Give up (report "no match") after this many steps, so that a pathological pattern cannot
/// stall a request.
const STEP_LIMIT: u32 = 1_000_000;

/// Give up after this much nesting of the backtracking recursion, so that a long request path
/// cannot exhaust the stack. One level takes about 0.8 KiB of stack in debug builds (0.4 KiB
/// optimised), so this stays well inside a 2 MiB thread stack. Only repeated multi-character
/// nodes nest per iteration (`{/:x}+` uses about three levels per segment); single-character
/// repeats such as `[^/]+?` and `.*` do not.
const DEPTH_LIMIT: u32 = 1_000;

/// The span of each capture group, as character indices into the input.
pub(super) type Captures = Vec<Option<(usize, usize)>>;

/// Matches the whole of `input` against `root` (anchored at both ends). Returns the capture
/// spans, or `None` when there is no match (or the step or depth limit was hit).
pub(super) fn match_whole(root: &Node, captures: usize, input: &[char]) -> Option<Captures> {
    let mut matcher = Matcher {
        input,
        caps: vec![None; captures],
        steps: 0,
        depth: 0,
        gave_up: false,
    };
    let len = input.len();
    let found = matcher.node(root, 0, &mut |_, end| end == len);
    (found && !matcher.gave_up).then_some(matcher.caps)
}

struct Matcher<'i> {
    input: &'i [char],
    caps: Captures,
    steps: u32,
    depth: u32,
    gave_up: bool,
}

/// What to do after a node matched, given the position after it; `true` ends the search.
type Cont<'c, 'i> = dyn FnMut(&mut Matcher<'i>, usize) -> bool + 'c;

impl<'i> Matcher<'i> {
    /// Counts a step; `false` when the search must stop.
    fn tick(&mut self) -> bool {
        self.steps += 1;
        if self.steps > STEP_LIMIT || self.depth > DEPTH_LIMIT {
            self.gave_up = true;
        }
        !self.gave_up
    }

    fn node(&mut self, node: &Node, pos: usize, k: &mut Cont<'_, 'i>) -> bool {
        if !self.tick() {
            return false;
        }
        self.depth += 1;
        let found = self.node_inner(node, pos, k);
        self.depth -= 1;
        found
    }

    fn node_inner(&mut self, node: &Node, pos: usize, k: &mut Cont<'_, 'i>) -> bool {
        let input = self.input;
        match node {
            Node::Literal(chars) => {
                input.get(pos..).is_some_and(|rest| rest.starts_with(chars))
                    && k(self, pos + chars.len())
            }
            Node::Any | Node::Set(_) => {
                let single = node.single_char();
                input
                    .get(pos)
                    .is_some_and(|&c| single.is_some_and(|s| s.test(c)))
                    && k(self, pos + 1)
            }
            Node::Seq(items) => self.seq(items, pos, k),
            Node::Alt(alternatives) => {
                for alternative in alternatives {
                    if self.node(alternative, pos, k) {
                        return true;
                    }
                    if self.gave_up {
                        return false;
                    }
                }
                false
            }
            Node::Repeat {
                node,
                min,
                max,
                greedy,
            } => match node.single_char() {
                Some(single) => self.repeat_single(single, *min, *max, *greedy, pos, k),
                None => self.repeat(node, *min, *max, *greedy, 0, pos, k),
            },
            Node::Capture { node, index } => {
                let index = *index;
                self.node(node, pos, &mut |m, end| {
                    let old = m.caps[index];
                    m.caps[index] = Some((pos, end));
                    if k(m, end) {
                        true
                    } else {
                        m.caps[index] = old;
                        false
                    }
                })
            }
            Node::Start => pos == 0 && k(self, pos),
            Node::End => pos == input.len() && k(self, pos),
            Node::WordBoundary { negated } => {
                let before = pos > 0 && is_word_char(input[pos - 1]);
                let after = input.get(pos).is_some_and(|&c| is_word_char(c));
                ((before != after) != *negated) && k(self, pos)
            }
            Node::Lookahead { node, negated } => {
                let found = self.node(node, pos, &mut |_, _| true);
                if self.gave_up {
                    return false;
                }
                (found != *negated) && k(self, pos)
            }
        }
    }

    fn seq(&mut self, items: &[Node], pos: usize, k: &mut Cont<'_, 'i>) -> bool {
        match items.split_first() {
            None => k(self, pos),
            Some((first, [])) => self.node(first, pos, k),
            Some((first, rest)) => self.node(first, pos, &mut |m, next| m.seq(rest, next, k)),
        }
    }

    /// A quantified single-character node: no recursion per iteration.
    fn repeat_single(
        &mut self,
        single: SingleChar<'_>,
        min: u32,
        max: Option<u32>,
        greedy: bool,
        pos: usize,
        k: &mut Cont<'_, 'i>,
    ) -> bool {
        let limit = max.map_or(usize::MAX, |max| usize::try_from(max).unwrap_or(usize::MAX));
        let available = self.input[pos..]
            .iter()
            .take(limit)
            .take_while(|&&c| single.test(c))
            .count();
        let min = usize::try_from(min).unwrap_or(usize::MAX);
        if available < min {
            return false;
        }
        let mut attempt = |m: &mut Self, count: usize| m.tick() && k(m, pos + count);
        if greedy {
            (min..=available).rev().any(|count| attempt(self, count))
        } else {
            (min..=available).any(|count| attempt(self, count))
        }
    }

    /// A quantified node; `count` iterations have matched so far, ending at `pos`.
    #[expect(
        clippy::too_many_arguments,
        reason = "the recursion state of one quantifier"
    )]
    fn repeat(
        &mut self,
        node: &Node,
        min: u32,
        max: Option<u32>,
        greedy: bool,
        count: u32,
        pos: usize,
        k: &mut Cont<'_, 'i>,
    ) -> bool {
        if !self.tick() {
            return false;
        }
        let may_stop = count >= min;
        let may_continue = max.is_none_or(|max| count < max);
        if !may_continue {
            return may_stop && k(self, pos);
        }
        if !may_stop {
            return self.iterate(node, min, max, greedy, count, pos, k);
        }
        if greedy {
            self.iterate(node, min, max, greedy, count, pos, k) || (!self.gave_up && k(self, pos))
        } else {
            k(self, pos) || (!self.gave_up && self.iterate(node, min, max, greedy, count, pos, k))
        }
    }

    /// One more iteration of a quantified node, then the rest of the quantifier.
    #[expect(
        clippy::too_many_arguments,
        reason = "the recursion state of one quantifier"
    )]
    fn iterate(
        &mut self,
        node: &Node,
        min: u32,
        max: Option<u32>,
        greedy: bool,
        count: u32,
        pos: usize,
        k: &mut Cont<'_, 'i>,
    ) -> bool {
        let may_stop = count >= min;
        self.node(node, pos, &mut |m, end| {
            // JavaScript: once the minimum is reached, an iteration matching the empty string
            // fails (this is what stops `(?:a*)*` from looping).
            if may_stop && end == pos {
                return false;
            }
            m.repeat(node, min, max, greedy, count.saturating_add(1), end, k)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `regex` anchored on `input`; returns capture 0..n as strings (`None` when absent),
    /// or `None` when there is no match.
    fn run(regex: &str, input: &str) -> Option<Vec<Option<String>>> {
        let node = parse(regex).unwrap_or_else(|e| panic!("{regex}: {e}"));
        let root = Node::Capture {
            node: Box::new(node),
            index: 0,
        };
        let chars: Vec<char> = input.chars().collect();
        let caps = match_whole(&root, 1, &chars)?;
        Some(
            caps.into_iter()
                .map(|c| c.map(|(s, e)| chars[s..e].iter().collect()))
                .collect(),
        )
    }

    fn is_match(regex: &str, input: &str) -> bool {
        run(regex, input).is_some()
    }

    #[test]
    fn parses_and_matches_the_supported_subset() {
        let cases: &[(&str, &str, bool)] = &[
            (r"\d+", "123", true),
            (r"\d+", "12a", false),
            (r"\d+", "", false),
            (r"\D\W\S", "a!x", true),
            (r"\w+", "a_Z9", true),
            (r"\w", "-", false),
            (r"\s", "\u{a0}", true),
            (r"\s", "x", false),
            ("a|bc|d", "bc", true),
            ("a|bc|d", "b", false),
            ("(?:ab)+", "ababab", true),
            ("(?:ab)+", "aba", false),
            ("a{2}", "aa", true),
            ("a{2}", "aaa", false),
            ("a{2,}", "aaaa", true),
            ("a{2,3}", "aaaa", false),
            ("a{0}", "", true),
            ("[a-c]+", "abcab", true),
            ("[a-c]", "d", false),
            ("[^/]+", "a/b", false),
            ("[^/]+", "ab", true),
            (r"[\d.-]+", "1.2-3", true),
            ("[-a]", "-", true),
            ("[a-]", "-", true),
            (r"[\-]", "-", true),
            (r"[\b]", "\u{8}", true),
            (".", "\n", false),
            (".", "x", true),
            (".*", "", true),
            (r"\.json", ".json", true),
            (r"\.json", "xjson", false),
            (r"\/", "/", true),
            (r"\x41\u0042\u{43}\t", "ABC\t", true),
            (r"\uD83D\uDE00", "\u{1F600}", true),
            (r"\cJ", "\n", true),
            (r"\0", "\0", true),
            ("a?b", "b", true),
            ("a??b", "ab", true),
            (r"(?=\d)\w+", "1a", true),
            (r"(?=\d)\w+", "a1", false),
            (r"(?!admin$)\w+", "admin", false),
            (r"(?!admin$)\w+", "admins", true),
            (r"a\b", "a", true),
            (r"a\Bb", "ab", true),
            (r"a\bb", "ab", false),
            ("^a$", "a", true),
            ("(?:a*)*", "aaa", true),
            ("(?:a|ab)(?:c|bcd)", "abcd", true),
        ];
        for &(regex, input, expected) in cases {
            assert_eq!(is_match(regex, input), expected, "{regex} on {input:?}");
        }
    }

    #[test]
    fn rejects_invalid_and_unsupported_syntax() {
        let cases: &[&str] = &[
            "a{",
            "a{1",
            "a{1,",
            "a{2,1}",
            "{",
            "}",
            "]",
            "*a",
            "a**",
            "+",
            "?",
            "[a",
            "[b-a]",
            r"[\d-z]",
            r"\",
            r"\q",
            r"\-",
            r"\1",
            r"\k<x>",
            r"\p{L}",
            r"\x4",
            r"\u12",
            r"\u{}",
            r"\u{110000}",
            r"\uD800",
            r"\c1",
            r"\01",
            "(?<n>a)",
            "(?<=a)",
            "(?<!a)",
            "(?i:a)",
            "(a)",
            "(?:a",
            "^*",
            "$+",
            "(?=a)*",
            r"\b+",
        ];
        for regex in cases {
            assert!(parse(regex).is_err(), "{regex} should be rejected");
        }
    }

    #[test]
    fn quantifiers_capture_like_javascript() {
        // Lazy vs greedy decides the split of an ambiguous match.
        let root = Node::Seq(vec![
            Node::Capture {
                node: Box::new(parse("[^-]+?|.+?").unwrap()),
                index: 0,
            },
            Node::Literal(vec!['-']),
            Node::Capture {
                node: Box::new(parse(".*").unwrap()),
                index: 1,
            },
        ]);
        let input: Vec<char> = "a-b-c".chars().collect();
        let caps = match_whole(&root, 2, &input).unwrap();
        assert_eq!(caps, vec![Some((0, 1)), Some((2, 5))]);

        let greedy = Node::Seq(vec![
            Node::Capture {
                node: Box::new(parse(".*").unwrap()),
                index: 0,
            },
            Node::Literal(vec!['-']),
            Node::Capture {
                node: Box::new(parse(".*").unwrap()),
                index: 1,
            },
        ]);
        let caps = match_whole(&greedy, 2, &input).unwrap();
        assert_eq!(caps, vec![Some((0, 3)), Some((4, 5))]);
    }

    #[test]
    fn optional_group_that_does_not_participate_has_no_capture() {
        let root = Node::repeat(
            Node::Seq(vec![
                Node::Literal(vec!['/']),
                Node::Capture {
                    node: Box::new(parse("[^/]+?").unwrap()),
                    index: 0,
                },
            ]),
            0,
            Some(1),
            true,
        );
        assert_eq!(match_whole(&root, 1, &[]), Some(vec![None]));
        let input: Vec<char> = "/x".chars().collect();
        assert_eq!(match_whole(&root, 1, &input), Some(vec![Some((1, 2))]));
        let input: Vec<char> = "/".chars().collect();
        assert_eq!(match_whole(&root, 1, &input), None);
    }

    #[test]
    fn pathological_patterns_give_up_instead_of_hanging() {
        // (?:a|a)* on a long run of `a`s followed by a mismatch is exponential.
        let node = parse("(?:a|aa)*b").unwrap();
        let input: Vec<char> = "a".repeat(60).chars().collect();
        assert_eq!(match_whole(&node, 0, &input), None);
    }

    #[test]
    fn deep_recursion_is_bounded() {
        // A general (non single-character) repeat recurses once per iteration; on a small stack
        // the depth limit must stop it before the stack overflows.
        let node = parse("(?:/a)*").unwrap();
        let input: Vec<char> = "/a".repeat(50_000).chars().collect();
        let result = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || match_whole(&node, 0, &input).is_some())
            .unwrap()
            .join()
            .unwrap();
        assert!(!result);
        let node = parse("(?:/a)*").unwrap();
        let input: Vec<char> = "/a".repeat(200).chars().collect();
        assert!(match_whole(&node, 0, &input).is_some());
    }
}
