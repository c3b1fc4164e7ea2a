#pragma once
// The AST of rule conditions and its parser. The parser checks syntax only; the compiler
// resolves names (lists, macros, fields) and types, so every mistake is caught at load time.
//
//   expr      := or
//   or        := and ('or' and)*
//   and       := unary ('and' unary)*
//   unary     := 'not' unary | primary
//   primary   := '(' expr ')'
//              | ('any' | 'all') '(' LIST [',' TEXTFIELD] ')'
//              | 'near' '(' LIST ',' LIST ',' INT [',' TEXTFIELD] ')'
//              | FIELD test
//              | MACRO
//   test      := CMP value | 'in' '(' value {',' value} ')' | 'in' LIST
//              | ('contains' | 'icontains' | 'startswith' | 'endswith') STRING
//              | 'regex' STRING | 'exists'
//   CMP       := '==' | '!=' | '<' | '<=' | '>' | '>='
//   value     := STRING | NUMBER          STRING: "with \" escapes" or 'raw, no escapes'
//   TEXTFIELD := title | summary | content (default: all three)
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace sigflow::rules {

enum class TextField : std::uint8_t { title = 1, summary = 2, content = 4 };
inline constexpr std::uint8_t kAllTextFields = 1 | 2 | 4;
inline constexpr TextField kTextFields[] = {TextField::title, TextField::summary, TextField::content};
std::string_view to_string(TextField f);

enum class ValueType { boolean, number, string, strings };
std::string_view to_string(ValueType t);

// A field a test reads, resolved by the compiler.
struct FieldRef {
  enum class Kind {
    title, summary, content, url, source, type, lang, guid, time, authors, categories,
    data,        // data.<key>: a connector-specific string
    entity,      // a list entity named by the rule's extract (canonical names)
    amount_usd,  // the largest money amount in the text, in US dollars
    amount,      // that amount in its own currency
    currency,    // its currency code (USD, CNY, ...)
    percent,     // the largest percentage in the text
  };
  Kind kind = Kind::title;
  std::string key;  // data key or entity name
  int list_index = -1;  // entity: the list its values come from
  ValueType type() const;
};

struct Literal {
  bool is_number = false;
  double number = 0;
  std::string text;
};

struct Expr {
  enum class Kind { and_, or_, not_, any, all, near, compare, in_values, in_list, string_op, regex, exists, macro };
  enum class Op { eq, ne, lt, le, gt, ge, contains, icontains, startswith, endswith };
  Kind kind = Kind::any;
  std::vector<Expr> children;  // and_/or_: two or more; not_: one
  std::string name;            // any/all/near/in_list: list; macro: macro name; tests: field path
  std::string name2;           // near: second list
  int list_index = -1;         // resolved by the compiler
  int list_index2 = -1;
  std::uint8_t fields = kAllTextFields;  // any/all/near
  std::size_t distance = 0;    // near: characters
  FieldRef field;              // tests, resolved by the compiler
  Op op = Op::eq;
  std::vector<Literal> values;  // compare: one; in_values: one or more
  std::shared_ptr<const re2::RE2> regex;  // compiled by the compiler
  int trigger = -1;             // regex on a text field: its prefilter trigger (see CompiledRuleSet)
  std::size_t offset = 0;       // byte offset of the node in the condition text
  std::size_t value_offset = 0; // byte offset of the first value/pattern (for errors)
};

struct ParseError {
  std::size_t offset = 0;
  std::string message;
};

struct ParseOutcome {
  std::vector<Expr> expr;  // exactly one element on success
  std::vector<ParseError> errors;
};
ParseOutcome parse_expression(std::string_view text);

}  // namespace sigflow::rules
