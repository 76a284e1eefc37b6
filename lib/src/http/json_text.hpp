// Writing the HTTP answers' JSON: one writer type, strings written whole,
// and the final text with control characters escaped as Python's
// json.dumps does (the debug API's answers match the Python service's).
#pragma once

#include "bloodbank/json.hpp"
#include "bloodbank/utf8.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>

namespace bb::http_detail {

// Refuses text that is not UTF-8 (String() returns false) rather than
// writing bytes a JSON reader would reject.
using JsonWriter =
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                      rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>;

inline bool write_string(JsonWriter& w, std::string_view text) {
    return w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// Text from Redis: null when it is not UTF-8, checked first so that the
// writer never starts a string it cannot finish.
inline void write_text_or_null(JsonWriter& w, std::string_view text) {
    if (find_invalid_utf8(text))
        w.Null();
    else
        write_string(w, text);
}

inline std::string text_of(rapidjson::StringBuffer& buffer) {
    std::string text(buffer.GetString(), buffer.GetSize());
    lowercase_json_escapes(text);
    return text;
}

} // namespace bb::http_detail
