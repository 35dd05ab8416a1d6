#pragma once
/// The headers of an answer: a flat list of (name, value) pairs in the order they were added.
///
/// Response::headers used to be a Poco::Net::NameValueCollection. An answer carries a handful
/// of headers (security 5, tracing 2, rate limits 3-8), so a plain vector scanned with a
/// length-first, ASCII case-insensitive compare is cheaper than Poco's collection, and the
/// wire order is simply the order the hooks added them. The member names and their meaning
/// follow NameValueCollection's, so code written against it keeps working.
///
/// clear() and erase() keep the removed entries' strings, past size(), for the next add() to
/// assign into: a list the core recycles from one request to the next (request heads, answers'
/// headers) then allocates nothing for names and values that fit what an earlier request left.
/// Header strings over 15 bytes (most names and values of an answer: security headers, rate
/// limits, ids) are otherwise a malloc and a free each, per request.

#include "portico/AsciiCase.h"
#include "portico/KeptString.h"
#include "Poco/Exception.h"
#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico {

class HeaderList
{
public:
    using Header = std::pair<std::string, std::string>;
    using Headers = std::vector<Header>;
    using Iterator = Headers::iterator;
    using ConstIterator = Headers::const_iterator;
    using iterator = Iterator;
    using const_iterator = ConstIterator;
    using value_type = Header;
    using size_type = std::size_t;

    HeaderList() = default;
    HeaderList(std::initializer_list<Header> headers) : headers_(headers), size_(headers_.size()) {}
    /// A copy holds the live headers only.
    HeaderList(const HeaderList& other) : headers_(other.begin(), other.end()), size_(headers_.size()) {}
    HeaderList(HeaderList&& other) noexcept : headers_(std::move(other.headers_)), size_(other.size_)
    {
        other.headers_.clear();
        other.size_ = 0;
    }
    HeaderList& operator=(const HeaderList& other)
    {
        if (this != &other)
        {
            clear();
            for (const Header& header : other)
                add(header.first, header.second);
        }
        return *this;
    }
    HeaderList& operator=(HeaderList&& other) noexcept
    {
        HeaderList taken(std::move(other));
        swap(taken);
        return *this;
    }
    HeaderList& operator=(std::initializer_list<Header> headers)
    {
        clear();
        for (const Header& header : headers)
            add(header.first, header.second);
        return *this;
    }

    /// True when `a` and `b` are the same header name: ASCII letters compared without case,
    /// the lengths first (most names differ in length, so most compares stop there).
    static bool sameName(std::string_view a, std::string_view b) noexcept { return equalsIgnoringCase(a, b); }

    /// Appends a header, even when one of the same name is already there. Into a kept entry
    /// (see the class comment) when there is one: its strings are assigned, not reallocated.
    void add(std::string_view name, std::string_view value)
    {
        if (size_ < headers_.size())
        {
            Header& slot = headers_[size_];
            copyIntoKept(slot.first, name);
            copyIntoKept(slot.second, value);
        }
        else
            headers_.emplace_back(name, value);
        ++size_;
    }
    void add(const std::string& name, const std::string& value) { add(std::string_view(name), std::string_view(value)); }
    void add(const char* name, const char* value) { add(std::string_view(name), std::string_view(value)); }
    void add(std::string&& name, std::string&& value)
    {
        if (size_ < headers_.size())
        {
            Header& slot = headers_[size_];
            takeOrCopy(slot.first, std::move(name));
            takeOrCopy(slot.second, std::move(value));
        }
        else
            headers_.emplace_back(std::move(name), std::move(value));
        ++size_;
    }

