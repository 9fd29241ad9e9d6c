//! Rust source as the tidy rules read it: identifiers and punctuation with their line numbers,
//! with comments, strings and character literals taken out, so that a `fn` or a brace inside
//! them counts for nothing.

/// A piece of code.
#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    /// An identifier or keyword (`fn`, `unwrap`, `r#type` as `type`).
    Ident(String),
    /// One punctuation character (`{`, `.`, `#`, ...).
    Punct(char),
    /// A string, character, byte or number literal; its text does not matter here.
    Literal,
}

/// A token and the line it starts on (from 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Lexed {
    pub token: Token,
    pub line: usize,
}

/// The tokens of `text`. Never fails: what it cannot read (an unclosed string) runs to the end.
pub fn tokens(text: &str) -> Vec<Lexed> {
    let chars: Vec<char> = text.chars().collect();
    let mut lexer = Lexer { chars: &chars, at: 0, line: 1, out: Vec::new() };
    lexer.run();
    lexer.out
}

struct Lexer<'a> {
    chars: &'a [char],
    at: usize,
    line: usize,
    out: Vec<Lexed>,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    /// Moves past one character, counting lines.
    fn bump(&mut self) {
        if self.peek(0) == Some('\n') {
            self.line += 1;
        }
        self.at += 1;
    }

    fn push(&mut self, token: Token, line: usize) {
        self.out.push(Lexed { token, line });
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            let line = self.line;
            match c {
                '/' if self.peek(1) == Some('/') => self.line_comment(),
                '/' if self.peek(1) == Some('*') => self.block_comment(),
                '"' => {
                    self.quoted('"');
                    self.push(Token::Literal, line);
                }
                'b' | 'c' if self.peek(1) == Some('"') => {
                    self.bump();
                    self.quoted('"');
                    self.push(Token::Literal, line);
                }
                'r' | 'b' | 'c' if self.raw_string_ahead() => {
                    self.raw_string();
                    self.push(Token::Literal, line);
                }
                'b' if self.peek(1) == Some('\'') => {
                    self.bump();
                    self.quoted('\'');
                    self.push(Token::Literal, line);
                }
                '\'' => self.quote_or_lifetime(line),
                c if c.is_alphabetic() || c == '_' => self.ident(line),
                c if c.is_ascii_digit() => self.number(line),
                c if c.is_whitespace() => self.bump(),
                c => {
                    self.bump();
                    self.push(Token::Punct(c), line);
                }
            }
        }
    }

    fn line_comment(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.bump();
        }
    }

    /// A block comment, nested ones included.
    fn block_comment(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            if c == '/' && self.peek(1) == Some('*') {
                depth += 1;
                self.bump();
            } else if c == '*' && self.peek(1) == Some('/') {
                depth -= 1;
                self.bump();
                if depth == 0 {
                    self.bump();
                    return;
                }
            }
            self.bump();
        }
    }

    /// A string or character literal from its opening `quote` to its closing one, escapes
    /// skipped.
    fn quoted(&mut self, quote: char) {
        self.bump();
        while let Some(c) = self.peek(0) {
            self.bump();
            match c {
                '\\' => self.bump(),
                c if c == quote => return,
                _ => {}
            }
        }
    }

    /// Whether a raw string starts here: `r"`, `r#…"`, `br"`, `cr#"`, ...
    fn raw_string_ahead(&self) -> bool {
        let mut i = usize::from(self.peek(0) != Some('r'));
        if self.peek(i) != Some('r') {
            return false;
        }
        i += 1;
        while self.peek(i) == Some('#') {
            i += 1;
        }
        self.peek(i) == Some('"')
    }

    fn raw_string(&mut self) {
        while self.peek(0) != Some('r') {
            self.bump();
        }
        self.bump();
        let mut hashes = 0;
        while self.peek(0) == Some('#') {
            hashes += 1;
            self.bump();
        }
        self.bump(); // the opening quote
        while let Some(c) = self.peek(0) {
            self.bump();
            if c == '"' && (0..hashes).all(|i| self.peek(i) == Some('#')) {
                (0..hashes).for_each(|_| self.bump());
                return;
            }
        }
    }

    /// `'a'`, `'\n'` (a literal) or `'a` (a lifetime or label, read as an identifier).
    fn quote_or_lifetime(&mut self, line: usize) {
        let is_char = matches!((self.peek(1), self.peek(2)), (Some('\\'), _) | (Some(_), Some('\'')));
        if is_char {
            self.quoted('\'');
            self.push(Token::Literal, line);
        } else {
            self.bump();
            self.ident(line);
        }
    }

    fn ident(&mut self, line: usize) {
        let start = self.at;
        while self.peek(0).is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.bump();
        }
        let mut word: String = self.chars[start..self.at].iter().collect();
        // A raw identifier, `r#type`, is the identifier `type`.
        if word == "r"
            && self.peek(0) == Some('#')
            && self.peek(1).is_some_and(|c| c.is_alphabetic() || c == '_')
        {
            self.bump();
            let start = self.at;
            while self.peek(0).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                self.bump();
            }
            word = self.chars[start..self.at].iter().collect();
        }
        self.push(Token::Ident(word), line);
    }

    /// A number, with its suffix and a fraction (`1.5e-3f64`); `1..2` is a number and a range.
    fn number(&mut self, line: usize) {
        while let Some(c) = self.peek(0) {
            let fraction = c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit());
            let exponent_sign =
                (c == '-' || c == '+') && matches!(self.chars.get(self.at - 1), Some('e' | 'E'));
            if c.is_alphanumeric() || c == '_' || fraction || exponent_sign {
                self.bump();
            } else {
                break;
            }
        }
        self.push(Token::Literal, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(text: &str) -> Vec<String> {
        tokens(text)
            .into_iter()
            .filter_map(|t| match t.token {
                Token::Ident(w) => Some(w),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn comments_strings_and_chars_hide_what_they_hold() {
        let text = "fn a() { // fn b() {\n /* fn c() { /* nested */ } */ let s = \"fn d() {\\\"\"; \
                    let r = r#\"fn e() \"{\"#; let q = '{'; let e = '\\''; x.unwrap() }";
        assert_eq!(idents(text), ["fn", "a", "let", "s", "let", "r", "let", "q", "let", "e", "x", "unwrap"]);
        let braces = tokens(text).iter().filter(|t| t.token == Token::Punct('{')).count();
        assert_eq!(braces, 1);
    }

    #[test]
    fn lifetimes_raw_identifiers_numbers_and_lines() {
        let text =
            "fn f<'a>(x: &'a str) -> u8 {\n  let r#type = 1.5e-3f64;\n  'outer: loop { break 'outer; }\n}";
        assert_eq!(
            idents(text),
            ["fn", "f", "a", "x", "a", "str", "u8", "let", "type", "outer", "loop", "break", "outer"]
        );
        let last = tokens(text).last().cloned().unwrap();
        assert_eq!(last, Lexed { token: Token::Punct('}'), line: 4 });
        assert_eq!(tokens("0..10").len(), 4);
    }
}
