#include "rules/expression.hpp"

#include <cctype>
#include <charconv>

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

std::string_view to_string(ValueType t) {
  switch (t) {
    case ValueType::boolean: return "a condition";
    case ValueType::number: return "a number";
    case ValueType::string: return "a string";
    case ValueType::strings: return "a list of strings";
  }
  return "?";
}

ValueType FieldRef::type() const {
  switch (kind) {
    case Kind::authors:
    case Kind::categories:
    case Kind::entity: return ValueType::strings;
    case Kind::amount_usd:
    case Kind::amount:
    case Kind::percent: return ValueType::number;
    default: return ValueType::string;
  }
}

namespace {

struct Token {
  enum class Kind { ident, string, number, lparen, rparen, comma, op, end, invalid };
  Kind kind = Kind::end;
  std::string text;  // identifier, operator, decoded string, or the offending text
  double number = 0;
  std::size_t offset = 0;
};

// Splits a condition into tokens; an unterminated string or stray character becomes an
// `invalid` token that the parser reports at its offset.
std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    Token t;
    t.offset = i;
    if (i >= s.size()) {
      t.kind = Token::Kind::end;
      t.text = "end of condition";
      out.push_back(t);
      return out;
    }
    const char c = s[i];
    if (c == '(' || c == ')' || c == ',') {
      t.kind = c == '(' ? Token::Kind::lparen : c == ')' ? Token::Kind::rparen : Token::Kind::comma;
      t.text = std::string(1, c);
      ++i;
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
      const bool two = i + 1 < s.size() && s[i + 1] == '=';
      t.text = std::string(s.substr(i, two ? 2 : 1));
      t.kind = (t.text == "=" || t.text == "!") ? Token::Kind::invalid : Token::Kind::op;
      i += two ? 2 : 1;
    } else if (c == '"' || c == '\'') {
      // "..." understands \" \\ \n \t escapes; '...' is raw (handy for regexes).
      std::size_t j = i + 1;
      std::string value;
      bool closed = false;
      while (j < s.size()) {
        if (s[j] == c) {
          closed = true;
          break;
        }
        if (c == '"' && s[j] == '\\' && j + 1 < s.size()) {
          const char e = s[j + 1];
          value.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
          j += 2;
          continue;
        }
        value.push_back(s[j++]);
      }
      if (!closed) {
        t.kind = Token::Kind::invalid;
        t.text = "unterminated string";
        i = s.size();
      } else {
        t.kind = Token::Kind::string;
        t.text = std::move(value);
        i = j + 1;
      }
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      std::size_t j = i + 1;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' ||
                              ((s[j] == '-' || s[j] == '+') && (s[j - 1] == 'e' || s[j - 1] == 'E')))) {
        ++j;
      }
      t.text = std::string(s.substr(i, j - i));
      auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + j, t.number);
      t.kind = (ec == std::errc() && ptr == s.data() + j) ? Token::Kind::number : Token::Kind::invalid;
      i = j;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '.')) ++j;
      t.kind = Token::Kind::ident;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else {
      std::size_t j = i + 1;
      while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;  // whole UTF-8 char
      t.kind = Token::Kind::invalid;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    }
    out.push_back(std::move(t));
  }
}

