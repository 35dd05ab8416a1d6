#pragma once
/// The name of an Exchange attribute, interned once: a small number the Exchange indexes by, so
/// setting and reading an attribute is an array access, not a search through string keys.
///
/// Make keys once, as constants (Attributes.h has the shared ones):
///
///     inline const portico::AttributeKey Verdict{"idempotency"};
///     exchange.set(Verdict, "miss");
///
/// The same name always gives the same key, in every plugin library and across reloads (the
/// table lives in libportico-core.so). Keys are never freed: do not build them from request
/// data.

#include "portico/Api.h"
#include <cstdint>
#include <string>
#include <string_view>

namespace portico {

class PORTICO_API AttributeKey
{
public:
    /// Interns `name` (thread-safe).
    explicit AttributeKey(std::string_view name);

    std::uint32_t id() const noexcept { return id_; }
    const std::string& name() const noexcept { return *name_; }

    bool operator==(const AttributeKey& other) const noexcept { return id_ == other.id_; }
    bool operator!=(const AttributeKey& other) const noexcept { return id_ != other.id_; }

    /// How many keys exist; ids run from 0 to count() - 1.
    static std::uint32_t count() noexcept;

private:
    std::uint32_t id_;
    const std::string* name_;
};

} // namespace portico
