//! PHP injection: opening tags (`<?php`, `<?=`, `[php]`), calls of PHP functions that run
//! code, commands or read files (`eval(`, `system (`, `base64_decode(`, comments and
//! whitespace before the parenthesis allowed), variable function calls (`$a(1)`,
//! `${'x'}()`, `$__['o'](5)`), superglobals, stream wrappers (`php://`, `phar://`),
//! serialised objects (`O:8:"stdClass":...`), `php.ini` directives and uploads of
//! executable PHP files (`shell.php5`, `x.phtml`) or session files.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

use super::{Detector, Hit, Kind, Subject, Triggers};

/// PHP functions by how telling a call to them is.
const FUNCTIONS: &[(&str, f32)] = &[
    // Code and command execution.
    ("eval", 0.9),
    ("assert", 0.85),
    ("assert_options", 0.85),
    ("create_function", 0.9),
    ("system", 0.85),
    ("exec", 0.85),
    ("shell_exec", 0.9),
    ("passthru", 0.9),
    ("popen", 0.85),
    ("proc_open", 0.9),
    ("pcntl_exec", 0.9),
    ("call_user_func", 0.85),
    ("call_user_func_array", 0.85),
    ("preg_replace", 0.75),
    ("array_map", 0.7),
    ("array_filter", 0.7),
    ("usort", 0.7),
    ("register_shutdown_function", 0.85),
    ("register_tick_function", 0.85),
    ("forward_static_call", 0.8),
    ("include", 0.75),
    ("include_once", 0.8),
    ("require", 0.7),
    ("require_once", 0.8),
    ("phpinfo", 0.9),
    ("posix_getpwuid", 0.85),
    ("posix_getpwnam", 0.85),
    ("posix_getegid", 0.85),
    ("posix_geteuid", 0.85),
    ("posix_getuid", 0.85),
    ("posix_kill", 0.85),
    ("posix_setuid", 0.85),
    ("get_defined_functions", 0.85),
    ("get_defined_vars", 0.85),
    ("get_defined_constants", 0.85),
    ("getenv", 0.7),
    ("putenv", 0.8),
    ("ini_set", 0.85),
    ("ini_get", 0.75),
    ("ini_restore", 0.8),
    ("set_time_limit", 0.7),
    ("ignore_user_abort", 0.75),
    ("dl", 0.0),
    ("extract", 0.6),
    ("parse_str", 0.7),
    ("unserialize", 0.85),
    ("serialize", 0.6),
    ("var_dump", 0.75),
    ("print_r", 0.7),
    ("var_export", 0.75),
    ("debug_zval_dump", 0.8),
    ("highlight_file", 0.85),
    ("show_source", 0.85),
    ("php_uname", 0.9),
    ("phpversion", 0.8),
    ("getmypid", 0.8),
    ("getcwd", 0.75),
    ("chdir", 0.7),
    ("mail", 0.0),
    ("header", 0.0),
    // Obfuscation and decoding.
    ("base64_decode", 0.85),
    ("base64_encode", 0.7),
    ("str_rot13", 0.8),
    ("gzinflate", 0.85),
    ("gzuncompress", 0.85),
    ("gzdecode", 0.85),
    ("gzencode", 0.7),
    ("gzdeflate", 0.75),
    ("bzdecompress", 0.85),
    ("zlib_decode", 0.85),
    ("convert_uudecode", 0.85),
    ("hex2bin", 0.7),
    ("strrev", 0.7),
    ("chr", 0.7),
    ("ord", 0.0),
    ("pack", 0.0),
    ("unpack", 0.7),
    ("urldecode", 0.6),
    ("rawurldecode", 0.6),
    ("htmlspecialchars_decode", 0.6),
    ("str_replace", 0.6),
    ("substr", 0.7),
    ("strip_tags", 0.7),
    ("printf", 0.7),
    ("sprintf", 0.65),
    ("intval", 0.7),
    ("is_array", 0.7),
    ("compact", 0.0),
    ("func_get_args", 0.8),
    ("get_class", 0.0),
    ("constant", 0.0),
    // Files and network.
    ("file_get_contents", 0.85),
    ("file_put_contents", 0.9),
    ("fopen", 0.8),
    ("fwrite", 0.8),
    ("fputs", 0.8),
    ("fread", 0.75),
    ("fgets", 0.7),
    ("file", 0.7),
    ("readfile", 0.85),
    ("file_exists", 0.75),
    ("is_file", 0.7),
    ("is_dir", 0.7),
    ("is_writable", 0.75),
    ("filegroup", 0.75),
    ("fileowner", 0.75),
    ("fileperms", 0.75),
    ("unlink", 0.8),
    ("rmdir", 0.75),
    ("mkdir", 0.7),
    ("rename", 0.0),
    ("copy", 0.0),
    ("move_uploaded_file", 0.85),
    ("chmod", 0.8),
    ("chown", 0.8),
    ("chgrp", 0.8),
    ("symlink", 0.8),
    ("link", 0.0),
    ("tempnam", 0.75),
    ("tmpfile", 0.75),
    ("scandir", 0.85),
    ("glob", 0.7),
    ("opendir", 0.8),
    ("readdir", 0.8),
    ("dir", 0.0),
    ("parse_ini_file", 0.85),
    ("fsockopen", 0.85),
    ("pfsockopen", 0.85),
    ("stream_socket_client", 0.85),
    ("socket_create", 0.85),
    ("curl_init", 0.8),
    ("curl_exec", 0.85),
    ("stream_get_contents", 0.8),
    ("stream_context_create", 0.75),
    ("ftp_connect", 0.8),
    ("mysql_query", 0.7),
    ("mysqli_query", 0.7),
    ("apache_setenv", 0.85),
    ("virtual", 0.0),
    ("escapeshellcmd", 0.75),
    ("escapeshellarg", 0.7),
    ("mb_ereg_replace", 0.75),
    ("preg_replace_callback", 0.75),
    ("iterator_apply", 0.8),
    ("array_walk", 0.7),
    ("uasort", 0.7),
    ("uksort", 0.7),
    ("ob_start", 0.75),
    ("session_start", 0.6),
];

