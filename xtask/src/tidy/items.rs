//! The functions of a source file and whether they are test code, read from its tokens.

use super::lexer::{Lexed, Token};

/// A function with a body: its name, the lines of its `fn` and of its closing brace, and whether
/// it is test code (`#[test]`, or inside a `#[cfg(test)]` module or block).
#[derive(Debug, PartialEq)]
pub struct Function {
    pub name: String,
    pub first: usize,
    pub last: usize,
    pub test: bool,
}

impl Function {
    /// Its length as the tidy rules count it: from the `fn` line to the closing brace.
    pub fn lines(&self) -> usize {
        self.last - self.first + 1
    }
}

/// What an open brace belongs to.
enum Scope {
    Function {
        name: String,
        first: usize,
        test: bool,
    },
    /// A module, impl, or any other block, and whether it is test code.
    Block {
        test: bool,
    },
}

/// Every function with a body in `tokens`, in the order they close.
pub fn functions(tokens: &[Lexed]) -> Vec<Function> {
    let mut found = Vec::new();
    let mut scopes: Vec<Scope> = Vec::new();
    // The attributes read since the last item boundary mark a test item.
    let mut test_attribute = false;
    // A `fn NAME` seen, waiting for its body (or for the `;` of a declaration).
    let mut pending: Option<(String, usize, usize)> = None;
    let mut parens = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let in_test = scopes
            .iter()
            .any(|s| matches!(s, Scope::Block { test: true } | Scope::Function { test: true, .. }));
        match &tokens[i].token {
            Token::Punct('#') => {
                let (end, test) = attribute(tokens, i);
                test_attribute |= test;
                i = end;
                continue;
            }
            Token::Ident(word) if word == "fn" => {
                if let Some(Token::Ident(name)) = tokens.get(i + 1).map(|t| &t.token) {
                    pending = Some((name.clone(), tokens[i].line, parens));
                }
            }
            Token::Punct('(' | '[') => parens += 1,
            Token::Punct(')' | ']') => parens = parens.saturating_sub(1),
            Token::Punct(';') if pending.as_ref().is_some_and(|p| p.2 == parens) => {
                pending = None;
                test_attribute = false;
            }
            Token::Punct(';' | ',') => test_attribute = false,
            Token::Punct('{') => {
                let test = in_test || test_attribute;
                scopes.push(match pending.take_if(|p| p.2 == parens) {
                    Some((name, first, _)) => Scope::Function { name, first, test },
                    None => Scope::Block { test },
                });
                test_attribute = false;
            }
            Token::Punct('}') => {
                if let Some(Scope::Function { name, first, test }) = scopes.pop() {
                    found.push(Function { name, first, last: tokens[i].line, test });
                }
                test_attribute = false;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The attribute starting at `tokens[at]` (`#[…]` or `#![…]`): where it ends, and whether it
/// marks test code (`#[test]`, `#[cfg(test)]`, `#[cfg(all(test, …))]`, but not `cfg(not(test))`).
pub fn attribute(tokens: &[Lexed], at: usize) -> (usize, bool) {
    let mut i = at + 1;
    if tokens.get(i).is_some_and(|t| t.token == Token::Punct('!')) {
        i += 1;
    }
    if tokens.get(i).is_none_or(|t| t.token != Token::Punct('[')) {
        return (at + 1, false);
    }
    let mut depth = 0;
    let mut words = Vec::new();
    while let Some(t) = tokens.get(i) {
        match &t.token {
            Token::Punct('[') => depth += 1,
            Token::Punct(']') => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Token::Ident(w) => words.push(w.as_str()),
            _ => {}
        }
        i += 1;
    }
    let test = words == ["test"]
        || (words.first() == Some(&"cfg") && words.contains(&"test") && !words.contains(&"not"));
    (i + 1, test)
}

/// The modules `tokens` declares as test code in a file of their own: `#[cfg(test)] mod NAME;`.
pub fn test_modules(tokens: &[Lexed]) -> Vec<String> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].token == Token::Punct('#') {
            let (end, test) = attribute(tokens, i);
            let declared = match tokens.get(end..end + 3).map(|t| [&t[0].token, &t[1].token, &t[2].token]) {
                Some([Token::Ident(m), Token::Ident(name), Token::Punct(';')]) if m == "mod" => Some(name),
                _ => None,
            };
            if let Some(name) = declared.filter(|_| test) {
                found.push(name.clone());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokens;
    use super::*;

    fn lengths(text: &str) -> Vec<(String, usize, bool)> {
        functions(&tokens(text)).into_iter().map(|f| (f.name.clone(), f.lines(), f.test)).collect()
    }

    #[test]
    fn bodies_declarations_and_test_code() {
        let text = "\
trait T {
    fn declared(&self) -> u8;
    fn provided(&self) -> u8 {
        1
    }
}
fn outer() {
    let f: fn(u8) -> u8 = |x| x;
    fn inner() {}
}
#[cfg(test)]
mod tests {
    fn helper() {
    }
}
#[test]
fn a_test() {}
#[cfg(not(test))]
fn not_a_test() {
}
#[cfg(test)]
mod tidy;
mod kept;
";
        assert_eq!(
            lengths(text),
            [
                ("provided".to_string(), 3, false),
                ("inner".to_string(), 1, false),
                ("outer".to_string(), 4, false),
                ("helper".to_string(), 2, true),
                ("a_test".to_string(), 1, true),
                ("not_a_test".to_string(), 2, false),
            ]
        );
        assert_eq!(test_modules(&tokens(text)), ["tidy"]);
    }
}
