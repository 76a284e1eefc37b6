#include "faults/spool_dir.hpp"

#include "support/lines.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bbtest::faults {

SpoolContents spool_contents(const std::string& dir) {
    SpoolContents spool;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        std::string name = entry.path().filename().string();
        if (name.rfind(".tmp-", 0) == 0)
            spool.temporary.push_back(entry.path().string());
        else if (name[0] != '.' && entry.path().extension() == ".ndjson")
            spool.segments.push_back(entry.path().string());
    }
    std::sort(spool.segments.begin(), spool.segments.end());
    return spool;
}

std::vector<std::string> spooled_event_ids(const SpoolContents& spool) {
    std::vector<std::string> ids;
    for (const auto& path : spool.segments) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        std::string content = text.str();
        CHECK_MESSAGE((!content.empty() && content.back() == '\n'),
                      "segment " << path << " is empty or does not end with a newline");
        for (const auto& line : split_lines(content)) {
            rapidjson::Document doc;
            doc.Parse(line.c_str(), line.size());
            if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("event_id") ||
                !doc["event_id"].IsString()) {
                FAIL_CHECK("segment " << path << " has a line that is no envelope: " << line);
                continue;
            }
            ids.emplace_back(doc["event_id"].GetString());
        }
    }
    return ids;
}

} // namespace bbtest::faults
