//! Readable names for Rust's v0-mangled symbols (`_R…`, RFC 2603), for the stack-frame table
//! (host side). Paths, impls, types, constants and back-references are decoded; generic
//! arguments are parsed and left out of the name. Anything it cannot parse stays mangled.

use std::string::String;

/// The demangled path of `symbol`, or `symbol` itself when it is not a v0 symbol it can read.
pub fn demangle(symbol: &str) -> String {
    let Some(body) = symbol.strip_prefix("_R") else {
        return symbol.to_string();
    };
    let mut p = Parser {
        s: body.as_bytes(),
        pos: 0,
        depth: 0,
    };
    // An optional encoding version.
    while p.peek().is_some_and(|c| c.is_ascii_digit()) {
        p.pos += 1;
    }
    let mut out = String::new();
    match p.path(&mut out) {
        Some(()) => out,
        None => symbol.to_string(),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: u32,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.pos += usize::from(hit);
        hit
    }

    /// `{0-9a-zA-Z} "_"`: 0 for a bare `_`, else the number plus one.
    fn base62(&mut self) -> Option<usize> {
        if self.eat(b'_') {
            return Some(0);
        }
        let mut n = 0usize;
        loop {
            let d = match self.next()? {
                c @ b'0'..=b'9' => c - b'0',
                c @ b'a'..=b'z' => c - b'a' + 10,
                c @ b'A'..=b'Z' => c - b'A' + 36,
                b'_' => return n.checked_add(1),
                _ => return None,
            };
            n = n.checked_mul(62)?.checked_add(usize::from(d))?;
        }
    }

    /// `["s" base62] ["u"] decimal ["_"] bytes`.
    fn ident(&mut self) -> Option<&str> {
        if self.eat(b's') {
            self.base62()?;
        }
        self.eat(b'u');
        let start = self.pos;
        while self.peek()?.is_ascii_digit() {
            self.pos += 1;
        }
        let len: usize = std::str::from_utf8(self.s.get(start..self.pos)?)
            .ok()?
            .parse()
            .ok()?;
        self.eat(b'_');
        let name = self.s.get(self.pos..self.pos + len)?;
        self.pos += len;
        std::str::from_utf8(name).ok()
    }

    /// Runs `f` at the position a back-reference names, then comes back.
    fn backref(
        &mut self,
        out: &mut String,
        f: fn(&mut Self, &mut String) -> Option<()>,
    ) -> Option<()> {
        let target = self.base62()?;
        let back = std::mem::replace(&mut self.pos, target);
        f(self, out)?;
        self.pos = back;
        Some(())
    }

    fn path(&mut self, out: &mut String) -> Option<()> {
        self.depth += 1;
        if self.depth > 64 {
            return None;
        }
        match self.next()? {
            b'C' => out.push_str(self.ident()?),
            b'M' => {
                self.impl_path()?;
                out.push('<');
                self.ty(out)?;
                out.push('>');
            }
            b'X' => {
                self.impl_path()?;
                out.push('<');
                self.ty(out)?;
                out.push_str(" as ");
                self.path(out)?;
                out.push('>');
            }
            b'Y' => {
                out.push('<');
                self.ty(out)?;
                out.push_str(" as ");
                self.path(out)?;
                out.push('>');
            }
            b'N' => {
                let namespace = self.next()?;
                self.path(out)?;
                let name = self.ident()?;
                match namespace {
                    b'C' => out.push_str("::{closure}"),
                    b'S' => out.push_str("::{shim}"),
                    _ if name.is_empty() => {}
                    _ => {
                        out.push_str("::");
                        out.push_str(name);
                    }
                }
            }
            b'I' => {
                self.path(out)?;
                while !self.eat(b'E') {
                    self.generic_arg()?;
                }
            }
            b'B' => self.backref(out, Self::path)?,
            _ => return None,
        }
        self.depth -= 1;
        Some(())
    }

    /// An impl's own path (`[disambiguator] path`), not printed.
    fn impl_path(&mut self) -> Option<()> {
        if self.eat(b's') {
            self.base62()?;
        }
        self.path(&mut String::new())
    }

    fn generic_arg(&mut self) -> Option<()> {
        if self.eat(b'L') {
            return self.base62().map(|_| ());
        }
        if self.eat(b'K') {
            return self.constant();
        }
        self.ty(&mut String::new())
    }

    fn constant(&mut self) -> Option<()> {
        match self.next()? {
            b'p' => Some(()),
            b'B' => self.backref(&mut String::new(), |p, _| p.constant()),
            c if c.is_ascii_lowercase() => {
                self.eat(b'n');
                while self.next()? != b'_' {}
                Some(())
            }
            _ => None,
        }
    }

    fn ty(&mut self, out: &mut String) -> Option<()> {
        const BASIC: &[(u8, &str)] = &[
            (b'a', "i8"),
            (b'b', "bool"),
            (b'c', "char"),
            (b'd', "f64"),
            (b'e', "str"),
            (b'f', "f32"),
            (b'h', "u8"),
            (b'i', "isize"),
            (b'j', "usize"),
            (b'l', "i32"),
            (b'm', "u32"),
            (b'n', "i128"),
            (b'o', "u128"),
            (b's', "i16"),
            (b't', "u16"),
            (b'u', "()"),
            (b'v', "..."),
            (b'x', "i64"),
            (b'y', "u64"),
            (b'z', "!"),
            (b'p', "_"),
        ];
        self.depth += 1;
        if self.depth > 64 {
            return None;
        }
        let c = self.peek()?;
        if let Some((_, name)) = BASIC.iter().find(|(k, _)| *k == c) {
            self.pos += 1;
            out.push_str(name);
        } else {
            self.pos += 1;
            match c {
                b'R' | b'Q' => {
                    if self.eat(b'L') {
                        self.base62()?;
                    }
                    out.push_str(if c == b'R' { "&" } else { "&mut " });
                    self.ty(out)?;
                }
                b'P' | b'O' => {
                    out.push_str(if c == b'P' { "*const " } else { "*mut " });
                    self.ty(out)?;
                }
                b'A' | b'S' => {
                    out.push('[');
                    self.ty(out)?;
                    if c == b'A' {
                        self.constant()?;
                        out.push_str("; _");
                    }
                    out.push(']');
                }
                b'T' => {
                    out.push('(');
                    while !self.eat(b'E') {
                        self.ty(out)?;
                        out.push_str(", ");
                    }
                    out.push(')');
                }
                b'F' => {
                    if self.eat(b'G') {
                        self.base62()?;
                    }
                    self.eat(b'U');
                    if self.eat(b'K') && !self.eat(b'C') {
                        self.ident()?;
                    }
                    while !self.eat(b'E') {
                        self.ty(&mut String::new())?;
                    }
                    self.ty(&mut String::new())?;
                    out.push_str("fn(..)");
                }
                b'D' => {
                    if self.eat(b'G') {
                        self.base62()?;
                    }
                    out.push_str("dyn ");
                    while !self.eat(b'E') {
                        self.path(out)?;
                        while self.eat(b'p') {
                            self.ident()?;
                            self.ty(&mut String::new())?;
                        }
                    }
                    self.eat(b'L').then_some(())?;
                    self.base62()?;
                }
                b'B' => self.backref(out, Self::ty)?,
                _ => {
                    self.pos -= 1;
                    self.path(out)?;
                }
            }
        }
        self.depth -= 1;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::demangle;

    #[test]
    fn paths_impls_closures_and_backrefs() {
        assert_eq!(
            demangle("_RNvNtCslMfJrWBKHz7_15keel_sbpf_meter6int1286divmod"),
            "keel_sbpf_meter::int128::divmod"
        );
        assert_eq!(
            demangle("_RNCNvCslMfJrWBKHz7_15keel_sbpf_meter6sizings_0B3_"),
            "keel_sbpf_meter::sizing::{closure}"
        );
        // RFC 2603's examples: an inherent method, and a trait method on a reference type.
        assert_eq!(
            demangle("_RNvMs_Cs4Cv8Wi1oAIB_7mycrateNtB4_7Example3foo"),
            "<mycrate::Example>::foo"
        );
        assert_eq!(
            demangle("_RNvXCs4fqI2P2rA04_7mycrateNtB2_7ExampleNtB2_5Trait3foo"),
            "<mycrate::Example as mycrate::Trait>::foo"
        );
        assert_eq!(
            demangle("_RINvNtC3std3mem8align_ofjE"),
            "std::mem::align_of"
        );
        assert_eq!(demangle("__multi3"), "__multi3");
        assert_eq!(demangle("_RNvZ"), "_RNvZ");
    }
}