bool is_test_word(std::string_view w) {
  return w == "in" || w == "contains" || w == "icontains" || w == "startswith" || w == "endswith" || w == "regex" ||
         w == "exists";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(tokenize(text)) {}

  ParseOutcome run() {
    ParseOutcome out;
    Expr e = parse_or();
    if (!failed() && tok().kind != Token::Kind::end) {
      fail(fmt::format("unexpected '{}' after a complete condition (missing 'and'/'or'?)", tok().text));
    }
    if (failed()) out.errors.push_back(error_);
    else out.expr.push_back(std::move(e));
    return out;
  }

 private:
  const Token& tok() const { return tokens_[pos_]; }
  const Token& peek() const { return tokens_[std::min(pos_ + 1, tokens_.size() - 1)]; }
  void advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  void fail(std::string message) {
    if (error_.message.empty()) error_ = {tok().offset, std::move(message)};
  }
  bool failed() const { return !error_.message.empty(); }
  bool is_word(std::string_view w) const { return tok().kind == Token::Kind::ident && tok().text == w; }

  // Takes a string token into `out`; otherwise reports what was expected.
  bool take_string(std::string& out, const std::string& expected) {
    if (tok().kind == Token::Kind::string) {
      out = tok().text;
      advance();
      return true;
    }
    if (tok().kind == Token::Kind::invalid && tok().text == "unterminated string") fail("unterminated string: add the closing quote");
    else fail(expected);
    return false;
  }
  bool expect(Token::Kind kind, std::string_view what) {
    if (tok().kind == kind) {
      advance();
      return true;
    }
    fail(fmt::format("expected {} but found '{}'", what, tok().text));
    return false;
  }

  // Nesting (parentheses, `not`) is bounded so hostile input cannot exhaust the stack here or
  // in the recursive passes that follow.
  static constexpr int kMaxDepth = 200;
  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth) p.fail(fmt::format("condition nested more than {} levels deep", kMaxDepth));
    }
    ~DepthGuard() { --p.depth_; }
  };

  Expr parse_or() {
    DepthGuard guard(*this);
    if (failed()) return {};
    return parse_binary(Expr::Kind::or_, "or", &Parser::parse_and);
  }
  Expr parse_and() { return parse_binary(Expr::Kind::and_, "and", &Parser::parse_unary); }

  Expr parse_binary(Expr::Kind kind, std::string_view kw, Expr (Parser::*operand)()) {
    Expr first = (this->*operand)();
    if (failed() || !is_word(kw)) return first;
    Expr node;
    node.kind = kind;
    node.offset = first.offset;
    node.children.push_back(std::move(first));
    while (!failed() && is_word(kw)) {
      advance();
      node.children.push_back((this->*operand)());
    }
    return node;
  }

  Expr parse_unary() {
    DepthGuard guard(*this);
    if (failed()) return {};
    if (is_word("not")) {
      Expr node;
      node.kind = Expr::Kind::not_;
      node.offset = tok().offset;
      advance();
      node.children.push_back(parse_unary());
      return node;
    }
    return parse_primary();
  }

  Expr parse_primary() {
    Expr node;
    node.offset = tok().offset;
    switch (tok().kind) {
      case Token::Kind::lparen: {
        advance();
        node = parse_or();
        if (!failed()) expect(Token::Kind::rparen, "')'");
        return node;
      }
      case Token::Kind::ident: {
        const std::string& w = tok().text;
        if (w == "and" || w == "or") {
          fail(fmt::format("'{}' needs a condition on its left", w));
          return node;
        }
        if ((w == "any" || w == "all" || w == "near") && peek().kind == Token::Kind::lparen) return parse_call();
        if (peek().kind == Token::Kind::op || (peek().kind == Token::Kind::ident && is_test_word(peek().text))) {
          return parse_test();
        }
        node.kind = Expr::Kind::macro;
        node.name = w;
        advance();
        return node;
      }
      case Token::Kind::end:
        fail("condition ends too early: expected a test such as any(list) or title contains \"...\", a macro, 'not' or '('");
        return node;
      case Token::Kind::string:
      case Token::Kind::number:
        fail(fmt::format("a value cannot stand alone; write a test such as title contains \"{}\"", tok().text));
        return node;
      default:
        fail(fmt::format("unexpected '{}': expected a test such as any(list), a field test, a macro, 'not' or '('", tok().text));
        return node;
    }
  }

  bool parse_text_field(std::uint8_t& fields) {
    if (tok().kind != Token::Kind::ident) {
      fail("expected a field name (title, summary or content)");
      return false;
    }
    const std::string& f = tok().text;
    if (f == "title") fields = static_cast<std::uint8_t>(TextField::title);
    else if (f == "summary") fields = static_cast<std::uint8_t>(TextField::summary);
    else if (f == "content") fields = static_cast<std::uint8_t>(TextField::content);
    else {
      fail(fmt::format("unknown field '{}' (use title, summary or content)", f));
      return false;
    }
    advance();
    return true;
  }

  bool parse_list_name(std::string& into, std::string_view fn) {
    if (tok().kind != Token::Kind::ident) {
      fail(fmt::format("expected a list name inside {}( )", fn));
      return false;
    }
    into = tok().text;
    advance();
    return true;
  }

  Expr parse_call() {
    Expr node;
    const std::string fn = tok().text;
    node.kind = fn == "any" ? Expr::Kind::any : fn == "all" ? Expr::Kind::all : Expr::Kind::near;
    advance();  // name
    advance();  // '('
    node.offset = tok().offset;  // errors about the list point at its name
    if (!parse_list_name(node.name, fn)) return node;
    if (node.kind == Expr::Kind::near) {
      if (!expect(Token::Kind::comma, "',' and a second list, as in near(a, b, 20)")) return node;
      if (!parse_list_name(node.name2, fn)) return node;
      if (!expect(Token::Kind::comma, "',' and a distance in characters, as in near(a, b, 20)")) return node;
      if (tok().kind != Token::Kind::number || tok().number < 0 || tok().number != static_cast<double>(static_cast<std::size_t>(tok().number))) {
        fail("expected a distance in characters (a whole number), as in near(a, b, 20)");
        return node;
      }
      node.distance = static_cast<std::size_t>(tok().number);
      advance();
    }
    if (tok().kind == Token::Kind::comma) {
      advance();
      if (!parse_text_field(node.fields)) return node;
    }
    if (tok().kind != Token::Kind::rparen) {
      fail(fmt::format("expected ')' to close {}( ) but found '{}'", fn, tok().text));
      return node;
    }
    advance();
    return node;
  }

  bool parse_value(Expr& node) {
    if (node.values.empty()) node.value_offset = tok().offset;
    if (tok().kind == Token::Kind::string) {
      node.values.push_back({false, 0, tok().text});
    } else if (tok().kind == Token::Kind::number) {
      node.values.push_back({true, tok().number, tok().text});
    } else if (tok().kind == Token::Kind::invalid && tok().text == "unterminated string") {
      fail("unterminated string: add the closing quote");
      return false;
    } else {
      fail(fmt::format("expected a value (a \"string\" or a number) but found '{}'", tok().text));
      return false;
    }
    advance();
    return true;
  }

  Expr parse_test() {
    Expr node;
    node.offset = tok().offset;
    node.name = tok().text;  // the field path; resolved by the compiler
    advance();
    const Token op = tok();
    advance();
    if (op.kind == Token::Kind::op) {
      node.kind = Expr::Kind::compare;
      node.op = op.text == "==" ? Expr::Op::eq : op.text == "!=" ? Expr::Op::ne : op.text == "<" ? Expr::Op::lt
              : op.text == "<=" ? Expr::Op::le : op.text == ">" ? Expr::Op::gt : Expr::Op::ge;
      parse_value(node);
      return node;
    }
    const std::string& w = op.text;
    if (w == "exists") {
      node.kind = Expr::Kind::exists;
      return node;
    }
    if (w == "in") {
      if (tok().kind == Token::Kind::ident) {
        node.kind = Expr::Kind::in_list;
        node.name2 = tok().text;
        node.value_offset = tok().offset;
        advance();
        return node;
      }
      node.kind = Expr::Kind::in_values;
      if (!expect(Token::Kind::lparen, "'(' and values, as in source in (\"a\", \"b\"), or a list name")) return node;
      while (!failed()) {
        if (!parse_value(node)) return node;
        if (tok().kind == Token::Kind::comma) {
          advance();
          continue;
        }
        expect(Token::Kind::rparen, "',' or ')'");
        break;
      }
      return node;
    }
    if (w == "regex") {
      node.kind = Expr::Kind::regex;
      node.value_offset = tok().offset;
      std::string pattern;
      if (take_string(pattern, "expected a pattern string after 'regex', as in title regex '\\d+亿'")) node.values.push_back({false, 0, pattern});
      return node;
    }
    node.kind = Expr::Kind::string_op;
    node.op = w == "contains" ? Expr::Op::contains : w == "icontains" ? Expr::Op::icontains
            : w == "startswith" ? Expr::Op::startswith : Expr::Op::endswith;
    node.value_offset = tok().offset;
    std::string arg;
    if (take_string(arg, fmt::format("expected a \"string\" after '{}'", w))) node.values.push_back({false, 0, arg});
    return node;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  ParseError error_;
};

}  // namespace

ParseOutcome parse_expression(std::string_view text) { return Parser(text).run(); }

}  // namespace sigflow::rules
