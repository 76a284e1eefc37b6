// The files of the web page (web/), embedded at build time: the generated
// source (cmake/generate_web_source.cmake) defines embedded_web_files().
#pragma once

#include <span>
#include <string_view>

namespace bb::http_detail {

struct WebFile {
    std::string_view name; // a plain file name: "index.html", "app.js"
    std::string_view text;
};

// Every embedded file, in name order.
std::span<const WebFile> embedded_web_files();

} // namespace bb::http_detail
