#include "rules/expression.hpp"

#include <cctype>

#include <fmt/format.h>

namespace sigflow::rules {

std::string_view to_string(TextField f) {
  switch (f) {
    case TextField::title: return "title";
    case TextField::summary: return "summary";
    case TextField::content: return "content";
  }
  return "?";
}

namespace {

struct Token {
  enum class Kind { ident, lparen, rparen, comma, end, invalid };
  Kind kind;
  std::string_view text;
  std::size_t offset;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) { advance(); }

  ParseOutcome run() {
    ParseOutcome out;
    Expr e = parse_or();
    if (error_.message.empty() && tok_.kind != Token::Kind::end) {
      fail(fmt::format("unexpected '{}' after a complete condition (missing 'and'/'or'?)", tok_.text));
    }
    if (!error_.message.empty()) {
      out.errors.push_back(error_);
    } else {
      out.expr.push_back(std::move(e));
    }
    return out;
  }

 private:
  void advance() {
    std::size_t i = pos_;
    while (i < text_.size() && std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
    if (i >= text_.size()) {
      tok_ = {Token::Kind::end, "end of condition", i};
      pos_ = i;
      return;
    }
    const char c = text_[i];
    if (c == '(' || c == ')' || c == ',') {
      tok_ = {c == '(' ? Token::Kind::lparen : c == ')' ? Token::Kind::rparen : Token::Kind::comma,
              text_.substr(i, 1), i};
      pos_ = i + 1;
      return;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_' || text_[j] == '.')) ++j;
      tok_ = {Token::Kind::ident, text_.substr(i, j - i), i};
      pos_ = j;
      return;
    }
    std::size_t j = i + 1;
    while (j < text_.size() && (static_cast<unsigned char>(text_[j]) & 0xC0) == 0x80) ++j;  // whole UTF-8 char
    tok_ = {Token::Kind::invalid, text_.substr(i, j - i), i};
    pos_ = j;
  }

  void fail(std::string message) {
    if (error_.message.empty()) error_ = {tok_.offset, std::move(message)};
  }
  bool failed() const { return !error_.message.empty(); }
  bool is_keyword(std::string_view kw) const { return tok_.kind == Token::Kind::ident && tok_.text == kw; }

  Expr parse_or() { return parse_binary(Expr::Kind::or_, "or", &Parser::parse_and); }
  Expr parse_and() { return parse_binary(Expr::Kind::and_, "and", &Parser::parse_unary); }

  Expr parse_binary(Expr::Kind kind, std::string_view kw, Expr (Parser::*operand)()) {
    Expr first = (this->*operand)();
    if (failed() || !is_keyword(kw)) return first;
    Expr node;
    node.kind = kind;
    node.offset = first.offset;
    node.children.push_back(std::move(first));
    while (!failed() && is_keyword(kw)) {
      advance();
      node.children.push_back((this->*operand)());
    }
    return node;
  }

  Expr parse_unary() {
    if (is_keyword("not")) {
      Expr node;
      node.kind = Expr::Kind::not_;
      node.offset = tok_.offset;
      advance();
      node.children.push_back(parse_unary());
      return node;
    }
    return parse_primary();
  }

  Expr parse_primary() {
    Expr node;
    node.offset = tok_.offset;
    switch (tok_.kind) {
      case Token::Kind::lparen: {
        advance();
        node = parse_or();
        if (failed()) return node;
        if (tok_.kind != Token::Kind::rparen) fail(fmt::format("expected ')' but found '{}'", tok_.text));
        else advance();
        return node;
      }
      case Token::Kind::ident:
        if (tok_.text == "and" || tok_.text == "or") {
          fail(fmt::format("'{}' needs a condition on its left", tok_.text));
          return node;
        }
        if (tok_.text == "any" || tok_.text == "all") return parse_call();
        node.kind = Expr::Kind::macro;
        node.name = std::string(tok_.text);
        advance();
        return node;
      case Token::Kind::end:
        fail("condition ends too early: expected a term such as any(list), a macro name, 'not' or '('");
        return node;
      default:
        fail(fmt::format("unexpected '{}': expected any(list), all(list), a macro name, 'not' or '('", tok_.text));
        return node;
    }
  }

  Expr parse_call() {
    Expr node;
    node.kind = tok_.text == "any" ? Expr::Kind::any : Expr::Kind::all;
    node.offset = tok_.offset;
    const std::string fn(tok_.text);
    advance();
    if (tok_.kind != Token::Kind::lparen) {
      fail(fmt::format("expected '(' after '{}', as in {}(list_name)", fn, fn));
      return node;
    }
    advance();
    if (tok_.kind != Token::Kind::ident) {
      fail(fmt::format("expected a list name inside {}( )", fn));
      return node;
    }
    node.name = std::string(tok_.text);
    node.offset = tok_.offset;  // errors about the list point at its name
    advance();
    if (tok_.kind == Token::Kind::comma) {
      advance();
      if (tok_.kind != Token::Kind::ident) {
        fail("expected a field name (title, summary or content) after ','");
        return node;
      }
      if (tok_.text == "title") node.fields = static_cast<std::uint8_t>(TextField::title);
      else if (tok_.text == "summary") node.fields = static_cast<std::uint8_t>(TextField::summary);
      else if (tok_.text == "content") node.fields = static_cast<std::uint8_t>(TextField::content);
      else {
        fail(fmt::format("unknown field '{}' (use title, summary or content)", tok_.text));
        return node;
      }
      advance();
    }
    if (tok_.kind != Token::Kind::rparen) {
      fail(fmt::format("expected ')' to close {}( ) but found '{}'", fn, tok_.text));
      return node;
    }
    advance();
    return node;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  Token tok_{Token::Kind::end, "", 0};
  ParseError error_;
};

}  // namespace

ParseOutcome parse_expression(std::string_view text) { return Parser(text).run(); }

}  // namespace sigflow::rules