/// Name prefixes of PHP's bundled extensions (`array_diff`, `ldap_get_entries`,
/// `sodium_crypto_box`, `gethostbyname`): a value that is nothing but a call of such a
/// function is PHP code.
const EXTENSION_PREFIXES: &[&str] = &[
    "array_",
    "date_",
    "timezone_",
    "ldap_",
    "pg_",
    "odbc_",
    "sodium_",
    "tidy_",
    "zend_",
    "mysqli_",
    "mysql_",
    "sqlite_",
    "oci_",
    "openssl_",
    "curl_",
    "posix_",
    "proc_",
    "pcntl_",
    "stream_",
    "socket_",
    "xml_",
    "xmlwriter_",
    "libxml_",
    "simplexml_",
    "mb_",
    "iconv_",
    "ftp_",
    "imap_",
    "gethostby",
    "dns_",
    "ob_",
    "session_",
    "str_",
    "preg_",
    "json_",
    "hash_",
    "mcrypt_",
    "gmp_",
    "exif_",
    "imagecreate",
    "fastcgi_",
    "apache_",
    "spl_",
    "iterator_",
    "func_",
    "filter_",
    "ctype_",
    "numfmt_",
    "msgfmt_",
    "grapheme_",
    "idn_",
    "shmop_",
    "sem_",
    "shm_",
    "ini_",
    "php_",
    "zlib_",
    "readline_",
    "opcache_",
    "finfo_",
    "collator_",
    "transliterator_",
    "enchant_",
    "snmp_",
    "gzinflate",
    "gzuncompress",
    "bzdecompress",
    "unserialize",
    "var_",
    "debug_",
    "error_",
    "set_error_",
    "set_exception_",
    "call_user_",
    "forward_static_",
    "get_class_",
    "highlight_",
    "ignore_user_",
];

/// True when `text` is a single call of a bundled PHP function: `array_diff (`,
/// `date_add()`, `ldap_get_entries($c)`.
fn sole_builtin_call(text: &str) -> bool {
    let t = text.trim();
    let name_len = t
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
        .count();
    let name = &t[..name_len];
    let Some(args) = t[name_len..].trim_start().strip_prefix('(') else {
        return false;
    };
    let args = args.trim_end();
    let inner = args
        .strip_suffix(");")
        .or_else(|| args.strip_suffix(')'))
        .unwrap_or(args);
    // Code passes variables, strings or numbers (`($conn)`, `('x', 1)`), or nothing;
    // prose puts words in parentheses (`date_of_birth (optional)`).
    let code_args = inner.trim().is_empty()
        || inner.contains(['$', '\'', '"'])
        || inner.split(',').all(|a| a.trim().parse::<f64>().is_ok());
    let closed = args.is_empty() || inner.len() < args.len() && !inner.contains(['(', ')']);
    closed
        && code_args
        && EXTENSION_PREFIXES
            .iter()
            .any(|p| name.len() > p.len() + 1 && name.starts_with(p))
}