    /// Gives header `name` the single value `value`: the first of that name keeps its place and
    /// takes the value, any later ones are removed; with none, the header is appended.
    void set(std::string_view name, std::string_view value)
    {
        const Iterator first = find(name);
        if (first == end())
            return add(name, value);
        copyIntoKept(first->second, value);
        eraseAfter(first, name);
    }
    void set(const std::string& name, const std::string& value) { set(std::string_view(name), std::string_view(value)); }
    void set(const char* name, const char* value) { set(std::string_view(name), std::string_view(value)); }
    void set(std::string&& name, std::string&& value)
    {
        const Iterator first = find(name);
        if (first == end())
            return add(std::move(name), std::move(value));
        takeOrCopy(first->second, std::move(value));
        eraseAfter(first, first->first);
    }

    /// The value of the first header called `name`; throws Poco::NotFoundException (naming the
    /// header) when there is none, as NameValueCollection::get does.
    const std::string& get(std::string_view name) const
    {
        const ConstIterator it = find(name);
        if (it == end())
            throw Poco::NotFoundException(std::string(name));
        return it->second;
    }

    /// The value of the first header called `name`, or `fallback`.
    const std::string& get(std::string_view name, const std::string& fallback) const
    {
        const ConstIterator it = find(name);
        return it == end() ? fallback : it->second;
    }

    bool has(std::string_view name) const { return find(name) != end(); }

    /// The first header called `name`, or end().
    Iterator find(std::string_view name)
    {
        for (Iterator it = begin(); it != end(); ++it)
            if (sameName(it->first, name))
                return it;
        return end();
    }
    ConstIterator find(std::string_view name) const
    {
        for (ConstIterator it = begin(); it != end(); ++it)
            if (sameName(it->first, name))
                return it;
        return end();
    }

    /// Removes every header called `name`; the others keep their order.
    void erase(std::string_view name) { keepOnly(begin(), name); }

    Iterator begin() noexcept { return headers_.begin(); }
    Iterator end() noexcept { return headers_.begin() + static_cast<std::ptrdiff_t>(size_); }
    ConstIterator begin() const noexcept { return headers_.begin(); }
    ConstIterator end() const noexcept { return headers_.begin() + static_cast<std::ptrdiff_t>(size_); }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    /// Removes all headers; their strings stay for the next add() (see the class comment).
    void clear() noexcept { size_ = 0; }
    void reserve(std::size_t count) { headers_.reserve(count); }
    std::size_t capacity() const noexcept { return headers_.capacity(); }
    /// Entries held, live or kept for reuse: what a recycled list costs to keep.
    std::size_t slots() const noexcept { return headers_.size(); }
    void swap(HeaderList& other) noexcept
    {
        headers_.swap(other.headers_);
        std::swap(size_, other.size_);
    }

    bool operator==(const HeaderList& other) const
    {
        return size_ == other.size_ && std::equal(begin(), end(), other.begin());
    }
    bool operator!=(const HeaderList& other) const { return !(*this == other); }

private:
    /// `target` takes `source`'s text: a copy into its own buffer when that is big enough (the
    /// buffer is kept for the next use), else `source`'s buffer.
    static void takeOrCopy(std::string& target, std::string&& source)
    {
        if (source.size() <= target.capacity())
            copyIntoKept(target, source);
        else
            target = std::move(source);
    }

    /// Removes the headers called `name` after `first`.
    void eraseAfter(Iterator first, std::string_view name) { keepOnly(first + 1, name); }

    /// Removes the headers called `name` from `from` on; the others keep their order, the
    /// removed ones' strings go past size() for reuse (swapped, not destroyed).
    void keepOnly(Iterator from, std::string_view name)
    {
        Iterator out = from;
        for (Iterator it = from; it != end(); ++it)
            if (!sameName(it->first, name))
            {
                if (out != it)
                    out->swap(*it);
                ++out;
            }
        size_ = static_cast<std::size_t>(out - headers_.begin());
    }

    Headers headers_;
    /// The live headers are headers_[0, size_); the rest are kept for reuse.
    std::size_t size_ = 0;
};

inline void swap(HeaderList& a, HeaderList& b) noexcept
{
    a.swap(b);
}

} // namespace portico
