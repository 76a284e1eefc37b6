// The parents or the children of one node of a trace graph, as indexes.
// Most events have one parent and a few children, so one index is kept in
// place and more on the heap: 16 bytes a list where a std::vector takes 24
// plus an allocation, which is most of a large graph's memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bb {

class IndexList {
public:
    IndexList() = default;
    IndexList(const IndexList&) = delete;
    IndexList& operator=(const IndexList&) = delete;
    IndexList(IndexList&& other) noexcept;
    IndexList& operator=(IndexList&& other) noexcept;
    ~IndexList();

    void push_back(std::size_t index);

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const std::size_t* begin() const { return on_heap() ? many_ : &one_; }
    const std::size_t* end() const { return begin() + size_; }
    std::size_t* begin() { return on_heap() ? many_ : &one_; }
    std::size_t* end() { return begin() + size_; }
    std::size_t operator[](std::size_t i) const { return begin()[i]; }
    std::size_t front() const { return *begin(); }
    std::vector<std::size_t> to_vector() const { return {begin(), end()}; }

private:
    bool on_heap() const { return capacity_ > 1; }
    void release();
    void take(IndexList& other) noexcept;

    std::uint32_t size_ = 0;
    std::uint32_t capacity_ = 1;
    union {
        std::size_t one_ = 0;
        std::size_t* many_;
    };
};

} // namespace bb
