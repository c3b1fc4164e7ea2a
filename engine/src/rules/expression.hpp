#pragma once
// The typed AST of rule conditions and its parser.
//
//   expr    := or
//   or      := and ('or' and)*
//   and     := unary ('and' unary)*
//   unary   := 'not' unary | primary
//   primary := '(' expr ')' | ('any' | 'all') '(' LIST [',' FIELD] ')' | MACRO
//   FIELD   := title | summary | content        (default: all three)
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sigflow/result.hpp"

namespace sigflow::rules {

enum class TextField : std::uint8_t { title = 1, summary = 2, content = 4 };
inline constexpr std::uint8_t kAllTextFields = 1 | 2 | 4;
inline constexpr TextField kTextFields[] = {TextField::title, TextField::summary, TextField::content};
std::string_view to_string(TextField f);

struct Expr {
  enum class Kind { and_, or_, not_, any, all, macro };
  Kind kind = Kind::any;
  std::vector<Expr> children;  // and_/or_: two or more; not_: one
  std::string name;            // any/all: list name; macro: macro name
  std::uint8_t fields = kAllTextFields;
  int list_index = -1;         // any/all: resolved by the compiler
  std::size_t offset = 0;      // byte offset of the node in the condition text
};

struct ParseError {
  std::size_t offset = 0;
  std::string message;
};

// Parses a condition; on failure, the error carries the byte offset of the offending token.
struct ParseOutcome {
  std::vector<Expr> expr;  // exactly one element on success
  std::vector<ParseError> errors;
};
ParseOutcome parse_expression(std::string_view text);

}  // namespace sigflow::rules
