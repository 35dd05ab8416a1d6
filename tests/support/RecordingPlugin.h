#pragma once
// A plugin for chain tests: every hook appends "<hook> <name>" to a shared Journal, and each
// hook can be given extra behaviour (answer, throw, look at the exchange). Its response-head
// hook also appends its name to the X-Head-Trail header, so an answer shows which head hooks
// ran and in which order.

#include "portico/Plugin.h"
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace portico::test {

/// The calls the plugins of one test saw, in order.
class Journal
{
public:
    void add(const std::string& event)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        events.push_back(event);
    }
    /// The events joined with '|'; without "body ..." events when `withBodies` is false.
    std::string joined(bool withBodies = true) const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        std::string out;
        for (const auto& event : events)
            if (withBodies || event.compare(0, 5, "body ") != 0)
                out += (out.empty() ? "" : "|") + event;
        return out;
    }
    int count(const std::string& event) const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        int n = 0;
        for (const auto& e : events)
            n += e == event ? 1 : 0;
        return n;
    }

    std::vector<std::string> events;

private:
    mutable std::mutex mutex_;
};

inline const char* outcomeName(Outcome outcome)
{
    switch (outcome)
    {
    case Outcome::Completed: return "completed";
    case Outcome::Error: return "error";
    case Outcome::ClientGone: return "client_gone";
    }
    return "?";
}

class RecordingPlugin : public Plugin
{
public:
    using Action = std::function<void(Exchange&)>;

    RecordingPlugin(std::string name, Journal& journal) : name_(std::move(name)), journal_(journal) {}

    /// Extra behaviour run after the journal entry of each hook.
    Action answerRequest;
    Action answerHead;
    Action answerBody;
    Action answerComplete;

    void onRequest(Exchange& exchange) override
    {
        journal_.add("request " + name_);
        if (answerRequest)
            answerRequest(exchange);
    }

    void onResponseHead(Exchange& exchange) override
    {
        journal_.add("head " + name_);
        auto& headers = exchange.response().headers;
        const std::string trail = headers.get("X-Head-Trail", "");
        headers.set("X-Head-Trail", trail.empty() ? name_ : trail + "," + name_);
        if (answerHead)
            answerHead(exchange);
    }

    void onResponseBody(Exchange& exchange, std::string_view chunk) override
    {
        journal_.add("body " + name_ + " " + std::string(chunk));
        if (answerBody)
            answerBody(exchange);
    }

    void onComplete(Exchange& exchange, Outcome outcome) override
    {
        journal_.add("complete " + name_ + " " + outcomeName(outcome));
        if (answerComplete)
            answerComplete(exchange);
    }

private:
    std::string name_;
    Journal& journal_;
};

} // namespace portico::test
