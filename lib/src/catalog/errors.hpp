// Private to the catalog module: turns what a failed RapidJSON SchemaValidator
// reports (a keyword and two JSON pointers) into one sentence with a field path.
#pragma once

#include "bloodbank/error.hpp"

#include <rapidjson/document.h>
#include <rapidjson/schema.h>

#include <string_view>

namespace bb::catalog_detail {

// An ErrorKind::data error for the validator's failure. schema_root is the
// parsed schema the validator was compiled from, document the validated
// value, root_path the name of that value in paths ("payload"; empty for a
// whole envelope, whose own failures are then reported at "(root)").
Error describe_failure(const rapidjson::SchemaValidator& validator,
                       const rapidjson::Value& schema_root, const rapidjson::Value& document,
                       std::string_view root_path);

} // namespace bb::catalog_detail
