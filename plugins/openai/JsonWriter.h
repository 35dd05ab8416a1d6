#pragma once
/// A small append-only JSON writer for the answers the plugin builds on the hot path (every
/// stream event is one). It keeps track of commas; the caller keeps track of nesting.
///
///     JsonWriter w;
///     w.beginObject().field("object", "list").key("data").beginArray() ... .endArray().endObject();

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portico::openai {

class JsonWriter
{
public:
    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    /// An object key; the next value written is its value.
    JsonWriter& key(std::string_view name);

    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& value(std::size_t number) { return value(static_cast<std::int64_t>(number)); }
    /// A number with the shortest text that reads back as the same double.
    JsonWriter& value(double number);
    JsonWriter& value(bool flag);
    JsonWriter& null();
    /// Already-serialised JSON, inserted as one value.
    JsonWriter& raw(std::string_view json);

    template <typename T>
    JsonWriter& field(std::string_view name, const T& v)
    {
        key(name);
        return value(v);
    }
    JsonWriter& nullField(std::string_view name) { return key(name).null(); }
    JsonWriter& rawField(std::string_view name, std::string_view json) { return key(name).raw(json); }

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void separate();

    std::string out_;
    /// One entry per open container: true until its first member is written.
    std::vector<bool> first_;
    bool afterKey_ = false;
};

} // namespace portico::openai
