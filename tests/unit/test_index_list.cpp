#include "bloodbank/index_list.hpp"
#include "bloodbank/trace.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <utility>
#include <vector>

using bb::IndexList;

TEST_CASE("index list: one index in place, then many, in the order added") {
    IndexList list;
    CHECK(list.empty());
    list.push_back(7);
    CHECK(list.to_vector() == std::vector<std::size_t>{7});
    std::vector<std::size_t> expected{7};
    for (std::size_t i = 0; i < 100; ++i) {
        list.push_back(i * 3);
        expected.push_back(i * 3);
    }
    CHECK(list.size() == 101);
    CHECK(list.front() == 7);
    CHECK(list[100] == 297);
    CHECK(list.to_vector() == expected);
}

TEST_CASE("index list: a move takes the indexes and leaves the source empty") {
    for (std::size_t count : {1, 2, 9}) {
        IndexList source;
        std::vector<std::size_t> expected;
        for (std::size_t i = 0; i < count; ++i) {
            source.push_back(i + 40);
            expected.push_back(i + 40);
        }
        IndexList moved(std::move(source));
        CHECK(moved.to_vector() == expected);
        CHECK(source.empty()); // NOLINT(bugprone-use-after-move): the moved-from state is tested
        IndexList assigned;
        assigned.push_back(1);
        assigned.push_back(2);
        assigned = std::move(moved);
        CHECK(assigned.to_vector() == expected);
        source.push_back(5); // a moved-from list is usable again
        CHECK(source.to_vector() == std::vector<std::size_t>{5});
    }
}

TEST_CASE("trace graph: thousands of ids are found at their index, before and after a reorder") {
    auto id = [](std::size_t number) {
        return *bb::parse_uuid(fmt::format("00000000-0000-4000-8000-{:012}", number));
    };
    bb::TraceGraph graph(id(0), bb::TraceView::descendants);
    constexpr std::size_t count = 5000;
    for (std::size_t i = 1; i < count; ++i) {
        auto [index, added] = graph.add_node(id(i), 1);
        REQUIRE(added);
        REQUIRE(index == i);
        graph.add_edge(0, index);
    }
    CHECK_FALSE(graph.add_node(id(1234), 3).second);
    CHECK_FALSE(graph.find(id(count)).has_value());

    std::vector<std::size_t> reversed;
    for (std::size_t i = count; i-- > 0;)
        reversed.push_back(i);
    graph.reorder(reversed);
    for (std::size_t i = 0; i < count; ++i) {
        REQUIRE(graph.find(id(i)) == count - 1 - i);
        REQUIRE(graph.node(count - 1 - i).id == id(i));
    }
    CHECK(graph.focus() == count - 1);
    CHECK(graph.children(graph.focus()).size() == count - 1);
    CHECK(graph.children(graph.focus()).front() == count - 2);
    CHECK(graph.parents(0).to_vector() == std::vector<std::size_t>{count - 1});
}
