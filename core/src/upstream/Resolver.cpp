#include "upstream/Resolver.h"
#include <cstring>
#include <netdb.h>

namespace portico {

namespace {

constexpr auto CacheLifetime = std::chrono::seconds(30);

std::string cacheKey(const std::string& host, unsigned short port)
{
    return host + ":" + std::to_string(port);
}

} // namespace

Resolver::~Resolver()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

Resolver::Entry Resolver::lookup(const std::string& host, unsigned short port, bool numericOnly)
{
    Entry entry;
    entry.at = std::chrono::steady_clock::now();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (numericOnly ? AI_NUMERICHOST : AI_ADDRCONFIG);
    addrinfo* found = nullptr;
    const int error = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (error != 0)
    {
        entry.error = ::gai_strerror(error);
        return entry;
    }
    for (addrinfo* at = found; at; at = at->ai_next)
    {
        ResolvedAddress address;
        std::memcpy(&address.address, at->ai_addr, at->ai_addrlen);
        address.length = at->ai_addrlen;
        entry.addresses.push_back(address);
    }
    ::freeaddrinfo(found);
    return entry;
}

void Resolver::resolve(const std::string& host, unsigned short port, EventLoop& loop, Done done)
{
    // A literal: no DNS, no thread.
    Entry literal = lookup(host, port, true);
    if (!literal.addresses.empty())
        return done(std::move(literal.addresses), {});
    const std::string key = cacheKey(host, port);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        forgotten_.erase(std::remove(forgotten_.begin(), forgotten_.end(), &loop), forgotten_.end());
        const auto cached = cache_.find(key);
        if (cached != cache_.end() && std::chrono::steady_clock::now() - cached->second.at < CacheLifetime &&
            !cached->second.addresses.empty())
        {
            auto addresses = cached->second.addresses;
            return done(std::move(addresses), {});
        }
        jobs_.push_back({host, port, &loop, std::move(done)});
        if (!thread_.joinable())
            thread_ = std::thread([this] { run(); });
    }
    wake_.notify_one();
}

void Resolver::forget(EventLoop& loop)
{
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.erase(std::remove_if(jobs_.begin(), jobs_.end(), [&loop](const Job& job) { return job.loop == &loop; }),
                jobs_.end());
    forgotten_.push_back(&loop);
}

void Resolver::run()
{
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_)
    {
        if (jobs_.empty())
        {
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            continue;
        }
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        Entry entry = lookup(job.host, job.port, false);
        lock.lock();
        // The answer goes to the loop that asked, unless it stopped meanwhile; `done` runs there.
        if (std::find(forgotten_.begin(), forgotten_.end(), job.loop) == forgotten_.end())
            job.loop->post([done = std::move(job.done), addresses = entry.addresses, error = entry.error]() mutable {
                done(std::move(addresses), std::move(error));
            });
        if (entry.error.empty())
            cache_[cacheKey(job.host, job.port)] = std::move(entry);
    }
}

} // namespace portico
