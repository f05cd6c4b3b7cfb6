//! SQL injection: the value is lexed as SQL (see [`super::sql_lexer`]) three ways — as
//! is, and as if it began inside a `'` or `"` string of the application's query — and the
//! token stream is scored by grammar: a string or number closed then followed by logic and
//! a comparison (tautology), `UNION SELECT` with a column list, stacked statements, calls
//! of SQL-only functions in expression position, reconnaissance of schema tables, comments
//! that cut the rest of the query. Words alone never score: "select", "union", "drop" or
//! an apostrophe in "O'Brien" are English until the grammar around them is SQL.

use super::sql_lexer::{FuncClass, Kw, Lexer, Tok, Token};
use super::{Detector, Hit, Kind, Subject, Triggers};

/// Tokens of context kept for pattern matching.
const WINDOW: usize = 8;
/// Tokens lexed per context at most (linear bound on pathological input).
const MAX_TOKENS: usize = 20_000;

#[derive(Debug)]
struct Sqli;

/// Values that overflow 32-bit integers or denormalise doubles (PHP and Java parsers hung
/// on `2.2250738585072011e-308`). `2147483647` (INT_MAX) is left out: APIs use it as "no
/// limit".
const OVERFLOW_NUMBERS: &[&str] = &[
    "4294967296",
    "4294967295",
    "2147483648",
    "-2147483649",
    "-2147483648",
    "2.2250738585072011e-308",
    "2.2250738585072012e-308",
    "2.2250738585072007e-308",
    "1e309",
];

/// Type names a PostgreSQL `::` cast converts to.
const SQL_TYPES: &[&str] = &[
    "int",
    "int2",
    "int4",
    "int8",
    "integer",
    "bigint",
    "smallint",
    "numeric",
    "decimal",
    "real",
    "float",
    "float4",
    "float8",
    "double",
    "text",
    "varchar",
    "char",
    "bpchar",
    "name",
    "bytea",
    "bool",
    "boolean",
    "json",
    "jsonb",
    "xml",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "interval",
    "uuid",
    "inet",
    "cidr",
    "oid",
    "regclass",
    "regproc",
    "money",
    "bit",
    "varbit",
    "tsvector",
    "tsquery",
    "record",
];

/// Words that let SQL be written without punctuation (`1 union select password from users`).
const KEYWORDS: &[&str] = &[
    "select",
    "union",
    "insert",
    "update",
    "delete",
    "drop",
    "create",
    "alter",
    "truncate",
    "exec",
    "declare",
    "shutdown",
    "waitfor",
    "sleep",
    "benchmark",
    "schema",
    "sysobjects",
    "syscolumns",
    "pg_",
    "sqlite_",
    "mysql.",
    "xp_",
    "sp_",
    "having",
    "order by",
    "group by",
    "procedure",
    "msysaccessobjects",
    "tempdb",
    "msdb",
    "northwind",
    "outfile",
    "dumpfile",
    "load_file",
    "all_tables",
    "user_tables",
    "/*",
    "--",
    "case when",
    "values",
];

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Sqli)
}

impl Detector for Sqli {
    fn triggers(&self) -> Triggers {
        let mut t = Triggers::bytes_or_words(b"'\"();=<>|&#*@`", KEYWORDS);
        t.words
            .extend(["4294967", "2147483", "2.2250738585072", "1e309", "::"]);
        t
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if matches!(s.kind, Kind::XmlDoctype | Kind::FileContent) || s.lower.len() < 4 {
            return None;
        }
        // Numbers at the edges of integer and float types, sent alone to overflow a parser.
        if matches!(s.kind, Kind::ArgValue | Kind::ArgName | Kind::Cookie) {
            let t = s.lower.trim();
            let t = t.strip_prefix("json.").unwrap_or(t);
            if OVERFLOW_NUMBERS.contains(&t) {
                return Some(Hit::new(0.75, s.text));
            }
        }
        // Without SQL punctuation only keywords (or a PostgreSQL `::` cast) can make SQL:
        // lex only when one occurs.
        if !s.bytes.any(b"'\"();=<>|&#*@`") && !s.word_hit {
            return None;
        }
        let mut best = (0.0f32, 0usize, 0usize);
        for quote in [0u8, b'\'', b'"', b'`'] {
            if quote != 0 && !s.bytes.has(quote) {
                continue;
            }
            let r = score(s.lower, quote);
            if r.0 > best.0 {
                best = r;
            }
        }
        // Typographic quotes some collations and client libraries turn into `'`
        // (`1’ OR ’1’=’x’#`): scored as the apostrophe they stand for; the replacement
        // changes byte offsets, so the evidence is the start of the value.
        if s.lower
            .contains(['\u{2019}', '\u{2018}', '\u{b4}', '\u{2bc}'])
        {
            let ascii = s
                .lower
                .replace(['\u{2019}', '\u{2018}', '\u{b4}', '\u{2bc}'], "'");
            for quote in [0u8, b'\''] {
                let r = score(&ascii, quote);
                if r.0 > best.0 {
                    best = (r.0, 0, s.lower.len().min(80));
                }
            }
        }
        // An escaped quote then logic (`\'or'1`, `\" and 1`): the backslash meant to
        // neutralise the quote is the attacker's, for filters that strip one level.
        if s.bytes.has(b'\\') {
            for (k, _) in s.lower.match_indices('\\').take(32) {
                let rest = &s.lower[k + 1..];
                let Some(after) = rest.strip_prefix(['\'', '"', '`']) else {
                    continue;
                };
                let after = after.trim_start();
                let logic = ["or", "and", "xor", "||", "&&"]
                    .iter()
                    .find(|w| after.starts_with(**w));
                if let Some(w) = logic {
                    let next = after[w.len()..].chars().next();
                    if next.is_none_or(|c| !c.is_ascii_alphabetic()) && best.0 < 0.75 {
                        best = (0.75, k, (k + 40).min(s.lower.len()));
                    }
                }
            }
        }
        let (mut conf, start, end) = best;
        if conf <= 0.0 {
            return None;
        }
        if s.kind == Kind::Header && s.name == "user-agent" {
            conf -= 0.05;
        }
        Some(Hit::at(conf, s.text, start, end))
    }
}

