#include "faults/report.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <algorithm>

namespace bbtest::faults {

std::vector<ReportLine> parse_report(std::string_view out) {
    std::vector<ReportLine> report;
    std::size_t begin = 0, end;
    while ((end = out.find('\n', begin)) != std::string_view::npos) {
        std::string text(out.substr(begin, end - begin));
        begin = end + 1;
        rapidjson::Document doc;
        doc.Parse(text.c_str(), text.size());
        bool ok = !doc.HasParseError() && doc.IsObject() && doc.HasMember("line") &&
                  doc["line"].IsUint64() && doc.HasMember("status") && doc["status"].IsString() &&
                  doc.HasMember("event_id") &&
                  (doc["event_id"].IsString() || doc["event_id"].IsNull());
        if (!ok) {
            FAIL_CHECK("not a --report line: " << text);
            continue;
        }
        ReportLine r;
        r.line = doc["line"].GetUint64();
        r.status = doc["status"].GetString();
        if (doc["event_id"].IsString())
            r.event_id = doc["event_id"].GetString();
        if (doc.HasMember("attempts") && doc["attempts"].IsInt64())
            r.attempts = static_cast<long>(doc["attempts"].GetInt64());
        r.has_error = doc.HasMember("error");
        report.push_back(std::move(r));
    }
    return report;
}

std::size_t count_status(const std::vector<ReportLine>& report, std::string_view status) {
    return static_cast<std::size_t>(std::count_if(
        report.begin(), report.end(), [&](const ReportLine& r) { return r.status == status; }));
}

void check_report_lines(const std::vector<ReportLine>& report,
                        const std::vector<std::optional<std::string>>& event_ids) {
    std::size_t out_of_order = 0, without_attempts = 0, wrong_ids = 0;
    for (std::size_t i = 0; i < report.size(); ++i) {
        const ReportLine& r = report[i];
        out_of_order += r.line != i + 1;
        without_attempts += r.attempts < 0;
        bool known = r.line >= 1 && r.line <= event_ids.size();
        wrong_ids += !known || r.event_id != event_ids[r.line - 1] ||
                     (r.status == "invalid") != !event_ids[r.line - 1];
    }
    CHECK_MESSAGE(out_of_order == 0, "report lines not numbered 1..N in order");
    CHECK_MESSAGE(without_attempts == 0, "report lines without \"attempts\"");
    CHECK_MESSAGE(wrong_ids == 0,
                  "report lines whose event_id or invalid status is not the input's");
}

} // namespace bbtest::faults
