#include "bloodbank/index_list.hpp"

#include <algorithm>
#include <limits>
#include <new>
#include <utility>

namespace bb {

IndexList::IndexList(IndexList&& other) noexcept {
    take(other);
}

IndexList& IndexList::operator=(IndexList&& other) noexcept {
    if (this != &other) {
        release();
        take(other);
    }
    return *this;
}

// The caller has released this list; `other` is left empty, its one index
// in place (never a pointer the union would then read as an index).
void IndexList::take(IndexList& other) noexcept {
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 1);
    if (on_heap())
        many_ = other.many_;
    else
        one_ = other.one_;
    other.one_ = 0;
}

IndexList::~IndexList() {
    release();
}

void IndexList::release() {
    if (on_heap())
        delete[] many_;
    capacity_ = 1;
    size_ = 0;
    one_ = 0;
}

void IndexList::push_back(std::size_t index) {
    if (size_ == capacity_) {
        if (capacity_ > std::numeric_limits<std::uint32_t>::max() / 2)
            throw std::bad_alloc();
        // Doubling from 4: a node with many children grows as a vector would.
        std::uint32_t capacity = std::max<std::uint32_t>(4, capacity_ * 2);
        auto* many = new std::size_t[capacity];
        std::copy(begin(), end(), many);
        std::uint32_t size = size_;
        release();
        many_ = many;
        capacity_ = capacity;
        size_ = size;
    }
    begin()[size_++] = index;
}

} // namespace bb