/// Upload extensions PHP servers execute.
const PHP_EXTENSIONS: &[&str] = &[
    "php", "php3", "php4", "php5", "php7", "php8", "phtml", "phar", "phps", "pht", "phpt", "pgif",
    "shtml", "inc",
];

/// `php.ini` directives attackers set through `ini_set` or `.user.ini` uploads.
const INI_PREFIXES: &[&str] = &[
    "allow_url_include",
    "allow_url_fopen",
    "auto_prepend_file",
    "auto_append_file",
    "disable_functions",
    "open_basedir",
    "safe_mode",
    "memory_limit",
    "max_execution_time",
    "display_errors",
    "error_log",
    "include_path",
    "upload_tmp_dir",
    "register_globals",
    "magic_quotes",
    "opcache.",
    "session.",
    "zend.",
    "zend_extension",
    "xdebug.",
    "mbstring.func_overload",
    "phar.readonly",
    "sendmail_path",
    "extension_dir",
    "enable_dl",
    "log_errors",
    "html_errors",
    "expose_php",
    "short_open_tag",
    "file_uploads",
    "post_max_size",
    "upload_max_filesize",
    "engine",
    "extension",
    "precision",
    "smtp",
    "unserialize_max_depth",
    "mbstring.",
];

#[derive(Debug)]
struct Php {
    functions: AhoCorasick,
    variable_call: Regex,
    serialized: Regex,
    ini: AhoCorasick,
}

pub(crate) fn build() -> Box<dyn Detector> {
    let functions = AhoCorasickBuilder::new()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .match_kind(MatchKind::LeftmostLongest)
        .build(FUNCTIONS.iter().map(|(f, _)| f))
        .expect("static patterns compile");
    let ini = super::automaton(INI_PREFIXES);
    // `$x(`, `$$x(`, `${...}(`, `$x['a'](`, `$x->f(`, `Foo::$x(` with comments allowed before `(`.
    let variable_call = Regex::new(
        r"(?:^|[^\w$])@?\$+\s*(?:\{[^}]*\}|[a-z_\x7f-\xff][\w\x7f-\xff]*)(?:\s*(?:\[(?:[^\[\]]|\[[^\]]*\])*\]|\{[^}]*\}|->\$?\w+|/\*(?:[^*]|\*[^/])*\*/|//[^\n]*\n|#[^\n]*\n))*\s*\(",
    )
    .expect("static regex compiles");
    let serialized =
        Regex::new(r#"(?:^|[;{])(?:o|c):\+?\d{1,5}:"[a-z_\\][\w\\]{0,128}":\d{1,5}:\{"#)
            .expect("static regex compiles");
    Box::new(Php {
        functions,
        variable_call,
        serialized,
        ini,
    })
}

/// Skips whitespace and C/shell comments; returns the index of the next code byte.
fn skip_trivia(b: &[u8], mut i: usize) -> usize {
    for _ in 0..16 {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"/*") {
            i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |e| i + 2 + e + 2);
        } else if b[i..].starts_with(b"//")
            || (b.get(i) == Some(&b'#') && b.get(i + 1) != Some(&b'['))
        {
            i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |e| i + e);
        } else {
            break;
        }
    }
    i
}

