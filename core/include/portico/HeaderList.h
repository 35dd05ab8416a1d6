#pragma once
/// The headers of an answer: a flat list of (name, value) pairs in the order they were added.
///
/// Response::headers used to be a Poco::Net::NameValueCollection. An answer carries a handful
/// of headers (security 5, tracing 2, rate limits 3-8), so a plain vector scanned with a
/// length-first, ASCII case-insensitive compare is cheaper than Poco's collection, and the
/// wire order is simply the order the hooks added them. The member names and their meaning
/// follow NameValueCollection's, so code written against it keeps working.

#include "portico/AsciiCase.h"
#include "Poco/Exception.h"
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
    HeaderList(std::initializer_list<Header> headers) : headers_(headers) {}

    /// True when `a` and `b` are the same header name: ASCII letters compared without case,
    /// the lengths first (most names differ in length, so most compares stop there).
    static bool sameName(std::string_view a, std::string_view b) noexcept { return equalsIgnoringCase(a, b); }

    /// Appends a header, even when one of the same name is already there.
    void add(const std::string& name, const std::string& value) { headers_.emplace_back(name, value); }
    void add(std::string&& name, std::string&& value) { headers_.emplace_back(std::move(name), std::move(value)); }

    /// Gives header `name` the single value `value`: the first of that name keeps its place and
    /// takes the value, any later ones are removed; with none, the header is appended.
    void set(const std::string& name, const std::string& value)
    {
        const Iterator first = find(name);
        if (first == headers_.end())
            return add(name, value);
        first->second = value;
        eraseAfter(first, name);
    }
    void set(std::string&& name, std::string&& value)
    {
        const Iterator first = find(name);
        if (first == headers_.end())
            return add(std::move(name), std::move(value));
        first->second = std::move(value);
        eraseAfter(first, name);
    }

    /// The value of the first header called `name`; throws Poco::NotFoundException (naming the
    /// header) when there is none, as NameValueCollection::get does.
    const std::string& get(std::string_view name) const
    {
        const ConstIterator it = find(name);
        if (it == headers_.end())
            throw Poco::NotFoundException(std::string(name));
        return it->second;
    }

    /// The value of the first header called `name`, or `fallback`.
    const std::string& get(std::string_view name, const std::string& fallback) const
    {
        const ConstIterator it = find(name);
        return it == headers_.end() ? fallback : it->second;
    }

    bool has(std::string_view name) const { return find(name) != headers_.end(); }

    /// The first header called `name`, or end().
    Iterator find(std::string_view name)
    {
        for (Iterator it = headers_.begin(); it != headers_.end(); ++it)
            if (sameName(it->first, name))
                return it;
        return headers_.end();
    }
    ConstIterator find(std::string_view name) const
    {
        for (ConstIterator it = headers_.begin(); it != headers_.end(); ++it)
            if (sameName(it->first, name))
                return it;
        return headers_.end();
    }

    /// Removes every header called `name`; the others keep their order.
    void erase(std::string_view name)
    {
        Iterator out = headers_.begin();
        for (Iterator it = headers_.begin(); it != headers_.end(); ++it)
            if (!sameName(it->first, name))
            {
                if (out != it)
                    *out = std::move(*it);
                ++out;
            }
        headers_.erase(out, headers_.end());
    }

    Iterator begin() noexcept { return headers_.begin(); }
    Iterator end() noexcept { return headers_.end(); }
    ConstIterator begin() const noexcept { return headers_.begin(); }
    ConstIterator end() const noexcept { return headers_.end(); }

    std::size_t size() const noexcept { return headers_.size(); }
    bool empty() const noexcept { return headers_.empty(); }
    /// Removes all headers and keeps the capacity (a recycled list allocates nothing).
    void clear() noexcept { headers_.clear(); }
    void reserve(std::size_t count) { headers_.reserve(count); }
    std::size_t capacity() const noexcept { return headers_.capacity(); }
    void swap(HeaderList& other) noexcept { headers_.swap(other.headers_); }

    bool operator==(const HeaderList& other) const { return headers_ == other.headers_; }
    bool operator!=(const HeaderList& other) const { return headers_ != other.headers_; }

private:
    /// Removes the headers called `name` after `first`.
    void eraseAfter(Iterator first, std::string_view name)
    {
        Iterator out = first + 1;
        for (Iterator it = first + 1; it != headers_.end(); ++it)
            if (!sameName(it->first, name))
            {
                if (out != it)
                    *out = std::move(*it);
                ++out;
            }
        headers_.erase(out, headers_.end());
    }

    Headers headers_;
};

inline void swap(HeaderList& a, HeaderList& b) noexcept
{
    a.swap(b);
}

} // namespace portico
