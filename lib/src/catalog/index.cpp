// Finding a type's schema without loading the whole catalog: the build-time
// type index names the file, and only that file is parsed. A one-event
// bb-publish run pays for one schema, or none for a type the catalog does
// not know.
#include "catalog/embedded.hpp"
#include "catalog/store.hpp"

#include "bloodbank/json.hpp"

#include <memory>
#include <mutex>

namespace bb::catalog_detail {
namespace {

struct Slot {
    std::once_flag once;
    ParsedSchema parsed;
};

ParsedSchema parse(std::string_view text) {
    ParsedSchema schema;
    auto parsed = parse_json(text);
    if (!parsed)
        schema.error = parsed.error().message;
    else if (!parsed->IsObject())
        schema.error = "not a JSON object";
    else
        schema.document = std::move(*parsed);
    return schema;
}

} // namespace

const ParsedSchema& parsed_schema(std::size_t file) {
    auto files = embedded_schemas();
    static const std::unique_ptr<Slot[]> slots(new Slot[files.size()]);
    Slot& slot = slots[file];
    std::call_once(slot.once, [&] { slot.parsed = parse(files[file].text); });
    return slot.parsed;
}

std::optional<std::size_t> schema_file_of(std::string_view event_type) {
    // A dozen names: a scan costs less than building a map would.
    for (const EmbeddedType& type : embedded_types())
        if (type.name == event_type)
            return type.file;
    return std::nullopt;
}

std::optional<std::size_t> envelope_file() {
    auto files = embedded_schemas();
    for (std::size_t i = 0; i < files.size(); ++i)
        if (files[i].path == envelope_path)
            return i;
    return std::nullopt;
}

} // namespace bb::catalog_detail