/// Scores `lower` in one starting context; returns (confidence, evidence start, end).
pub(crate) fn score(lower: &str, start_quote: u8) -> (f32, usize, usize) {
    let mut sc = Scorer {
        text: lower,
        w: [None; WINDOW],
        head: 0,
        quote_ctx: start_quote != 0,
        best: 0.0,
        span: (0, 0),
        select_at: None,
        select_strong: false,
        union_select: false,
        from_seen: false,
        where_seen: false,
        keywords: 0,
        comment_between: false,
        breakout_continued: false,
        sole_call: false,
        count: 0,
    };
    for (n, t) in Lexer::new(lower, start_quote).enumerate() {
        if n >= MAX_TOKENS {
            break;
        }
        if t.tok == Tok::Comment {
            sc.comment(t, lower);
            continue;
        }
        if t.tok == Tok::Cast {
            sc.cast(t);
            continue;
        }
        sc.push(t);
    }
    sc.end(lower.len());
    let bonus = if sc.best >= 0.5 && sc.comment_between {
        0.05
    } else {
        0.0
    };
    ((sc.best + bonus).min(1.0), sc.span.0, sc.span.1)
}

struct Scorer<'t> {
    /// The lowercase text being scored (token spans index into it).
    text: &'t str,
    /// Last tokens, a ring written at [`Scorer::head`] (read with [`Scorer::tok`]), comments
    /// excluded.
    w: [Option<Token>; WINDOW],
    /// Where the next token goes in the ring [`Scorer::w`].
    head: usize,
    quote_ctx: bool,
    best: f32,
    span: (usize, usize),
    select_at: Option<usize>,
    select_strong: bool,
    union_select: bool,
    from_seen: bool,
    where_seen: bool,
    keywords: usize,
    comment_between: bool,
    /// A break-out directly followed by an operator (`x' or`, `'=`, `' is`).
    breakout_continued: bool,
    /// The value so far is one call of a time or dangerous SQL function with literal arguments.
    sole_call: bool,
    count: usize,
}

fn is_literal(t: Option<Tok>) -> bool {
    matches!(
        t,
        Some(Tok::Num | Tok::Str { .. } | Tok::Kw(Kw::Null | Kw::Bool))
    )
}

fn is_operand(t: Option<Tok>) -> bool {
    is_literal(t) || matches!(t, Some(Tok::Ident | Tok::Var { .. }))
}

fn is_cmp(t: Option<Tok>) -> bool {
    matches!(t, Some(Tok::Cmp | Tok::Kw(Kw::Is | Kw::In | Kw::Between)))
}

/// A token after which injected SQL continues an expression.
fn is_expr_lead(t: Option<Tok>) -> bool {
    matches!(
        t,
        Some(
            Tok::Logic
                | Tok::Cmp
                | Tok::Op
                | Tok::Comma
                | Tok::LParen
                | Tok::Semi
                | Tok::Kw(
                    Kw::Select
                        | Kw::Then
                        | Kw::When
                        | Kw::Where
                        | Kw::Having
                        | Kw::By
                        | Kw::In
                        | Kw::Union
                )
        )
    )
}

