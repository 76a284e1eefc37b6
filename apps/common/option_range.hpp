// The usage error of an option's value outside its range, worded alike by
// every tool: "--heartbeat: 4000 is not between 0 and 3600". The apps check
// ranges in code rather than with CLI11 validators, which cost more at
// start-up than a one-event run can spare.
#pragma once

#include "bloodbank/error.hpp"

#include <fmt/format.h>

#include <string_view>

namespace bb::app {

template <class Value, class Low, class High>
Error out_of_range(std::string_view flag, const Value& value, const Low& low, const High& high) {
    return make_error(ErrorKind::usage,
                      fmt::format("{}: {} is not between {} and {}", flag, value, low, high));
}

} // namespace bb::app
