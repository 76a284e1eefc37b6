// The parents --parent adds and the id --id-key makes pass the same checks
// as the input's own correlation_ids.
#include "bloodbank/publish.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>

namespace {

bb::Uuid uuid(const std::string& text) {
    return *bb::parse_uuid(text);
}

const char* const parent_a = "11111111-2222-4333-8444-555555555555";

std::string numbered_id(int n) {
    return fmt::format("00000000-0000-4000-8000-{:012}", n);
}

} // namespace

TEST_CASE("publish: --parent ids pass the input's checks: never the event itself, 1000 at most") {
    const char* self = "3b9d4f0e-6c4a-4f8e-9a51-2f0a7d3c1b11";
    std::string envelope = std::string("{\"event_id\":\"") + self +
                           "\",\"event_type\":\"t\",\"source\":{\"host\":\"h\",\"type\":"
                           "\"manual\"},\"payload\":{}";
    bb::EnvelopeRecipe recipe;
    recipe.parents = {uuid(parent_a), uuid(self)};
    auto own = bb::prepare_envelope(envelope + "}", recipe);
    REQUIRE_FALSE(own);
    CHECK(own.error().kind == bb::ErrorKind::data);
    CHECK(own.error().message == std::string("--parent ") + self +
                                     ": an event cannot be its own parent (it is this event's id)");

    // 1000 parents in the input: one more from --parent is one too many, as
    // 1001 in the input are; one the input already names adds nothing.
    std::string ids = ",\"correlation_ids\":[";
    for (int i = 0; i < 1000; ++i)
        ids += std::string(i ? ",\"" : "\"") + numbered_id(i + 1) + "\"";
    ids += "]";
    bb::EnvelopeRecipe one_more;
    one_more.parents = {uuid(parent_a)};
    auto too_many = bb::prepare_envelope(envelope + ids + "}", one_more);
    REQUIRE_FALSE(too_many);
    CHECK(too_many.error().kind == bb::ErrorKind::data);
    CHECK(too_many.error().message ==
          "correlation_ids: more than 1000 parents with --parent (1001)");
    bb::EnvelopeRecipe named_already;
    named_already.parents = {uuid("00000000-0000-4000-8000-000000000007")};
    auto same = bb::prepare_envelope(envelope + ids + "}", named_already);
    REQUIRE(same);
    CHECK(same->correlation_ids.size() == 1000);
}

TEST_CASE("publish: an --id-key id that is one of the event's parents is refused") {
    bb::IdFields fields{{"k", "v"}};
    bb::EnvelopeRecipe recipe;
    recipe.id_fields = fields;
    auto made = bb::event_id_for_fields("t", fields, bb::default_id_namespace).str();
    auto e = bb::prepare_envelope("{\"event_type\":\"t\",\"source\":{\"host\":\"h\",\"type\":"
                                  "\"manual\"},\"payload\":{},\"correlation_ids\":[\"" +
                                      made + "\"]}",
                                  recipe);
    REQUIRE_FALSE(e);
    CHECK(e.error().message == "correlation_ids[0]: an event cannot be its own parent (it is "
                               "the id --id-key makes)");
}
