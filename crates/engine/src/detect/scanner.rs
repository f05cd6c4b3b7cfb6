//! Known attack tools and vulnerability scanners, recognised by their `User-Agent` (and a
//! few headers they add). A signature names the tool; legitimate browsers never carry one.

use aho_corasick::AhoCorasick;

use super::{Detector, Hit, Kind, Subject};

/// Tool names as they appear in User-Agent strings (lowercase).
const TOOLS: &[&str] = &[
    "sqlmap",
    "nikto",
    "nmap",
    "nessus",
    "acunetix",
    "arachni",
    "nuclei",
    "masscan",
    "zgrab",
    "dirbuster",
    "gobuster",
    "feroxbuster",
    "wfuzz",
    "ffuf",
    "w3af",
    "openvas",
    "wpscan",
    "joomscan",
    "havij",
    "netsparker",
    "appscan",
    "webinspect",
    "skipfish",
    "hydra",
    "zmeu",
    "morfeus",
    "jaeles",
    "commix",
    "xsser",
    "fimap",
    "grabber",
    "paros",
    "webshag",
    "bsqlbf",
    "sqlninja",
    "pangolin",
    "vega/",
    "owasp zap",
    "zaproxy",
    "burp collaborator",
    "dirb/",
    "whatweb",
    "wapiti",
    "brutus",
    "metasploit",
    "nmap scripting engine",
    "qualys",
    "blackwidow",
    "sf/",
    "httprint",
    "libwhisker",
    "webvulnscan",
    "absinthe",
    "cgichk",
    "crimscanner",
    "dotdotpwn",
    "floodgate",
    "mysqloit",
    "n-stealth",
    "nsauditor",
    "s.t.a.l.k.e.r",
    "teh forest lobster",
    "toata dragostea",
    "webtrends security analyzer",
    "struts-pwn",
    "jorgee",
    "netlab360",
    "zmap",
    "interactsh",
    "xray",
    "tsunami",
    "afl-fuzz",
    "hakrawler",
    "katana",
    "dalfox",
    "sqlsus",
    "bbqsql",
    "fuxploider",
    "webreaper",
    "detectify",
    "internet-measurement",
    "censysinspect",
];

#[derive(Debug)]
struct Scanner {
    tools: AhoCorasick,
}

pub(crate) fn build() -> Box<dyn Detector> {
    let tools = super::automaton(TOOLS);
    Box::new(Scanner { tools })
}

impl Detector for Scanner {
    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if s.kind != Kind::Header {
            return None;
        }
        match s.name {
            "user-agent" => {
                let m = self.tools.find(s.lower)?;
                Some(Hit::at(0.9, s.text, m.start(), m.end()))
            }
            "acunetix-product"
            | "acunetix-scanning-agreement"
            | "acunetix-user-agreement"
            | "x-scanner"
            | "x-wipp"
            | "x-request-memo"
            | "x-scan-memo" => Some(Hit::new(0.9, s.text)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::score;

    #[test]
    fn flags_tool_user_agents() {
        let d = build();
        for ua in [
            "sqlmap/1.7#stable (https://sqlmap.org)",
            "Mozilla/5.00 (Nikto/2.1.6)",
            "Nuclei - Open-source project",
            "Mozilla/5.0 (compatible; Nmap Scripting Engine)",
        ] {
            assert!(score(&*d, Kind::Header, "user-agent", ua) >= 0.7, "{ua}");
        }
    }

    #[test]
    fn ignores_browsers_and_tool_names_elsewhere() {
        let d = build();
        let ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert!(score(&*d, Kind::Header, "user-agent", ua) < 0.7);
        assert!(score(&*d, Kind::ArgValue, "q", "how to use sqlmap") < 0.7);
    }
}
