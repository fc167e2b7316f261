//! SOQL parser: tokens → a query resolved against the schema (INVALID_TYPE / INVALID_FIELD /
//! MALFORMED_QUERY as Salesforce reports them).

use super::ast::{Cond, FieldRef, Lit, OrderItem, Query, Select};
use super::lexer::{Tok, tokenize, unexpected};
use super::resolve::{id_literal, plain_text, resolve_field, resolve_select};
use crate::errors::ApiError;
use crate::schema::{self, Kind, Object};

const RESERVED: &[&str] = &[
    "SELECT", "FROM", "WHERE", "ORDER", "BY", "LIMIT", "AND", "OR", "NOT", "IN", "LIKE", "ASC",
    "DESC", "NULLS", "OFFSET", "GROUP", "HAVING", "WITH", "FOR", "USING", "TYPEOF",
];

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

pub fn parse(src: &str) -> Result<Query, ApiError> {
    let mut p = Parser {
        toks: tokenize(src)?,
        pos: 0,
    };
    p.query()
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Result<Tok, ApiError> {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or_else(|| unexpected("<EOF>"))?;
        self.pos += 1;
        Ok(t)
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.is_kw(kw);
        if hit {
            self.pos += 1;
        }
        hit
    }
    fn expect_kw(&mut self, kw: &str) -> Result<(), ApiError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(unexpected(
                &self.peek().map_or("<EOF>".into(), Tok::describe),
            ))
        }
    }
    fn expect(&mut self, tok: Tok) -> Result<(), ApiError> {
        let t = self.next()?;
        if t == tok {
            Ok(())
        } else {
            Err(unexpected(&t.describe()))
        }
    }
    fn ident(&mut self) -> Result<String, ApiError> {
        match self.next()? {
            Tok::Ident(s) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&s)) => Ok(s),
            other => Err(unexpected(&other.describe())),
        }
    }

    fn query(&mut self) -> Result<Query, ApiError> {
        self.expect_kw("SELECT")?;
        let names = self.select_list()?;
        self.expect_kw("FROM")?;
        let object_name = self.ident()?;
        let object = schema::object(&object_name).ok_or_else(|| {
            ApiError::bad_request("INVALID_TYPE", format!("\n{object_name}\n^\nERROR at Row:1:Column:1\nsObject type '{object_name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."))
        })?;
        let select = match names {
            None => Select::Count,
            Some(names) => Select::Fields(resolve_select(object, &names)?),
        };
        let filter = if self.eat_kw("WHERE") {
            Some(self.condition(object)?)
        } else {
            None
        };
        let order = if self.eat_kw("ORDER") {
            self.order_by(object)?
        } else {
            vec![]
        };
        let limit = if self.eat_kw("LIMIT") {
            Some(self.limit()?)
        } else {
            None
        };
        if let Some(t) = self.peek() {
            return Err(unexpected(&t.describe()));
        }
        Ok(Query {
            object,
            select,
            filter,
            order,
            limit,
        })
    }

    /// Field names, or None for `COUNT()`.
    fn select_list(&mut self) -> Result<Option<Vec<String>>, ApiError> {
        if self.is_kw("COUNT") && self.toks.get(self.pos + 1) == Some(&Tok::LParen) {
            self.pos += 1;
            self.expect(Tok::LParen)?;
            self.expect(Tok::RParen)?;
            return Ok(None);
        }
        let mut names = vec![self.ident()?];
        while self.peek() == Some(&Tok::Comma) {
            self.pos += 1;
            names.push(self.ident()?);
        }
        Ok(Some(names))
    }

    fn limit(&mut self) -> Result<usize, ApiError> {
        match self.next()? {
            Tok::Num(n) if n >= 0.0 && n.fract() == 0.0 => Ok(n as usize),
            other => Err(unexpected(&other.describe())),
        }
    }

    fn order_by(&mut self, obj: &'static Object) -> Result<Vec<OrderItem>, ApiError> {
        self.expect_kw("BY")?;
        let mut items = vec![];
        loop {
            let field = resolve_field(obj, &self.ident()?)?;
            let desc = self.eat_kw("DESC");
            if !desc {
                self.eat_kw("ASC");
            }
            let nulls_last = if self.eat_kw("NULLS") {
                if self.eat_kw("LAST") {
                    true
                } else {
                    self.expect_kw("FIRST").map(|_| false)?
                }
            } else {
                desc
            };
            items.push(OrderItem {
                field,
                desc,
                nulls_last,
            });
            if self.peek() != Some(&Tok::Comma) {
                return Ok(items);
            }
            self.pos += 1;
        }
    }

    /// `a AND b AND c` or `a OR b OR c`; mixing needs parentheses.
    fn condition(&mut self, obj: &'static Object) -> Result<Cond, ApiError> {
        let mut parts = vec![self.unary(obj)?];
        let mut joiner: Option<&'static str> = None;
        while let Some(kw) = ["AND", "OR"].into_iter().find(|k| self.is_kw(k)) {
            if joiner.is_some_and(|j| j != kw) {
                return Err(unexpected(kw));
            }
            joiner = Some(kw);
            self.pos += 1;
            parts.push(self.unary(obj)?);
        }
        Ok(match joiner {
            None => parts.remove(0),
            Some("AND") => Cond::And(parts),
            Some(_) => Cond::Or(parts),
        })
    }

    fn unary(&mut self, obj: &'static Object) -> Result<Cond, ApiError> {
        if self.eat_kw("NOT") {
            return Ok(Cond::Not(Box::new(self.unary(obj)?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let c = self.condition(obj)?;
            self.expect(Tok::RParen)?;
            return Ok(c);
        }
        let field = resolve_field(obj, &self.ident()?)?;
        self.comparison(field)
    }

    fn comparison(&mut self, field: FieldRef) -> Result<Cond, ApiError> {
        if self.eat_kw("LIKE") {
            return match self.next()? {
                Tok::Str(p) if field.kind().is_textual() || field.kind() == Kind::Id => {
                    Ok(Cond::Like(field, p))
                }
                Tok::Str(_) => Err(ApiError::bad_request(
                    "INVALID_FIELD",
                    format!(
                        "invalid operator on {} field: {}",
                        field.kind().api_name(),
                        field.label()
                    ),
                )),
                other => Err(unexpected(&other.describe())),
            };
        }
        let negated = self.is_kw("NOT")
            && matches!(self.toks.get(self.pos + 1), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("IN"));
        if negated {
            self.pos += 1;
        }
        if self.eat_kw("IN") {
            self.expect(Tok::LParen)?;
            let mut values = vec![self.literal(&field)?];
            while self.peek() == Some(&Tok::Comma) {
                self.pos += 1;
                values.push(self.literal(&field)?);
            }
            self.expect(Tok::RParen)?;
            return Ok(Cond::In(field, negated, values));
        }
        let op = match self.next()? {
            Tok::Op(op) => op,
            other => return Err(unexpected(&other.describe())),
        };
        let lit = self.literal(&field)?;
        if lit == Lit::Null && !matches!(op, "=" | "!=") {
            return Err(ApiError::malformed_query(format!(
                "invalid operator for null: {op}"
            )));
        }
        Ok(Cond::Cmp(field, op, lit))
    }

    /// A literal checked against the field's type.
    fn literal(&mut self, field: &FieldRef) -> Result<Lit, ApiError> {
        let kind = field.kind();
        let tok = self.next()?;
        let mismatch = |quoted: bool| {
            let ty = match kind {
                Kind::DateTime => "dateTime",
                Kind::Boolean => "boolean",
                k if k.is_numeric() => "number",
                k => k.api_name(),
            };
            let tail = if kind.is_textual() || matches!(kind, Kind::Id | Kind::Reference) {
                "should be enclosed in quotes"
            } else if quoted {
                "should not be enclosed in quotes"
            } else {
                "is not a valid literal"
            };
            ApiError::bad_request(
                "INVALID_FIELD",
                format!(
                    "value of filter criterion for field '{}' must be of type {ty} and {tail}",
                    field.label()
                ),
            )
        };
        match (tok, kind) {
            (Tok::Ident(s), _) if s.eq_ignore_ascii_case("null") => Ok(Lit::Null),
            (Tok::Ident(s), Kind::Boolean) if s.eq_ignore_ascii_case("true") => Ok(Lit::Bool(true)),
            (Tok::Ident(s), Kind::Boolean) if s.eq_ignore_ascii_case("false") => {
                Ok(Lit::Bool(false))
            }
            (Tok::Str(s), Kind::Id | Kind::Reference) => id_literal(&s),
            (Tok::Str(s), k) if k.is_textual() => plain_text(&s).map(Lit::Text),
            (Tok::Str(_), _) => Err(mismatch(true)),
            (Tok::Num(n), k) if k.is_numeric() => Ok(Lit::Num(n)),
            (Tok::Date(d), Kind::Date) => Ok(Lit::Date(d)),
            (Tok::DateTime(d), Kind::DateTime) => Ok(Lit::DateTime(d)),
            (Tok::Ident(s), _) if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&s)) => {
                Err(unexpected(&s))
            }
            (Tok::Num(_) | Tok::Date(_) | Tok::DateTime(_) | Tok::Ident(_), _) => {
                Err(mismatch(false))
            }
            (other, _) => Err(unexpected(&other.describe())),
        }
    }
}
