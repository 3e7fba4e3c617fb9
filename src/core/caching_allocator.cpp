// caching_allocator.cpp — see caching_allocator.h for the design.
#include "src/core/caching_allocator.h"

#include <algorithm>
#include <bit>

#include "tinydl/error.h"

namespace tinydl::detail {

namespace {
constexpr size_t kSmallStep = 64;              // small classes: multiples of 64 bytes...
constexpr size_t kSmallLimit = size_t{1} << 16;  // ...up to 64 KiB
constexpr size_t kSmallClasses = kSmallLimit / kSmallStep;
constexpr int kSmallLog2 = 16;
constexpr size_t kClassesPerOctave = 8;        // above: 8 classes per power of two
constexpr size_t kNumClasses = kSmallClasses + (64 - kSmallLog2) * kClassesPerOctave;
}  // namespace

// For n > 64 KiB with 2^p < n <= 2^(p+1): classes are k * 2^(p-3) for k = 9..16.
size_t CachingAllocator::class_index(size_t nbytes) {
    if (nbytes <= kSmallLimit) return nbytes == 0 ? 0 : (nbytes - 1) / kSmallStep;
    const int p = 63 - std::countl_zero(static_cast<uint64_t>(nbytes - 1));
    const size_t step = size_t{1} << (p - 3);
    const size_t k = (nbytes + step - 1) / step;  // 9..16
    return kSmallClasses + static_cast<size_t>(p - kSmallLog2) * kClassesPerOctave + (k - 9);
}

size_t CachingAllocator::class_size(size_t index) {
    if (index < kSmallClasses) return (index + 1) * kSmallStep;
    const size_t octave = (index - kSmallClasses) / kClassesPerOctave;
    const size_t k = 9 + (index - kSmallClasses) % kClassesPerOctave;
    return k << (kSmallLog2 + octave - 3);
}

size_t CachingAllocator::block_size(size_t nbytes) { return class_size(class_index(nbytes)); }

CachingAllocator::CachingAllocator(std::function<void*(size_t)> backing_allocate,
                                   std::function<void(void*, size_t)> backing_free, std::string device_name,
                                   OomMessage oom_message)
    : backing_allocate_(std::move(backing_allocate)),
      backing_free_(std::move(backing_free)),
      device_name_(std::move(device_name)),
      oom_message_(std::move(oom_message)),
      free_lists_(kNumClasses),
      used_(kNumClasses, false) {}

CachingAllocator::~CachingAllocator() { empty_cache(); }

void* CachingAllocator::allocate(size_t nbytes) {
    if (nbytes == 0) return nullptr;
    const size_t index = class_index(nbytes);
    std::lock_guard<std::mutex> lock(mutex_);
    if (++since_sweep_ == kSweepPeriod) {
        since_sweep_ = 0;
        sweep();
    }
    // Small requests take a block of their own class. A large one may also take a cached block
    // up to twice its size (the next 8 classes, smallest first): a big buffer freed by one phase
    // of a program (a data set's bytes once converted) then serves the next phase's big
    // requests instead of sitting in the cache while the system maps new memory.
    const size_t last = index < kSmallClasses ? index : std::min(index + kClassesPerOctave, kNumClasses - 1);
    size_t found = index;
    while (found <= last && free_lists_[found].empty()) ++found;
    void* ptr = nullptr;
    size_t size = 0;
    if (found <= last) {  // the fast path: a block this size was freed before
        ptr = free_lists_[found].back();
        free_lists_[found].pop_back();
        size = class_size(found);
        cached_ -= static_cast<int64_t>(size);
    } else {
        size = class_size(index);
        ptr = system_allocate(size);
        if (index >= kSmallClasses) large_blocks_[ptr] = index;
    }
    allocated_ += static_cast<int64_t>(size);
    peak_ = std::max(peak_, allocated_);
    high_water_ = std::max(high_water_, allocated_);
    used_[found <= last ? found : index] = true;
    ++allocations_;
    ++live_;
    return ptr;
}

// Cached blocks of a class nobody asked for during a whole period are left over from a phase
// of the program that is over (loading data, an evaluation at another batch size, the last
// partial batch): give them back. A training step reuses its classes every step: they stay.
void CachingAllocator::sweep() {
    for (size_t index = 0; index < free_lists_.size(); ++index) {
        std::vector<void*>& list = free_lists_[index];
        if (!used_[index] && !list.empty()) {
            const size_t size = class_size(index);
            for (void* ptr : list) {
                if (index >= kSmallClasses) large_blocks_.erase(ptr);
                backing_free_(ptr, size);
            }
            cached_ -= static_cast<int64_t>(size * list.size());
            list.clear();
            list.shrink_to_fit();
        }
        used_[index] = false;
    }
}

void* CachingAllocator::system_allocate(size_t size) {
    // Keep reserved (live + cached + this block) within twice the largest live total: blocks of
    // classes the program stopped using must not pile up.
    const int64_t s = static_cast<int64_t>(size);
    const int64_t limit = 2 * std::max(high_water_, allocated_ + s);
    if (allocated_ + cached_ + s > limit) release_cached(limit - s);

    void* ptr = backing_allocate_(size);
    if (ptr == nullptr && cached_ > 0) {  // out of memory: give the cache back, retry once
        release_cached(allocated_);
        ptr = backing_allocate_(size);
    }
    if (ptr == nullptr && oom_message_) throw OutOfMemoryError(oom_message_(size, allocated_, allocated_ + cached_));
    if (ptr == nullptr)
        throw OutOfMemoryError(str(device_name_, " out of memory: tried to allocate ", size, " bytes (", allocated_,
                                   " bytes allocated, ", allocated_ + cached_, " reserved)"));
    ++system_allocations_;
    return ptr;
}

void CachingAllocator::deallocate(void* ptr, size_t nbytes) {
    if (ptr == nullptr) return;
    size_t index = class_index(nbytes);
    std::lock_guard<std::mutex> lock(mutex_);
    if (index >= kSmallClasses) {  // a large block may be bigger than this request's class
        const auto it = large_blocks_.find(ptr);
        TINYDL_ASSERT(it != large_blocks_.end(), "freeing a block this allocator does not own");
        index = it->second;
    }
    const size_t size = class_size(index);
    free_lists_[index].push_back(ptr);
    cached_ += static_cast<int64_t>(size);
    allocated_ -= static_cast<int64_t>(size);
    --live_;
}

// Largest classes first: they hold the most bytes per system call.
void CachingAllocator::release_cached(int64_t target_reserved) {
    for (size_t index = free_lists_.size(); index-- > 0 && allocated_ + cached_ > target_reserved;) {
        std::vector<void*>& list = free_lists_[index];
        if (list.empty()) continue;
        const size_t size = class_size(index);
        while (!list.empty() && allocated_ + cached_ > target_reserved) {
            if (index >= kSmallClasses) large_blocks_.erase(list.back());
            backing_free_(list.back(), size);
            list.pop_back();
            cached_ -= static_cast<int64_t>(size);
        }
    }
}

void CachingAllocator::empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cached(allocated_);
}

memory::Stats CachingAllocator::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    memory::Stats s;
    s.allocated_bytes = allocated_;
    s.max_allocated_bytes = peak_;
    s.reserved_bytes = allocated_ + cached_;
    s.allocations = allocations_;
    s.system_allocations = system_allocations_;
    s.live_blocks = live_;
    return s;
}

void CachingAllocator::reset_peak_stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    peak_ = allocated_;
}

}  // namespace tinydl::detail