/// Joins quoted pieces separated by `.` (`'sys' . 'tem'`); returns the name and offset of
/// the first run of at least two pieces.
fn concatenated_name(lower: &str) -> Option<(String, usize)> {
    let b = lower.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if matches!(b[i], b'\'' | b'"') {
            let start = i;
            let mut name = String::new();
            let mut pieces = 0;
            let mut j = i;
            while j < b.len() && matches!(b[j], b'\'' | b'"') {
                let q = b[j];
                let end = memchr::memchr(q, &b[j + 1..]).map(|e| j + 1 + e)?;
                name.push_str(&lower[j + 1..end]);
                pieces += 1;
                j = end + 1;
                while j < b.len() && b[j] == b' ' {
                    j += 1;
                }
                if b.get(j) != Some(&b'.') {
                    break;
                }
                j += 1;
                while j < b.len() && b[j] == b' ' {
                    j += 1;
                }
            }
            if pieces >= 2 && name.len() <= 32 {
                return Some((name, start));
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// Offset of `(expr)(args)` or `[expr][i](args)` followed by `;`, comments ignored.
fn dynamic_call(lower: &str) -> Option<usize> {
    let mut stripped = String::new();
    let text = if crate::decode::comment::may_contain(lower)
        && crate::decode::comment::strip_into(lower, &mut stripped)
    {
        stripped.as_str()
    } else {
        lower
    };
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(4096)
        .collect();
    for pat in [")(", "](", "}("] {
        for (k, _) in compact.match_indices(pat).take(16) {
            let args = &compact[k + 2..];
            let close = args.find(')')?;
            let arg = &args[..close];
            let after = &args[close + 1..];
            if arg.contains("://") || arg.starts_with('#') || arg.len() > 64 {
                continue;
            }
            if after.starts_with(';')
                || (pat == ")(" && after.is_empty() && compact.starts_with('('))
            {
                return Some(0);
            }
        }
    }
    None
}

/// True when the text after `(` reads as an argument list (empty, one token, a quoted
/// string or a variable) rather than words in parentheses.
fn code_args(after: &str) -> bool {
    let inner = after.split(')').next().unwrap_or(after);
    let inner = inner.trim();
    inner.len() <= 64
        && (inner.is_empty()
            || inner.starts_with(['\'', '"', '$'])
            || !inner.contains(char::is_whitespace))
}

/// True when `name` (lowercase) ends in an extension PHP executes (trailing dots and
/// spaces stripped, as Windows and some servers do).
pub(crate) fn php_filename(name: &str) -> bool {
    let n = name.trim_end_matches(['.', ' ', '\0']);
    n.rsplit_once('.').is_some_and(|(_, ext)| {
        let ext = ext.trim();
        PHP_EXTENSIONS.contains(&ext)
            || (ext.starts_with("php") && ext[3..].bytes().all(|c| c.is_ascii_digit()))
    })
}

fn is_filename_header(s: &Subject<'_>) -> bool {
    s.kind == Kind::Filename
        || (s.kind == Kind::Header && {
            let n = s.name.as_bytes();
            let norm = |b: &u8| if matches!(b, b'_' | b'.') { b'-' } else { *b };
            let eq = |t: &str| n.len() == t.len() && n.iter().map(norm).eq(t.bytes());
            eq("x-filename") || eq("x-file-name") || eq("filename")
        })
}

impl Detector for Php {
    fn triggers(&self) -> Triggers {
        Triggers::bytes_or_words(
            b"<[{($:='\"",
            &[
                "php",
                "pht",
                "phar",
                "sess_",
                ".user.ini",
                ".htaccess",
                ".inc",
                "shtml",
                "pgif",
            ],
        )
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        let lower = s.lower;
        let b = lower.as_bytes();
        let mut best = (0.0f32, 0usize, 0usize);
        let mut take = |c: f32, a: usize, e: usize| {
            if c > best.0 {
                best = (c, a, e);
            }
        };
        if is_filename_header(s) {
            if php_filename(lower) {
                take(0.9, 0, lower.len());
            }
            let base = lower.rsplit(['/', '\\']).next().unwrap_or(lower);
            if base.starts_with("sess_") && base.len() >= 15 {
                take(0.85, 0, lower.len());
            }
            if base == ".user.ini" || base == ".htaccess" {
                take(0.85, 0, lower.len());
            }
        }
        if s.kind == Kind::XmlDoctype {
            return None;
        }
        // Opening tags.
        if s.bytes.any(b"<[{") {
            for (k, _) in lower.match_indices("<?").take(64) {
                let rest = &lower[k + 2..];
                let after = rest.trim_start();
                let c = if after.starts_with("php") || rest.starts_with('=') {
                    0.95
                } else if rest.starts_with("xml") {
                    if after[3..].trim_start().starts_with(':') {
                        0.85
                    } else {
                        0.0
                    }
                } else if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                    0.85
                } else {
                    0.0
                };
                take(c, k, (k + 60).min(lower.len()));
            }
            for tag in ["[php]", "{php}", "[/php]", "{/php}"] {
                if let Some(k) = lower.find(tag) {
                    take(0.85, k, (k + 60).min(lower.len()));
                }
            }
        }
        // Function calls: name, then optional whitespace/comments, then `(`.
        if s.bytes.has(b'(') {
            for m in self.functions.find_iter(lower) {
                let (_, weight) = FUNCTIONS[m.pattern().as_usize()];
                if weight == 0.0 {
                    continue;
                }
                let before_ok = m.start() == 0 || {
                    let p = b[m.start() - 1];
                    !(p.is_ascii_alphanumeric() || p == b'_' || p == b'$' || p == b'.' || p == b'-')
                        || (p.is_ascii_uppercase())
                };
                // A name glued to letters before it (`FOOfsockopen(`) still spells the call.
                let glued =
                    m.start() > 0 && b[m.start() - 1].is_ascii_alphanumeric() && weight >= 0.8;
                let open = skip_trivia(b, m.end());
                if b.get(open) != Some(&b'(') || !(before_ok || glued) {
                    continue;
                }
                // With a gap before `(`, the arguments must look like code, not a prose aside.
                if open > m.end() && !code_args(&lower[open + 1..]) {
                    continue;
                }
                // A quoted or parenthesised name (`"system"(`, `(system)(`) is PHP-only syntax.
                take(weight, m.start(), (open + 30).min(lower.len()));
            }
            for (k, _) in lower.match_indices(")(").take(16) {
                let pre = &lower[..k];
                if let Some(open) = pre.rfind('(') {
                    let name = pre[open + 1..].trim_matches(['"', '\'']);
                    if FUNCTIONS.iter().any(|(f, w)| *f == name && *w > 0.0) {
                        take(0.9, open, (k + 20).min(lower.len()));
                    }
                }
            }
            for (q, quote_paren) in [("\"", "\"("), ("'", "'(")] {
                for (k, _) in lower.match_indices(quote_paren).take(16) {
                    let pre = &lower[..k];
                    if let Some(open) = pre.rfind(q) {
                        let name = &pre[open + 1..];
                        if FUNCTIONS.iter().any(|(f, w)| *f == name && *w >= 0.8) {
                            take(0.9, open, (k + 20).min(lower.len()));
                        }
                    }
                }
            }
            if matches!(
                s.kind,
                Kind::ArgValue | Kind::ArgName | Kind::Path | Kind::Body
            ) {
                let call = if s.kind == Kind::Path {
                    lower.rsplit('/').next().unwrap_or("")
                } else {
                    lower
                };
                if sole_builtin_call(call) {
                    take(0.72, lower.len() - call.len(), lower.len());
                }
            }
            if s.bytes.has(b'$') {
                if let Some(m) = self.variable_call.find(lower) {
                    take(0.85, m.start(), m.end());
                }
            }
        }
        if s.bytes.has(b'$') {
            for sg in [
                "$_server",
                "$_get",
                "$_post",
                "$_cookie",
                "$_request",
                "$_files",
                "$_env",
                "$_session",
                "$globals",
                "$http_raw_post_data",
            ] {
                if let Some(k) = lower.find(sg) {
                    take(0.85, k, (k + sg.len() + 20).min(lower.len()));
                }
            }
            // Variable variables: `${'a'}`, `$ {$a}`.
            for (k, _) in lower.match_indices('$').take(64) {
                let raw_rest = &lower[k + 1..];
                let rest = raw_rest.trim_start();
                let spaced = rest.len() != raw_rest.len();
                if let Some(inner) = rest.strip_prefix('{') {
                    let inner = inner.trim_start();
                    let word = inner.split('}').next().is_some_and(|w| {
                        let w = w.trim();
                        !w.is_empty()
                            && w.len() <= 64
                            && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    });
                    if inner.starts_with(['\'', '"', '$']) || (spaced && word) {
                        take(0.8, k, (k + 30).min(lower.len()));
                    } else if word {
                        take(0.5, k, (k + 30).min(lower.len()));
                    }
                }
            }
        }
        // Function names built from string pieces: `'sys'.'tem'`, `"sys"."t"."em"`.
        if s.bytes.has(b'.') && s.bytes.any(b"'\"") {
            if let Some((name, at)) = concatenated_name(lower) {
                if FUNCTIONS.iter().any(|(f, w)| *f == name && *w >= 0.7) {
                    take(0.85, at, (at + 40).min(lower.len()));
                }
            }
        }
        // A parenthesised or indexed expression called at once: `(system)('id');`,
        // `[system][0](ls);` — PHP's dynamic calls (Markdown links `[a](b)` excluded).
        if s.bytes.has(b'(') && s.bytes.any(b")]") && s.bytes.has(b';') && lower.contains(");") {
            if let Some(at) = dynamic_call(lower) {
                take(0.8, at, (at + 40).min(lower.len()));
            }
        }
        // Stream wrappers and serialised objects.
        if s.bytes.has(b':')
            && (lower.contains("://") || lower.contains(":{") || lower.contains("jar:"))
        {
            // The scheme before each `://` (`php://`, `compress.zlib://`, `ssh2.sftp://`).
            for (k, _) in lower.match_indices("://") {
                let scheme_len = b[..k]
                    .iter()
                    .rev()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'.')
                    .count();
                let at = k - scheme_len;
                let c = match &lower[at..k] {
                    "php" | "phar" | "expect" => 0.9,
                    "zip" | "glob" | "compress.zlib" | "compress.bzip2" | "zlib" | "rar"
                    | "ogg" | "ssh2.shell" | "ssh2.exec" | "ssh2.tunnel" | "ssh2.sftp"
                    | "ssh2.scp" => 0.75,
                    _ => 0.0,
                };
                take(c, at, (at + 60).min(lower.len()));
            }
            let serial = lower.contains(":\"");
            if let Some(m) = serial.then(|| self.serialized.find(lower)).flatten() {
                take(0.9, m.start(), (m.end() + 20).min(lower.len()));
            }
        }
        // php.ini directives set to a value.
        if s.bytes.has(b'=') {
            for m in self.ini.find_iter(lower) {
                let at_start = m.start() == 0
                    || !b[m.start() - 1].is_ascii_alphanumeric() && b[m.start() - 1] != b'_';
                let rest = &lower[m.end()..];
                let name_rest = rest
                    .bytes()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
                    .count();
                let eq = rest[name_rest..].trim_start().starts_with('=');
                if at_start && eq && (m.start() == 0 || s.kind != Kind::Body) {
                    take(0.75, m.start(), (m.end() + 30).min(lower.len()));
                }
            }
        }
        let (c, a, e) = best;
        (c > 0.0).then(|| Hit::at(c, s.text, a, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{arg, score};

    #[test]
    fn flags_php_code_wrappers_and_objects() {
        let d = build();
        for v in [
            "<?php system('id'); ?>",
            "<?=$_GET['x']?>",
            "eval(base64_decode('ZWNobyAxOw=='))",
            "exec /*x*/ (\"ls\")",
            "$a(1)",
            "${'a'}(11)",
            "$__['o'](5)",
            "php://filter/convert.base64-encode/resource=index.php",
            "phar://x.zip/y",
            "O:8:\"stdClass\":0:{}",
            "(system)('uname')",
            "\"system\"(ls);",
            "$_SERVER['test'];",
            "allow_url_include=1",
            "[php]echo 1;[/php]",
            "(sy.(st).em)('uname');",
            "( string ) \"sys\".\"t\".\"em\" ('uname');",
            "[system][0](ls);",
            "$__[$_[1]](7)",
            "$ {@_.__}(31);",
            "ssh2.sftp://user:pw@example.com:22/x",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
        assert!(score(&*d, Kind::Filename, "file", "shell.php5...") >= 0.7);
        assert!(score(&*d, Kind::Header, "x-filename", "a.phtml") >= 0.7);
    }

    #[test]
    fn flags_a_value_that_is_one_call_of_a_bundled_function() {
        let d = build();
        for v in [
            "array_diff (",
            "date_ADD()",
            "gethostbynamE(",
            "ldap_get_entries($conn)",
            "sodium_crypto_aead_chacha20poly1305_ietf_keygen (",
        ] {
            assert!(arg(&*d, v) >= 0.7, "{v}");
        }
        for v in [
            "array_diff",
            "use array_diff() to compare",
            "image (1)",
            "str_(",
            "date_of_birth",
            "date_of_birth (optional)",
            "session_timeout (minutes)",
            "error_code (E42)",
            "images(2).jpg",
        ] {
            assert!(arg(&*d, v) < 0.7, "{v}");
        }
    }

    #[test]
    fn ignores_prose_prices_and_plain_files() {
        let d = build();
        for v in [
            "The system (as designed) works",
            "I paid $5 (five dollars)",
            "Use the file menu",
            "report.pdf",
            "evaluation of the system",
            "Price: ${price} in template docs",
            "session id is abc",
            "See [the docs](https://example.com/docs); thanks",
            "Call me (maybe)(later).",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
        assert!(score(&*d, Kind::Filename, "file", "holiday.jpg") < 0.7);
    }
}
