#include "upstream/Resolver.h"
#include "Poco/Logger.h"
#include <cstring>
#include <netdb.h>

namespace portico {

namespace {

std::string cacheKey(const std::string& host, unsigned short port)
{
    return host + ":" + std::to_string(port);
}

} // namespace

Resolver::Resolver(Lookup lookup, std::chrono::milliseconds lifetime) : lifetime_(lifetime), lookup_(std::move(lookup)) {}

Resolver::~Resolver()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_)
        if (thread.joinable())
            thread.join();
}

Resolver::Answer Resolver::systemLookup(const std::string& host, unsigned short port, bool numericOnly)
{
    Answer answer;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (numericOnly ? AI_NUMERICHOST : AI_ADDRCONFIG);
    addrinfo* found = nullptr;
    const int error = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (error != 0)
    {
        answer.error = ::gai_strerror(error);
        return answer;
    }
    for (addrinfo* at = found; at; at = at->ai_next)
    {
        ResolvedAddress address;
        std::memcpy(&address.address, at->ai_addr, at->ai_addrlen);
        address.length = at->ai_addrlen;
        answer.addresses.push_back(address);
    }
    ::freeaddrinfo(found);
    if (answer.addresses.empty())
        answer.error = "no address";
    return answer;
}

void Resolver::setLookup(Lookup lookup)
{
    std::lock_guard<std::mutex> lock(mutex_);
    lookup_ = std::move(lookup);
}

bool Resolver::fresh(const Entry& entry) const
{
    return !entry.addresses.empty() && std::chrono::steady_clock::now() - entry.at < lifetime_;
}

void Resolver::resolve(const std::string& host, unsigned short port, EventLoop& loop, Done done)
{
    // A literal: no DNS, no thread.
    Answer literal = systemLookup(host, port, true);
    if (!literal.addresses.empty())
        return done(std::move(literal.addresses), {});
    const std::string key = cacheKey(host, port);
    std::vector<ResolvedAddress> known;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        forgotten_.erase(std::remove(forgotten_.begin(), forgotten_.end(), &loop), forgotten_.end());
        const auto cached = cache_.find(key);
        if (cached != cache_.end() && fresh(cached->second))
            known = cached->second.addresses; // `done` runs below, after the lock is released
        else
        {
            auto [entry, added] = pending_.try_emplace(key);
            entry->second.waiters.push_back({&loop, std::move(done)});
            if (added) // otherwise a lookup for this name is queued or running: wait for it
            {
                entry->second.host = host;
                entry->second.port = port;
                queue_.push_back(key);
                if (idle_ == 0 && threads_.size() < MaxThreads)
                    threads_.emplace_back([this] { run(); });
            }
        }
    }
    if (!known.empty())
        return done(std::move(known), {});
    wake_.notify_one();
}

void Resolver::forget(EventLoop& loop)
{
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [key, pending] : pending_)
        pending.waiters.erase(std::remove_if(pending.waiters.begin(), pending.waiters.end(),
                                             [&loop](const Waiter& waiter) { return waiter.loop == &loop; }),
                              pending.waiters.end());
    forgotten_.push_back(&loop);
}

void Resolver::run()
{
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_)
    {
        if (queue_.empty())
        {
            ++idle_;
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            --idle_;
            continue;
        }
        const std::string key = std::move(queue_.front());
        queue_.pop_front();
        const auto pending = pending_.find(key);
        if (pending == pending_.end())
            continue;
        const std::string host = pending->second.host;
        const unsigned short port = pending->second.port;
        Answer answer;
        const auto cached = cache_.find(key);
        if (cached != cache_.end() && fresh(cached->second))
            answer.addresses = cached->second.addresses; // answered while this one waited
        else
        {
            const Lookup lookup = lookup_;
            lock.unlock();
            answer = lookup ? lookup(host, port) : systemLookup(host, port);
            lock.lock();
            if (!answer.addresses.empty())
                cache_[key] = Entry{answer.addresses, std::chrono::steady_clock::now()};
            else if (const auto stale = cache_.find(key); stale != cache_.end() && !stale->second.addresses.empty())
            {
                // DNS failed, but the name had addresses: better those than none. The entry
                // stays expired, so the next call asks DNS again.
                Poco::Logger::get("portico.upstream")
                    .warning("cannot resolve " + host + " (" + answer.error + "); using the addresses found " +
                             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                std::chrono::steady_clock::now() - stale->second.at)
                                                .count()) +
                             " s ago");
                answer.addresses = stale->second.addresses;
                answer.error.clear();
            }
        }
        // Every call that waited for this name gets the answer, on its loop (unless the loop
        // stopped meanwhile); `done` runs there.
        std::vector<Waiter> waiters = std::move(pending_[key].waiters);
        pending_.erase(key);
        for (Waiter& waiter : waiters)
            if (std::find(forgotten_.begin(), forgotten_.end(), waiter.loop) == forgotten_.end())
                waiter.loop->post([done = std::move(waiter.done), addresses = answer.addresses,
                                   error = answer.error]() mutable { done(std::move(addresses), std::move(error)); });
    }
}

} // namespace portico
