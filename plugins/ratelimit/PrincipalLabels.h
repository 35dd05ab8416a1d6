#pragma once
// The "principal" label of the ratelimit metrics. A principal's name never goes into a metric:
// the label is the first 8 hex digits of the name's SHA-256, enough to tell principals apart on
// a dashboard and to match a known name, useless for recovering an unknown one. Cardinality is
// bounded: the first `max` distinct names get their own label, later ones share "other".

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace portico::ratelimit {

class PrincipalLabels
{
public:
    explicit PrincipalLabels(std::size_t max) : max_(max) {}

    /// The label for `name`: its 8-hex hash, or "other" once `max` names have labels.
    std::string labelFor(const std::string& name);
    /// Changes the bound (a reload); names that already have a label keep it.
    void setMax(std::size_t max);

    /// The first 8 lowercase hex digits of SHA-256(name).
    static std::string hash8(const std::string& name);

private:
    std::mutex mutex_;
    std::size_t max_;
    std::unordered_map<std::string, std::string> labels_;
};

} // namespace portico::ratelimit
