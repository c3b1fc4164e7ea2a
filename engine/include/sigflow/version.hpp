#pragma once
#include <string_view>

namespace sigflow {
inline constexpr std::string_view kVersion = SIGFLOW_VERSION;  // set by CMake from project()
}