impl Scorer<'_> {
    /// Token `k` places back (0 = current).
    fn at(&self, k: usize) -> Option<Tok> {
        self.tok(k).map(|t| t.tok)
    }

    /// Token `k` places back (0 = current), with its span.
    fn tok(&self, k: usize) -> Option<Token> {
        if k >= WINDOW {
            return None;
        }
        self.w[(self.head + 2 * WINDOW - 1 - k) % WINDOW]
    }

    /// The oldest token still in the window.
    fn oldest(&self) -> Option<Token> {
        self.tok(self.count.clamp(1, WINDOW) - 1)
    }

    fn start_of(&self, k: usize) -> usize {
        self.tok(k).or_else(|| self.oldest()).map_or(0, |t| t.start)
    }

    /// True when the token `k` back is the break-out string a quote context begins with.
    fn is_breakout(&self, k: usize) -> bool {
        self.quote_ctx
            && self.count == k + 1
            && matches!(self.at(k), Some(Tok::Str { closed: true }))
    }

    /// A token that ends the application's own operand: a string closed by the input,
    /// a number, a closing parenthesis.
    fn lead(&self, k: usize) -> bool {
        matches!(self.at(k), Some(Tok::Num | Tok::RParen | Tok::Kw(Kw::Null)))
            || self.is_breakout(k)
            || (matches!(self.at(k), Some(Tok::Str { closed: true })) && self.quote_ctx)
    }

    fn hit(&mut self, conf: f32, back: usize) {
        if conf > self.best {
            self.best = conf;
            let end = self.tok(0).map_or(0, |t| t.end);
            self.span = (self.start_of(back), end);
        }
    }

    fn comment(&mut self, t: Token, lower: &str) {
        // Optimizer hints (`/*+ INDEX(t) */`) and MySQL versioned code (`/*!50000select`).
        let body = &lower.as_bytes()[t.start..];
        let hint = body.strip_prefix(b"/*").map(|r| {
            let k = r.iter().take_while(|c| c.is_ascii_whitespace()).count();
            &r[k..]
        });
        if hint.is_some_and(|h| {
            h.starts_with(b"+") || (h.starts_with(b"!") && h.get(1).is_some_and(u8::is_ascii_digit))
        }) {
            self.hit(0.8, 0);
            self.span = (t.start, t.end);
        }
        if matches!(self.at(0), Some(Tok::Kw(_))) {
            self.comment_between = true;
        }
        // A break-out continued by SQL operators and cut by a comment: `x' or a is not null--`.
        if self.breakout_continued {
            self.hit(0.8, (self.count - 1).min(WINDOW - 1));
            self.span.1 = t.end;
        }
        // Break-out, an operator, a column, cut: `x'|email--`, `x'^email#`.
        if self.is_breakout(2)
            && matches!(self.at(1), Some(Tok::Op | Tok::Logic | Tok::Star))
            && matches!(self.at(0), Some(Tok::Ident))
        {
            self.hit(0.8, 2);
            self.span.1 = t.end;
        }
        // Break-out then comment: `admin'--`, `1')#`.
        let c0 = self.at(0);
        if self.is_breakout(0)
            || (matches!(c0, Some(Tok::RParen))
                && (self.is_breakout(1)
                    || (self.at(1) == Some(Tok::RParen) && self.is_breakout(2))))
        {
            // A one-word value cut by a comment (`admin'--`), not prose with a dash.
            let first = self.oldest();
            let one_word = first.is_some_and(|f| !lower[f.start..f.end].contains(' '));
            let cut = lower[t.end..].is_empty()
                || lower.as_bytes()[t.start] != b'-'
                || lower[t.start + 2..].starts_with([' ', '\t', '\n'])
                || t.end == lower.len();
            self.hit(
                if one_word && cut { 0.8 } else { 0.5 },
                self.count.saturating_sub(1).min(WINDOW - 1),
            );
            self.span.1 = t.end;
        }
        // `' or 1--`, `1 or true#`.
        if self.at(1) == Some(Tok::Logic) && is_literal(c0) && self.lead(2) {
            self.hit(0.85, 2);
            self.span.1 = t.end;
        }
        if matches!(c0, Some(Tok::Kw(Kw::Shutdown))) && self.at(1) == Some(Tok::Semi) {
            self.hit(0.9, 1);
        }
    }

    /// A PostgreSQL cast `::type` to a SQL type of a call's result, a quoted literal or a
    /// value's first word: `starts_with(password,'a')::int`, `'{"a":1}'::jsonb`.
    fn cast(&mut self, t: Token) {
        let ty = self.text[t.start..t.end]
            .trim_start_matches(':')
            .trim_start()
            .trim_end_matches(['[', ']']);
        if !SQL_TYPES.contains(&ty) {
            return;
        }
        let c0 = self.at(0);
        let conf = match c0 {
            Some(Tok::RParen) if self.count >= 3 => 0.8,
            Some(Tok::Str { closed: true }) if !self.quote_ctx || self.count > 1 => 0.75,
            // A value's only word cast: the numeric and text casts of error-based
            // extraction (`password::int`), not a module path (`std::time`, `Data::UUID`).
            Some(Tok::Ident)
                if self.count == 1
                    && matches!(
                        ty,
                        "int"
                            | "int4"
                            | "int8"
                            | "integer"
                            | "bigint"
                            | "smallint"
                            | "numeric"
                            | "text"
                            | "varchar"
                    ) =>
            {
                0.72
            }
            _ => 0.0,
        };
        if conf > 0.0 {
            self.hit(conf, (self.count.saturating_sub(1)).min(WINDOW - 1));
            self.span.1 = t.end;
        }
    }

    fn end(&mut self, len: usize) {
        let c0 = self.at(0);
        // A break-out, logic, an operand and a dangling operator: `' or abc!`, `' xor y-`.
        if self.count == 4
            && self.is_breakout(3)
            && self.at(2) == Some(Tok::Logic)
            && matches!(self.at(1), Some(Tok::Ident | Tok::Num))
            && matches!(c0, Some(Tok::Op | Tok::Comma))
        {
            self.hit(0.75, 3);
        }
        // A value that is only `SET @OLD_SQL_MODE` (or `;SET @X`): a dump's statement.
        if matches!(c0, Some(Tok::Var { system: false }))
            && self.tok(0).is_some_and(|t| t.end - t.start > 2)
            && self.at(1) == Some(Tok::Kw(Kw::Set))
            && (self.count == 2
                || self.count == 3 && matches!(self.at(2), Some(Tok::Semi | Tok::Cmp)))
        {
            self.hit(0.75, 1);
        }
        // A value that is only a comparison of two literals: `1=1`, `11!=1`, `42 like 42`.
        let plain = |t: Option<Token>| {
            t.is_some_and(|t| match t.tok {
                Tok::Num => self.text[t.start..t.end]
                    .bytes()
                    .all(|c| c.is_ascii_digit()),
                Tok::Str { closed } => closed,
                _ => false,
            })
        };
        // ... when it holds: equal literals compared for equality, different ones for
        // inequality (`123<456` is an ordinary value; `11=1` proves nothing).
        if self.count == 3
            && plain(self.tok(0))
            && plain(self.tok(2))
            && self.at(1) == Some(Tok::Cmp)
            && !self.quote_ctx
        {
            let text = |t: Option<Token>| t.map_or("", |t| &self.text[t.start..t.end]);
            let (a, b) = (text(self.tok(2)), text(self.tok(0)));
            let a = a.trim_matches(['\'', '"']);
            let b = b.trim_matches(['\'', '"']);
            let op = text(self.tok(1));
            let holds = match op {
                "=" | "==" | "<=>" | "like" | "rlike" | "regexp" | "glob" => a == b,
                "!=" | "<>" => a != b,
                _ => false,
            };
            if holds {
                self.hit(0.72, 2);
            }
        }
        // A value that is only a call of a SQL-only function: `benchmark(`, `extractvalue(1,`.
        if self.sole_call {
            self.hit(0.75, (self.count - 1).min(WINDOW - 1));
        }
        // A value that is only the opening of a SQL function call: `concat(`, `database (`.
        if self.count == 2
            && matches!(
                (self.at(1), self.at(0)),
                (Some(Tok::Func(FuncClass::Common)), Some(Tok::LParen))
            )
        {
            self.hit(0.72, 1);
        }
        // `admin@example.com';`: a break-out that ends the statement.
        if c0 == Some(Tok::Semi) && self.is_breakout(1) {
            self.hit(0.75, 1);
        }
        if self.quote_ctx
            && self.at(1) == Some(Tok::Logic)
            && matches!(
                c0,
                Some(Tok::Num | Tok::Kw(Kw::Bool) | Tok::Str { closed: false })
            )
            && self.lead(2)
        {
            self.hit(0.8, 2);
            self.span.1 = len;
        }
        if matches!(c0, Some(Tok::Kw(Kw::Shutdown))) && self.at(1) == Some(Tok::Semi) {
            self.hit(0.9, 1);
        }
    }

    fn push(&mut self, t: Token) {
        self.w[self.head] = Some(t);
        self.head = (self.head + 1) % WINDOW;
        self.count += 1;
        if self.count == 2 {
            self.sole_call = t.tok == Tok::LParen
                && matches!(
                    self.at(1),
                    Some(Tok::Func(FuncClass::Time | FuncClass::Dangerous))
                );
        } else if self.sole_call
            && !matches!(
                t.tok,
                Tok::Num
                    | Tok::Str { .. }
                    | Tok::Comma
                    | Tok::RParen
                    | Tok::LParen
                    | Tok::Op
                    | Tok::Logic
                    | Tok::Star
                    | Tok::Func(_)
                    | Tok::Var { .. }
            )
        {
            self.sole_call = false;
        }
        let c0 = Some(t.tok);
        let (c1, c2, c3) = (self.at(1), self.at(2), self.at(3));
        // A value that opens with a statement end, then a statement only an attacker
        // appends (`;drop table x`, `;truncate[t]`, `; shutdown`): the application's own
        // statement was meant to end where the value begins.
        if c1 == Some(Tok::Semi)
            && self.count == 2
            && matches!(
                t.tok,
                Tok::Kw(Kw::Drop | Kw::Truncate | Kw::Shutdown | Kw::Declare | Kw::Exec)
            )
        {
            self.hit(0.75, 1);
        }
        if matches!(t.tok, Tok::Kw(_)) {
            self.keywords += 1;
        }

        // Select list tracking for SELECT ... FROM.
        match t.tok {
            Tok::Kw(Kw::Select) => {
                self.select_at = Some(self.count);
                self.select_strong =
                    c1 == Some(Tok::LParen) || self.lead(1) || c1 == Some(Tok::Semi);
                if c1 == Some(Tok::Kw(Kw::Union))
                    || (matches!(c1, Some(Tok::Kw(Kw::All | Kw::Distinct)))
                        && c2 == Some(Tok::Kw(Kw::Union)))
                {
                    let u = if c1 == Some(Tok::Kw(Kw::Union)) { 1 } else { 2 };
                    self.union_select = true;
                    let before_union = self.at(u + 1);
                    let conf = if self.lead(u + 1) || before_union.is_none() && self.count == u + 1
                    {
                        0.9
                    } else {
                        0.55
                    };
                    self.hit(conf, u);
                }
                if c1 == Some(Tok::LParen) {
                    self.hit(
                        if is_expr_lead(c2) || matches!(c2, Some(Tok::Kw(Kw::Exists))) {
                            0.85
                        } else {
                            0.6
                        },
                        1,
                    );
                }
            }
            Tok::Kw(Kw::From) => {
                if let Some(at) = self.select_at {
                    if self.count - at <= 24 {
                        let conf = if self.union_select || self.select_strong {
                            0.9
                        } else {
                            0.6
                        };
                        self.hit(conf, (self.count - at).min(WINDOW - 1));
                        self.from_seen = true;
                    }
                }
            }
            Tok::Comma
            | Tok::Star
            | Tok::Func(_)
            | Tok::Num
            | Tok::Var { .. }
            | Tok::Kw(Kw::Null)
            | Tok::Str { .. }
                if self.select_at.is_some_and(|a| self.count - a <= 24) && !self.from_seen =>
            {
                self.select_strong = true;
            }
            Tok::Kw(Kw::Where) => self.where_seen = self.from_seen,
            _ => {}
        }
        // After UNION SELECT: a column list that only SQL writes.
        if self.union_select
            && matches!(c1, Some(Tok::Kw(Kw::Select | Kw::All | Kw::Distinct)))
            && matches!(
                t.tok,
                Tok::Num
                    | Tok::Kw(Kw::Null)
                    | Tok::Func(_)
                    | Tok::Var { .. }
                    | Tok::Star
                    | Tok::LParen
                    | Tok::Str { .. }
                    | Tok::SchemaObject
            )
        {
            self.hit(0.92, 3);
        }
        // A value opening with a condition: `if(2=`, `) like (`.
        if self.count == 4
            && t.tok == Tok::Cmp
            && is_operand(c1)
            && c2 == Some(Tok::LParen)
            && matches!(c3, Some(Tok::Func(_)))
            && self.text[self.start_of(3)..].starts_with("if")
        {
            self.hit(0.75, 3);
        }
        if self.count == 3
            && t.tok == Tok::LParen
            && c1 == Some(Tok::Cmp)
            && c2 == Some(Tok::RParen)
        {
            self.hit(0.75, 2);
        }
        // `procedure analyse(`: MySQL's column statistics, only ever appended to a query.
        if t.tok == Tok::Ident
            && c1 == Some(Tok::Kw(Kw::Procedure))
            && &self.text[t.start..t.end] == "analyse"
        {
            self.hit(0.85, 1);
        }
        // `select pg_sleep`: a delay function selected, even before its parenthesis.
        if t.tok == Tok::Ident
            && c1 == Some(Tok::Kw(Kw::Select))
            && matches!(
                &self.text[t.start..t.end],
                "pg_sleep" | "benchmark" | "dbms_lock"
            )
        {
            self.hit(0.8, 1);
        }
        // A column alias then FROM: `) AS orders FROM`, `1234 AS "x" FROM`,
        // `` ` AS `id` from `` (the tail of a select list).
        if t.tok == Tok::Kw(Kw::From)
            && matches!(c1, Some(Tok::Ident | Tok::Str { closed: true }))
            && c2 == Some(Tok::Kw(Kw::As))
            && (matches!(c3, Some(Tok::RParen | Tok::Num)) || self.lead(3))
        {
            self.hit(0.8, 3);
        }
        // WHERE after SELECT ... FROM, then a comparison.
        if self.where_seen && matches!(t.tok, Tok::Cmp) {
            self.hit(0.85, 3);
        }
        if t.tok == Tok::SchemaObject {
            self.hit(
                if self.from_seen || self.select_at.is_some() {
                    0.95
                } else {
                    0.7
                },
                0,
            );
        }

        // The application's string closed, then an operator: remembered until a comment or `;`.
        if self.count == 2
            && self.is_breakout(1)
            && matches!(
                t.tok,
                Tok::Logic
                    | Tok::Cmp
                    | Tok::Kw(Kw::Is | Kw::Not | Kw::In | Kw::Between | Kw::Collate | Kw::NullTest)
            )
        {
            self.breakout_continued = true;
        }
        if t.tok == Tok::Semi && self.breakout_continued && self.count > 3 {
            self.hit(0.75, (self.count - 1).min(WINDOW - 1));
        }
        // `' or 'a' <`: a comparison started after a break-out and logic.
        if t.tok == Tok::Cmp && is_operand(c1) && c2 == Some(Tok::Logic) && self.is_breakout(3) {
            self.hit(0.8, 3);
        }
        // `values ('a', 'b')`
        if t.tok == Tok::Comma
            && matches!(c1, Some(Tok::Str { .. } | Tok::Num))
            && c2 == Some(Tok::LParen)
            && c3 == Some(Tok::Kw(Kw::Values))
        {
            self.hit(0.75, 3);
        }
        // Tautologies: `or 1=1`, `' or 'a'='a`, `and id>0`, `') or ('1'='1`.
        let paren = usize::from(c3 == Some(Tok::LParen));
        if is_operand(c0) && is_cmp(c1) && is_operand(c2) && self.at(3 + paren) == Some(Tok::Logic)
        {
            let lits = usize::from(is_literal(c0)) + usize::from(is_literal(c2));
            let before = 4 + paren;
            // The application's string closed by the input, directly or with a parenthesis.
            let closed = |k: usize| matches!(self.at(k), Some(Tok::Str { closed: true }));
            let breakout = self.quote_ctx
                && (closed(before) || self.at(before) == Some(Tok::RParen) && closed(before + 1));
            let conf = match lits {
                2 => 0.9,
                1 if breakout => 0.85,
                1 if self.lead(before) => 0.65,
                1 => 0.55,
                _ if breakout => 0.8,
                _ => 0.4,
            };
            self.hit(conf, 3 + paren);
        }
        // Break-out then logic then a call or a subquery: `' and sleep(5)`, `'||(select`.
        if matches!(t.tok, Tok::Func(_) | Tok::LParen | Tok::Kw(Kw::Select))
            && matches!(c1, Some(Tok::Logic | Tok::Op))
            && self.is_breakout(2)
        {
            self.hit(0.85, 2);
        }

        // `' or somefunc(`: a break-out, logic, then any call.
        if t.tok == Tok::LParen
            && c1 == Some(Tok::Ident)
            && c2 == Some(Tok::Logic)
            && (self.is_breakout(3)
                || (self.quote_ctx && matches!(c3, Some(Tok::Str { closed: true }))))
        {
            self.hit(0.8, 3);
        }
        if t.tok == Tok::Proc {
            self.hit(
                if c1 == Some(Tok::Kw(Kw::Exec)) || c1 == Some(Tok::Semi) {
                    0.9
                } else {
                    0.8
                },
                1,
            );
        }
        if matches!(t.tok, Tok::Var { system: false }) && c1 == Some(Tok::Kw(Kw::Declare)) {
            self.hit(0.85, 1);
        }
        if t.tok == Tok::Kw(Kw::Immediate) && c1 == Some(Tok::Kw(Kw::Exec)) {
            self.hit(0.8, 1);
        }
        // Function calls.
        if t.tok == Tok::LParen {
            if let Some(Tok::Func(class)) = c1 {
                let expr = is_expr_lead(c2) || self.lead(2);
                let conf = match class {
                    FuncClass::Time if expr => 0.9,
                    FuncClass::Time => 0.0,
                    FuncClass::Dangerous if expr => 0.85,
                    FuncClass::Dangerous => 0.5,
                    FuncClass::Common if expr && !matches!(c2, Some(Tok::Comma | Tok::LParen)) => {
                        0.7
                    }
                    // A value opening with `, func(`: another column in the select list.
                    FuncClass::Common if c2 == Some(Tok::Comma) && self.count == 3 => 0.75,
                    FuncClass::Common => 0.0,
                };
                self.hit(conf, 2);
            }
        }
        // `sleep(5)`, `benchmark(1000000,md5(1))` standing alone.
        if matches!(t.tok, Tok::RParen | Tok::Comma)
            && c1 == Some(Tok::Num)
            && c2 == Some(Tok::LParen)
            && c3 == Some(Tok::Func(FuncClass::Time))
        {
            self.hit(0.85, 3);
        }
        if matches!(t.tok, Tok::Kw(Kw::Delay)) && c1 == Some(Tok::Kw(Kw::Waitfor)) {
            self.hit(0.95, 1);
        }

        // Stacked statements: `; drop table x`, `'; exec xp_cmdshell`.
        if c2 == Some(Tok::Semi) || (c2.is_none() && self.count == 2 && !self.quote_ctx) {
            let stacked = c2 == Some(Tok::Semi);
            let conf = match (c1, t.tok) {
                (
                    Some(Tok::Kw(Kw::Drop | Kw::Create | Kw::Alter | Kw::Truncate)),
                    Tok::Kw(Kw::Object),
                ) => 0.95,
                (Some(Tok::Kw(Kw::Insert)), Tok::Kw(Kw::Into)) => 0.85,
                (Some(Tok::Kw(Kw::Delete)), Tok::Kw(Kw::From)) => 0.85,
                (
                    Some(Tok::Kw(Kw::Exec)),
                    Tok::Func(_)
                    | Tok::LParen
                    | Tok::Str { .. }
                    | Tok::Var { .. }
                    | Tok::SchemaObject,
                ) => 0.9,
                (Some(Tok::Kw(Kw::Exec)), Tok::Ident) => 0.75,
                (Some(Tok::Kw(Kw::Declare)), Tok::Var { .. }) => 0.9,
                (
                    Some(Tok::Kw(Kw::Select)),
                    Tok::Num
                    | Tok::Star
                    | Tok::Func(_)
                    | Tok::Var { .. }
                    | Tok::Kw(Kw::Null)
                    | Tok::Str { .. }
                    | Tok::LParen,
                ) => 0.9,
                // `;update users` opening a value: a second statement.
                (Some(Tok::Kw(Kw::Update)), Tok::Ident) if self.count == 3 => 0.75,
                (Some(Tok::Kw(Kw::Update)), Tok::Ident) => 0.5,
                (Some(Tok::Kw(Kw::Waitfor)), _) => 0.9,
                (Some(Tok::Kw(Kw::Shutdown)), _) => 0.85,
                _ => 0.0,
            };
            let conf = if stacked { conf } else { conf * 0.7 };
            self.hit(conf, 2);
        }
        // A value that opens with logic and a comparison: `xor 2 <`, `or 'a' >`,
        // `&&(e===`, `or (7319=8742)`.
        if self.count == 3 && c2 == Some(Tok::Logic) && is_operand(c1) && t.tok == Tok::Cmp {
            self.hit(0.75, 2);
        }
        if self.count == 4
            && c3 == Some(Tok::Logic)
            && c2 == Some(Tok::LParen)
            && is_operand(c1)
            && t.tok == Tok::Cmp
        {
            self.hit(0.75, 3);
        }
        // `DROP sampletable;--`, `drop/*x*/sampletable`: DDL opening a value, cut or hidden
        // by SQL punctuation.
        if self.count == 3
            && t.tok == Tok::Semi
            && c1 == Some(Tok::Ident)
            && matches!(c2, Some(Tok::Kw(Kw::Drop | Kw::Truncate)))
        {
            self.hit(0.8, 2);
        }
        if self.count == 2
            && t.tok == Tok::Ident
            && matches!(c1, Some(Tok::Kw(Kw::Drop | Kw::Truncate)))
            && self.text[self.start_of(1)..t.start].contains("/*")
        {
            self.hit(0.8, 1);
        }
        // `SET @x = 1`: assigning a user variable.
        if t.tok == Tok::Cmp
            && matches!(c1, Some(Tok::Var { system: false }))
            && c2 == Some(Tok::Kw(Kw::Set))
        {
            self.hit(0.8, 2);
        }
        // A value that opens with `FROM `table``: the tail of a query.
        if self.count == 2
            && c1 == Some(Tok::Kw(Kw::From))
            && matches!(t.tok, Tok::Ident | Tok::SchemaObject)
            && self.text.as_bytes().get(t.start) == Some(&b'`')
        {
            self.hit(0.75, 1);
        }
        // DDL opening a value, with SQL's own punctuation after the object name:
        // `ALTER TABLE `t` CHANGE ...`, `CREATE FUNCTION f (s CHAR(20))`.
        if self.count == 4
            && matches!(
                c3,
                Some(Tok::Kw(Kw::Drop | Kw::Create | Kw::Alter | Kw::Truncate))
            )
            && c2 == Some(Tok::Kw(Kw::Object))
            && matches!(c1, Some(Tok::Ident | Tok::SchemaObject))
            && matches!(t.tok, Tok::Ident | Tok::LParen | Tok::Semi)
            && (t.tok == Tok::LParen
                || self
                    .tok(1)
                    .is_some_and(|tk| self.text.as_bytes().get(tk.start) == Some(&b'`')))
        {
            self.hit(0.8, 3);
        }
        if t.tok == Tok::Kw(Kw::Set)
            && c2 == Some(Tok::Kw(Kw::Update))
            && (self.at(3) == Some(Tok::Semi) || self.is_breakout(3))
        {
            self.hit(0.9, 3);
        }
        // Into outfile / dumpfile.
        if t.tok == Tok::Kw(Kw::Outfile) && c1 == Some(Tok::Kw(Kw::Into)) {
            self.hit(0.95, 1);
        }
        // ORDER BY n / GROUP BY n after a closed operand (column counting).
        if matches!(t.tok, Tok::Num)
            && c1 == Some(Tok::Kw(Kw::By))
            && matches!(c2, Some(Tok::Kw(Kw::Order | Kw::Group)))
        {
            self.hit(if self.lead(3) { 0.85 } else { 0.45 }, 2);
        }
        // HAVING 1=1
        if is_operand(c0) && is_cmp(c1) && is_operand(c2) && c3 == Some(Tok::Kw(Kw::Having)) {
            self.hit(0.85, 3);
        }
        // CASE WHEN in an expression.
        if t.tok == Tok::Kw(Kw::When) && c1 == Some(Tok::Kw(Kw::Case)) {
            self.hit(
                if is_expr_lead(c2) || self.lead(2) {
                    0.85
                } else {
                    0.5
                },
                1,
            );
        }
        // @@version and friends.
        if let Tok::Var { system: true } = t.tok {
            self.hit(
                if is_expr_lead(c1) || self.lead(1) {
                    0.9
                } else {
                    0.7
                },
                1,
            );
        }
        // Break-out followed by concatenation or logic and more SQL: `'+(select`, `' or '`.
        if self.is_breakout(1) && matches!(t.tok, Tok::Kw(Kw::Union)) {
            self.hit(0.6, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::arg;

    fn d() -> Box<dyn Detector> {
        build()
    }

    #[test]
    fn flags_classic_injections() {
        let det = d();
        for v in [
            "1' or '1'='1",
            "' or 1=1--",
            "1 or 1=1",
            "admin'--",
            "x' union select password from users--",
            "-1 union all select 1,2,3",
            "1; drop table users",
            "'; exec xp_cmdshell('dir')--",
            "1 and sleep(5)",
            "1' and benchmark(5000000,md5(1))#",
            "'; waitfor delay '0:0:5'--",
            "1 union/**/select null,null",
            "1 /*!50000union*/ select 1",
            "1' order by 3--",
            "' and extractvalue(1,concat(0x7e,version()))--",
            "1 and (select count(*) from information_schema.tables)>0",
            "1' and 1=(select @@version)--",
            "\" or \"\"=\"",
            "' or ''='",
            "OR '{\"b\":2}'::jsonb <@ '{\"a\":1, \"b\":2}'::jsonb",
            "admin@example.com' or sqlite_compileoption_used (id)--",
            "x' or array[id] is not null--",
            "z'or email notnull--",
            "' or true; foo",
            "a'or'a",
            "DECLARE/**/@x",
            "exec xp_cmdshell",
            "information_schema",
            "benchmark(",
            "from `information_schema`.tables limit",
            "VALUES ('192.168.0.1', 'test')",
            "concat (",
            "database(",
            "BENChmARk(2999/**/999,Md5(NoW()",
            "ALTER TABLE `mass_mails` CHANGE `a` `a` ENUM('x')",
            "CREATE FUNCTION hello (s CHAR(20)) RETURNS CHAR(50)",
            "xor 2 <",
            "or 'a' <",
            "from `db_miwf`.`sys_refindex` limit",
        ] {
            let s = arg(&*det, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
    }

    #[test]
    fn ignores_english_and_names() {
        let det = d();
        for v in [
            "O'Brien",
            "Please select the best option from the menu",
            "The union voted to drop the proposal; select members disagreed.",
            "Rock 'n' roll or jazz? I don't know",
            "It's 5 o'clock, let's grab a drink -- or two",
            "Select all that apply",
            "drop me a line at jane@example.com",
            "price 10-20 and size=XL",
            "My password is: x'--y",
            "what's 1+1?",
            "He said \"select\" and she said \"union\"",
            "Sleep (8 hours) is important",
            "order by price",
            "D'Angelo; O'Neil & sons",
            "Tom & Jerry, 2 or 3 episodes",
            "It's great or 'good' -- whatever",
            "Values (our core ones) matter",
            "use count(*) to count rows",
            "concat",
            "Create table reservations for four people",
            "drop table tennis sessions",
            "Hi; drop me a line",
            "time 10:30::00",
            "std::vector<int>",
            "std::time",
            "HTTP::Date",
            "Data::UUID",
            "Mojo::JSON",
            "n mod 2 = 0",
            "Skyrim players' mod list; updated",
            "or 5 stars",
            "from home where I work",
            "don't or won't; either way",
        ] {
            let s = arg(&*det, v);
            assert!(s < 0.7, "{v}: {s}");
        }
    }

    #[test]
    fn flags_casts_aliases_hints_and_conditions() {
        let det = d();
        for v in [
            "starts_with(password,'a')::int",
            "user'collate nocase--",
            "password::int",
            "') OR ('1'='1",
            "1') or ('a'='a",
            ";truncate[xx",
            "; drop table users",
            ";shutdown",
            "user'collate`utf8mb4_general_ci`--",
            "' notnull --",
            "unistr(password)::int",
            "'{\"a\":1}'::jsonb #> '{a,b}'",
            "substr(version(),1,1)::text",
            ") AS orders FROM",
            "1234 AS \"foobar\" FROM t",
            "` AS `edit_user_id` from",
            ") as col_0_0_ from",
            "tempdb",
            "msdb..sysobjects",
            "Northwind",
            "9999 or /* +optimizer hint */ true",
            "1 /*+ INDEX(users idx) */",
            "procedure analyse (",
            "select pg_sleep",
            "4294967296",
            "2.2250738585072011e-308",
            "if(2=",
            ") like (",
            "11!=1",
            "'a'='a'",
            ", FIND_IN_SET('22', Category )",
            "lo_get(16400)",
            "lo_import('/etc' || '/pass' || 'wd')",
            "DROP sampletable;--",
            "drop/*comment*/sampletable",
            "SET @OLD_SQL_MODE",
            "&&(e===",
            "OR (7319=8742)",
            "x'|email--",
            "' or abc!",
            "'  xor  abcdefg!",
            "x'^email#",
            "1’ OR ’1’=’x’#;--()",
            "\\'or'1",
            "\\\" and 1",
        ] {
            let s = arg(&*det, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
    }

    #[test]
    fn ignores_code_and_prose_near_those_forms() {
        let det = d();
        for v in [
            "std::vector<int> v;",
            "Foo::Bar.new(text)",
            "fe80::1%eth0",
            "such as those from Paris",
            "known as X from the start",
            "2147483647",
            "42",
            "version 2.0 (beta) like before",
            "if you can, call me",
            "a=1b2c3",
            "1a2b3c4d5e6f7g8h9i0j1k2l3m4n5onabcde=6p7q8r9s0t",
            "/*! normalize.css v8.0.1 */",
            "see (1) = (2) in the table",
            "drop me a line; thanks",
            "set @john_doe as admin",
            "please set @mike as reviewer",
            "drop table tennis; it is fun",
            "I’m sure it’s fine – or not",
            "Rock ‘n’ roll or jazz",
            "C:\\Users\\orders\\file.txt",
            "x' - y",
            "123<456",
            "11=1",
            "1=11",
            "11!=11",
            ";set @",
            "it's red or blue!",
            "Tom's or Ann's -",
        ] {
            let s = arg(&*det, v);
            assert!(s < 0.7, "{v}: {s}");
        }
    }
}
