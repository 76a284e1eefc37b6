// The payload field lists of the "Event catalog" issue's appendix, copied by
// hand from the issue (not from schemas/), and a parser for their notation:
//   name type, name? type      ? = optional (may be absent or null)
//   str int number bool datetime object     scalar and free-form types
//   a|b|c    an enum of strings;  [T]  a list of T;  {fields}  a nested model
// The catalog tests compare the schemas and the validator against these.
#pragma once

#include <doctest/doctest.h>

#include <cctype>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bbtest {

inline const std::vector<std::pair<std::string_view, std::string_view>>& appendix() {
    static const std::vector<std::pair<std::string_view, std::string_view>> fields = {
        {"fireflies.transcript.upload",
         "media_file str, media_duration_seconds int, media_type str, title? str, user_id? str, "
         "created_at? datetime"},
        {"fireflies.transcript.ready",
         "id str, title str, date datetime, duration number, transcript_url str, audio_url? str, "
         "video_url? str, sentences [ {index int, speaker_name? str, speaker_id int, raw_text "
         "str, text str, start_time number, end_time number, ai_filters {text_cleanup str, task? "
         "str, pricing? str, metric? str, question? str, date_and_time? str, sentiment "
         "positive|negative|neutral}} ], summary? str, participants? [ {name str, email? str} ], "
         "speakers? [str], user {user_id str, email str, name str, num_transcripts int, "
         "minutes_consumed number, is_admin bool}, host_email str, organizer_email str, privacy "
         "str, meeting_link? str, calendar_id? str, calendar_type? str, raw_meeting_info? object"},
        {"fireflies.transcript.processed",
         "transcript_id str, rag_document_id str, title str, ingestion_timestamp datetime, "
         "sentence_count int, speaker_count int, duration_minutes number, vector_store str, "
         "chunk_count? int, embedding_model? str, metadata? object"},
        {"fireflies.transcript.failed",
         "failed_stage upload|transcription|processing, error_message str, error_code? str, "
         "transcript_id? str, media_file? str, timestamp? datetime, retry_count? int, "
         "is_retryable? bool, metadata? object"},
        {"llm.prompt", "provider str, model? str, prompt str, project? str, working_dir? str, "
                       "domain? str, tags? [str]"},
        {"llm.response", "provider str, prompt_id? str, response str, model? str, tokens_used? "
                         "int, duration_ms? int"},
        {"llm.error", "provider str, model? str, error_message str, error_code? str, "
                      "is_retryable? bool, retry_count? int"},
        {"artifact.created", "action created|updated|deleted, kind str, uri str, title? str, "
                             "content? str, metadata? object"},
        {"artifact.updated", "action created|updated|deleted, kind str, uri str, title? str, "
                             "content? str, metadata? object"},
        {"artifact.deleted", "action created|updated|deleted, kind str, uri str, title? str, "
                             "content? str, metadata? object"},
        {"artifact.ingestion.failed", "artifact_uri str, artifact_kind str, error_message str, "
                                      "error_code? str, retry_count? int, is_retryable? bool"},
    };
    return fields;
}

struct SpecField;

// kind: str, int, number, bool, datetime, object, enum, list, model.
struct SpecType {
    std::string kind;
    std::vector<std::string> values; // enum
    std::shared_ptr<SpecType> item;  // list
    std::vector<SpecField> fields;   // model
};

struct SpecField {
    std::string name;
    bool optional = false;
    SpecType type;
};

class AppendixParser {
public:
    explicit AppendixParser(std::string_view text) : text_(text) {}

    std::vector<SpecField> fields() {
        std::vector<SpecField> out;
        do {
            out.push_back(field());
        } while (eat(','));
        return out;
    }
    bool at_end() {
        skip_space();
        return pos_ == text_.size();
    }

private:
    SpecField field() {
        SpecField out;
        out.name = word();
        out.optional = eat('?');
        out.type = type();
        return out;
    }
    SpecType type() {
        SpecType out;
        if (eat('[')) {
            out.kind = "list";
            out.item = std::make_shared<SpecType>(type());
            REQUIRE(eat(']'));
        } else if (eat('{')) {
            out.kind = "model";
            out.fields = fields();
            REQUIRE(eat('}'));
        } else {
            std::string first = word();
            if (peek() != '|') {
                out.kind = first;
                REQUIRE_MESSAGE(
                    std::string_view("str int number bool datetime object").find(first) !=
                        std::string_view::npos,
                    "unknown appendix type " << first);
                return out;
            }
            out.kind = "enum";
            out.values.push_back(first);
            while (eat('|'))
                out.values.push_back(word());
        }
        return out;
    }
    std::string word() {
        skip_space();
        std::size_t start = pos_;
        while (pos_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
            ++pos_;
        REQUIRE_MESSAGE(pos_ > start, "appendix: a name expected at " << start);
        return std::string(text_.substr(start, pos_ - start));
    }
    char peek() {
        skip_space();
        return pos_ < text_.size() ? text_[pos_] : '\0';
    }
    bool eat(char c) {
        if (peek() != c)
            return false;
        ++pos_;
        return true;
    }
    void skip_space() {
        while (pos_ < text_.size() && text_[pos_] == ' ')
            ++pos_;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

inline std::vector<SpecField> appendix_fields(std::string_view event_type) {
    for (const auto& [type, text] : appendix())
        if (type == event_type) {
            AppendixParser parser(text);
            auto fields = parser.fields();
            REQUIRE(parser.at_end());
            return fields;
        }
    FAIL("no appendix entry for " << event_type);
    return {};
}

} // namespace bbtest
