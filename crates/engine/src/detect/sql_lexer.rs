//! A SQL lexer for detection: strings, numbers, operators, keywords, functions, variables,
//! comments — across the MySQL, PostgreSQL, MSSQL, Oracle and SQLite dialects. It streams
//! tokens (no allocation) and can start *inside* a string literal, because an injected
//! value usually begins in the middle of the application's own quoted string.

/// SQL keywords the scorer reasons about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kw {
    Select,
    Union,
    From,
    Where,
    Insert,
    Into,
    Values,
    Update,
    Set,
    Delete,
    Drop,
    Create,
    Alter,
    Truncate,
    Exec,
    Declare,
    Shutdown,
    Waitfor,
    Delay,
    Order,
    Group,
    By,
    Having,
    Limit,
    Null,
    Bool,
    All,
    Distinct,
    Object,
    Case,
    When,
    Then,
    End,
    Outfile,
    Procedure,
    Dual,
    /// Oracle `EXECUTE IMMEDIATE`.
    Immediate,
    Is,
    In,
    Between,
    Not,
    Exists,
    As,
    /// `COLLATE name`: changes how the operand before it compares.
    Collate,
    /// `NOTNULL` written after an operand (SQLite, PostgreSQL).
    NullTest,
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A quoted string; `closed` is false when the input ended inside it.
    Str {
        closed: bool,
    },
    Num,
    /// A known keyword.
    Kw(Kw),
    /// `and`, `or`, `xor`, `&&`, `||` (as logic), `div`-less.
    Logic,
    /// A comparison: `=`, `<`, `>`, `<=`, `>=`, `<>`, `!=`, `<=>`, `like`, `regexp`, ...
    Cmp,
    /// Arithmetic, bitwise and concatenation operators.
    Op,
    /// `*` (select list or multiplication).
    Star,
    /// A known SQL function name followed by `(`.
    Func(FuncClass),
    /// A schema object that only SQL reconnaissance names (`information_schema`, ...).
    SchemaObject,
    /// Any other word.
    Ident,
    /// `@x`, `@@version`.
    Var {
        system: bool,
    },
    LParen,
    RParen,
    Comma,
    Semi,
    Dot,
    Comment,
    /// An MSSQL extended or system stored procedure (`xp_cmdshell`, `sp_oacreate`).
    Proc,
    /// A PostgreSQL cast `::type`: transparent to the grammar.
    Cast,
    Other,
}

/// Families of SQL functions, by how telling a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FuncClass {
    /// Delays: `sleep`, `benchmark`, `pg_sleep`.
    Time,
    /// File, network, OS access or error-based extraction.
    Dangerous,
    /// Common functions that are also SQL's (`char`, `concat`, `substring`, ...).
    Common,
}

/// One token: kind and byte range in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// Streaming lexer over lowercase text.
pub(crate) struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
    /// Quote the input starts inside of (0 for none).
    start_quote: u8,
}

