#pragma once
// Secret references in configuration values: "${env:NAME}" is replaced by the environment
// variable NAME, "${file:/run/secrets/token}" by the file's content (one trailing newline
// dropped). Resolved when used, so a rotated secret file is picked up without a restart.
// Errors name the variable or file, never a value; callers must not log resolved text.
#include <string>
#include <string_view>

#include "sigflow/result.hpp"

namespace sigflow {

// Error code: config.secret.
Result<std::string> resolve_secrets(std::string_view text);

}  // namespace sigflow
