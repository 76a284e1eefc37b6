#include "bloodbank/event_id.hpp"

#include <algorithm>
#include <utility>

namespace bb {

std::string fields_key(IdFields fields) {
    // Python sorts (key, value) tuples; keys are unique there, so only the key
    // decides. std::string compares as unsigned bytes (char_traits<char>), and
    // UTF-8 byte order is code-point order. Stable: duplicate keys, which a
    // Python dict cannot hold, keep their input order.
    auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
    if (fields.size() <= 16) {
        // Insertion sort: stable, and no temporary buffer for the usual few fields.
        for (std::size_t i = 1; i < fields.size(); ++i)
            for (std::size_t j = i; j > 0 && by_key(fields[j], fields[j - 1]); --j)
                std::swap(fields[j], fields[j - 1]);
    } else {
        std::stable_sort(fields.begin(), fields.end(), by_key);
    }
    std::size_t size = 0;
    for (const auto& [name, value] : fields)
        size += name.size() + value.size() + 2;
    std::string key;
    key.reserve(size);
    bool first = true;
    for (const auto& [name, value] : fields) {
        if (!first)
            key += '|';
        first = false;
        key += name;
        key += '=';
        key += value;
    }
    return key;
}

void append_id_name(std::string& out, std::string_view ns, std::string_view event_type,
                    std::string_view unique_key) {
    out.reserve(out.size() + ns.size() + event_type.size() + unique_key.size() + 2);
    out += ns;
    out += ':';
    out += event_type;
    out += ':';
    out += unique_key;
}

Uuid event_id_for_key(std::string_view event_type, std::string_view unique_key,
                      std::string_view ns) {
    std::string name;
    append_id_name(name, ns, event_type, unique_key);
    return uuid_v5(namespace_oid, name);
}

Uuid event_id_for_fields(std::string_view event_type, const IdFields& fields, std::string_view ns) {
    return event_id_for_key(event_type, fields_key(fields), ns);
}

} // namespace bb