impl<'a> Lexer<'a> {
    /// Lexes `lower` (ASCII-lowercased); `start_quote` is `'`/`"` to begin inside a string.
    pub(crate) fn new(lower: &'a str, start_quote: u8) -> Lexer<'a> {
        Lexer {
            s: lower.as_bytes(),
            i: 0,
            start_quote,
        }
    }

    fn string(&mut self, quote: u8, start: usize) -> Token {
        let s = self.s;
        let mut i = self.i;
        while i < s.len() {
            let c = s[i];
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == quote {
                if s.get(i + 1) == Some(&quote) {
                    i += 2;
                    continue;
                }
                self.i = i + 1;
                return Token {
                    tok: Tok::Str { closed: true },
                    start,
                    end: self.i,
                };
            }
            i += 1;
        }
        self.i = s.len();
        Token {
            tok: Tok::Str { closed: false },
            start,
            end: s.len(),
        }
    }

    fn word(&mut self, start: usize) -> Token {
        let s = self.s;
        let mut i = self.i;
        while i < s.len()
            && (s[i].is_ascii_alphanumeric() || s[i] == b'_' || s[i] == b'$' || s[i] >= 0x80)
        {
            i += 1;
        }
        self.i = i;
        let w = &s[start..i];
        // Allow whitespace between a function name and its parenthesis.
        let mut j = i;
        while j < s.len() && s[j].is_ascii_whitespace() {
            j += 1;
        }
        let call = s.get(j) == Some(&b'(');
        let tok = classify(w, call);
        // `information_schema.tables`, `mysql.user`: qualified names.
        if s.get(i) == Some(&b'.') && (w == b"mysql" || w == b"sys" || w == b"master") {
            let mut k = i + 1;
            while k < s.len() && (s[k].is_ascii_alphanumeric() || s[k] == b'_' || s[k] == b'.') {
                k += 1;
            }
            let obj = &s[i + 1..k];
            if matches!(
                obj,
                b"user"
                    | b"db"
                    | b"objects"
                    | b"sysobjects"
                    | b"columns"
                    | b"tables"
                    | b"databases"
            ) || obj.starts_with(b"dbo.")
                || obj.starts_with(b".")
                || obj.starts_with(b"xp_")
            {
                self.i = k;
                return Token {
                    tok: Tok::SchemaObject,
                    start,
                    end: k,
                };
            }
        }
        Token { tok, start, end: i }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let s = self.s;
        if self.start_quote != 0 {
            let q = self.start_quote;
            self.start_quote = 0;
            return Some(self.string(q, 0));
        }
        while self.i < s.len() && (s[self.i].is_ascii_whitespace() || s[self.i] == 0x0b) {
            self.i += 1;
        }
        let start = self.i;
        let c = *s.get(start)?;
        let next = s.get(start + 1).copied().unwrap_or(0);
        self.i += 1;
        let tok = match c {
            b'\'' | b'"' => return Some(self.string(c, start)),
            b'`' => {
                self.i = memchr::memchr(b'`', &s[self.i..]).map_or(s.len(), |e| self.i + e + 1);
                let inner = &s[start + 1..self.i.saturating_sub(1).max(start + 1)];
                match classify(inner, false) {
                    Tok::SchemaObject => Tok::SchemaObject,
                    _ => Tok::Ident,
                }
            }
            b'0'..=b'9' => {
                if c == b'0' && (next == b'x' || next == b'b') {
                    self.i += 1;
                }
                while self.i < s.len() && (s[self.i].is_ascii_alphanumeric() || s[self.i] == b'.') {
                    self.i += 1;
                }
                Tok::Num
            }
            b'.' if next.is_ascii_digit() => {
                while self.i < s.len() && s[self.i].is_ascii_alphanumeric() {
                    self.i += 1;
                }
                Tok::Num
            }
            b'a'..=b'z' | b'_' | b'$' | 0x80..=0xff => return Some(self.word(start)),
            b'@' if next == b'>' => {
                self.i += 1;
                Tok::Cmp
            }
            b'@' => {
                let system = next == b'@';
                if system {
                    self.i += 1;
                }
                while self.i < s.len() && (s[self.i].is_ascii_alphanumeric() || s[self.i] == b'_') {
                    self.i += 1;
                }
                Tok::Var { system }
            }
            b'-' if next == b'-' => {
                self.i = memchr::memchr(b'\n', &s[self.i..]).map_or(s.len(), |e| self.i + e);
                Tok::Comment
            }
            b'#' => {
                self.i = memchr::memchr(b'\n', &s[self.i..]).map_or(s.len(), |e| self.i + e);
                Tok::Comment
            }
            b'/' if next == b'*' => {
                if s.get(start + 2) == Some(&b'!') {
                    // MySQL executable comment: its body is code.
                    self.i = start + 3;
                    while self.i < s.len() && s[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                } else {
                    self.i = memchr::memmem::find(&s[start + 2..], b"*/")
                        .map_or(s.len(), |e| start + 2 + e + 2);
                }
                Tok::Comment
            }
            b'*' if next == b'/' => {
                self.i += 1;
                Tok::Comment
            }
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b',' => Tok::Comma,
            b';' => Tok::Semi,
            b'.' => Tok::Dot,
            b'*' => Tok::Star,
            b'=' => Tok::Cmp,
            b'<' | b'>' | b'!' => {
                while self.i < s.len()
                    && matches!(s[self.i], b'=' | b'>' | b'<' | b'@')
                    && self.i - start < 3
                {
                    self.i += 1;
                }
                if c == b'!' && self.i == start + 1 {
                    Tok::Op
                } else {
                    Tok::Cmp
                }
            }
            b'|' if next == b'|' => {
                self.i += 1;
                Tok::Logic
            }
            b'&' if next == b'&' => {
                self.i += 1;
                Tok::Logic
            }
            b':' if next == b'=' => {
                self.i += 1;
                Tok::Cmp
            }
            b':' if next == b':' => {
                self.i += 1;
                while self.i < s.len() && s[self.i].is_ascii_whitespace() {
                    self.i += 1;
                }
                while self.i < s.len()
                    && (s[self.i].is_ascii_alphanumeric()
                        || s[self.i] == b'_'
                        || s[self.i] == b'['
                        || s[self.i] == b']')
                {
                    self.i += 1;
                }
                Tok::Cast
            }
            // PostgreSQL JSON and containment operators: `?`, `?|`, `?&`, `@>`, `->`, `->>`.
            b'?' => {
                if matches!(next, b'|' | b'&') {
                    self.i += 1;
                }
                Tok::Cmp
            }
            b'-' if next == b'>' => {
                self.i += 1;
                if s.get(self.i) == Some(&b'>') {
                    self.i += 1;
                }
                Tok::Cmp
            }
            b'+' | b'-' | b'/' | b'%' | b'^' | b'|' | b'&' | b'~' => Tok::Op,
            _ => Tok::Other,
        };
        Some(Token {
            tok,
            start,
            end: self.i,
        })
    }
}

fn classify(w: &[u8], call: bool) -> Tok {
    // Words that are both keywords and functions (`database(`, `if(`, `replace(`) are calls
    // when a parenthesis follows.
    if call
        && !matches!(
            w,
            b"in" | b"exists" | b"values" | b"not" | b"and" | b"or" | b"when" | b"then" | b"as"
        )
    {
        if let Some(class) = function(w) {
            return Tok::Func(class);
        }
    }
    let kw = match w {
        b"select" => Kw::Select,
        b"union" => Kw::Union,
        b"from" => Kw::From,
        b"where" => Kw::Where,
        b"insert" => Kw::Insert,
        b"into" => Kw::Into,
        b"values" => Kw::Values,
        b"update" => Kw::Update,
        b"set" => Kw::Set,
        b"delete" => Kw::Delete,
        b"drop" => Kw::Drop,
        b"create" => Kw::Create,
        b"alter" => Kw::Alter,
        b"truncate" => Kw::Truncate,
        b"exec" | b"execute" => Kw::Exec,
        b"declare" => Kw::Declare,
        b"shutdown" => Kw::Shutdown,
        b"waitfor" => Kw::Waitfor,
        b"delay" => Kw::Delay,
        b"order" => Kw::Order,
        b"group" => Kw::Group,
        b"by" => Kw::By,
        b"having" => Kw::Having,
        b"limit" | b"offset" => Kw::Limit,
        b"null" => Kw::Null,
        b"true" | b"false" => Kw::Bool,
        b"all" => Kw::All,
        b"distinct" => Kw::Distinct,
        b"table" | b"database" | b"schema" | b"view" | b"function" | b"trigger" | b"index"
        | b"login" => Kw::Object,
        b"case" => Kw::Case,
        b"when" => Kw::When,
        b"then" => Kw::Then,
        b"end" => Kw::End,
        b"outfile" | b"dumpfile" => Kw::Outfile,
        b"procedure" | b"proc" => Kw::Procedure,
        b"dual" => Kw::Dual,
        b"immediate" => Kw::Immediate,
        b"not" => Kw::Not,
        b"exists" => Kw::Exists,
        b"as" => Kw::As,
        b"like" | b"rlike" | b"regexp" | b"glob" | b"sounds" | b"ilike" | b"similar" => {
            return Tok::Cmp
        }
        b"is" => Kw::Is,
        b"collate" => Kw::Collate,
        b"notnull" => Kw::NullTest,
        b"in" => Kw::In,
        b"between" => Kw::Between,
        b"and" | b"or" | b"xor" | b"div" => return Tok::Logic,
        b"information_schema"
        | b"sysobjects"
        | b"syscolumns"
        | b"sysdatabases"
        | b"sqlite_master"
        | b"sqlite_schema"
        | b"pg_catalog"
        | b"pg_toast"
        | b"tempdb"
        | b"msdb"
        | b"northwind"
        | b"schema_name"
        | b"msysqueries"
        | b"msysrelationships"
        | b"pg_shadow"
        | b"pg_user"
        | b"pg_database"
        | b"msysobjects"
        | b"msysaccessobjects"
        | b"all_tables"
        | b"user_tables"
        | b"all_tab_columns"
        | b"user_objects"
        | b"sys_context"
        | b"mysql.user" => return Tok::SchemaObject,
        _ => {
            if call {
                if let Some(class) = function(w) {
                    return Tok::Func(class);
                }
            }
            if w.starts_with(b"xp_") || w.starts_with(b"sp_") && w.len() > 5 {
                return Tok::Proc;
            }
            return Tok::Ident;
        }
    };
    Tok::Kw(kw)
}

fn function(w: &[u8]) -> Option<FuncClass> {
    Some(match w {
        b"sleep" | b"benchmark" | b"pg_sleep" | b"dbms_lock" | b"randomblob" => FuncClass::Time,
        b"load_file"
        | b"extractvalue"
        | b"updatexml"
        | b"utl_inaddr"
        | b"utl_http"
        | b"dbms_pipe"
        | b"dbms_xmlquery"
        | b"xmltype"
        | b"sys_eval"
        | b"sys_exec"
        | b"name_const"
        | b"geometrycollection"
        | b"multipoint"
        | b"polygon"
        | b"linestring"
        | b"multipolygon"
        | b"multilinestring"
        | b"exp"
        | b"gtid_subset"
        | b"json_keys"
        | b"pg_read_file"
        | b"pg_ls_dir"
        | b"lo_import"
        | b"lo_get"
        | b"lo_from_bytea"
        | b"lo_put"
        | b"lo_export"
        | b"openrowset"
        | b"opendatasource"
        | b"openquery"
        | b"xp_cmdshell"
        | b"sp_executesql"
        | b"sp_oacreate"
        | b"sp_makewebtask"
        | b"ctxsys"
        | b"dbms_java"
        | b"make_set"
        | b"elt"
        | b"procedure_analyse"
        | b"st_latfromgeohash"
        | b"floor"
        | b"rand"
        | b"row_to_json"
        | b"array_to_string"
        | b"current_setting"
        | b"query_to_xml"
        | b"database_to_xml" => FuncClass::Dangerous,
        b"char"
        | b"chr"
        | b"nchar"
        | b"concat"
        | b"concat_ws"
        | b"group_concat"
        | b"string_agg"
        | b"substring"
        | b"substr"
        | b"mid"
        | b"ascii"
        | b"ord"
        | b"hex"
        | b"unhex"
        | b"bin"
        | b"length"
        | b"len"
        | b"version"
        | b"database"
        | b"user"
        | b"current_user"
        | b"system_user"
        | b"session_user"
        | b"schema"
        | b"cast"
        | b"convert"
        | b"if"
        | b"ifnull"
        | b"iif"
        | b"nullif"
        | b"coalesce"
        | b"count"
        | b"md5"
        | b"sha1"
        | b"sha2"
        | b"password"
        | b"encode"
        | b"decode"
        | b"db_name"
        | b"user_name"
        | b"host_name"
        | b"suser_name"
        | b"object_id"
        | b"col_name"
        | b"table_name"
        | b"instr"
        | b"locate"
        | b"position"
        | b"left"
        | b"right"
        | b"reverse"
        | b"lower"
        | b"upper"
        | b"lcase"
        | b"ucase"
        | b"trim"
        | b"replace"
        | b"repeat"
        | b"space"
        | b"strcmp"
        | b"conv"
        | b"oct"
        | b"char_length"
        | b"uuid"
        | b"connection_id"
        | b"last_insert_id"
        | b"row_count"
        | b"found_rows"
        | b"now"
        | b"sysdate"
        | b"getdate"
        | b"waitfor"
        | b"having"
        | b"max"
        | b"min"
        | b"sum"
        | b"avg"
        | b"isnull"
        | b"soundex"
        | b"quote"
        | b"export_set"
        | b"unicode"
        | b"typeof"
        | b"sqlite_version"
        | b"pg_client_encoding"
        | b"inet_server_addr"
        | b"current_database"
        | b"to_char"
        | b"utl_raw"
        | b"rawtohex"
        | b"json_extract"
        | b"pow"
        | b"insert"
        | b"power"
        | b"sin"
        | b"cos"
        | b"tan"
        | b"pi"
        | b"abs"
        | b"rtrim"
        | b"ltrim"
        | b"date"
        | b"compress"
        | b"uncompress"
        | b"find_in_set"
        | b"field"
        | b"str_to_date"
        | b"schema_name"
        | b"starts_with"
        | b"unistr"
        | b"jsonb_pretty"
        | b"json_build_object"
        | b"extract" => FuncClass::Common,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str, q: u8) -> Vec<Tok> {
        Lexer::new(s, q).map(|t| t.tok).collect()
    }

    #[test]
    fn lexes_strings_numbers_keywords_and_comments() {
        assert_eq!(
            toks("1 or 'a'='a'-- x", 0),
            vec![
                Tok::Num,
                Tok::Logic,
                Tok::Str { closed: true },
                Tok::Cmp,
                Tok::Str { closed: true },
                Tok::Comment
            ]
        );
    }

    #[test]
    fn starts_inside_a_string_when_asked() {
        assert_eq!(
            toks("x' union select 1", b'\''),
            vec![
                Tok::Str { closed: true },
                Tok::Kw(Kw::Union),
                Tok::Kw(Kw::Select),
                Tok::Num
            ]
        );
    }

    #[test]
    fn recognises_functions_only_when_called() {
        assert_eq!(toks("sleep (5)", 0)[0], Tok::Func(FuncClass::Time));
        assert_eq!(toks("sleep well", 0)[0], Tok::Ident);
    }

    #[test]
    fn reads_mysql_executable_comments_as_code() {
        assert_eq!(
            toks("/*!50000union*/", 0),
            vec![Tok::Comment, Tok::Kw(Kw::Union), Tok::Comment]
        );
    }

    #[test]
    fn handles_doubled_and_escaped_quotes() {
        assert_eq!(
            toks("'it''s' 'a\\'b'", 0),
            vec![Tok::Str { closed: true }, Tok::Str { closed: true }]
        );
    }
}
