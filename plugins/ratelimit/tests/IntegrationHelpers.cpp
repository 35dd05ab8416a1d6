#include "IntegrationHelpers.h"
#include <atomic>
#include <thread>

namespace portico::ratelimit::test {

std::vector<portico::test::HttpResult> simultaneously(int count,
                                                      const std::function<portico::test::HttpResult(int)>& send)
{
    std::vector<portico::test::HttpResult> results(static_cast<std::size_t>(count));
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < count; ++i)
        threads.emplace_back([&, i] {
            ready.fetch_add(1);
            while (!go.load())
                std::this_thread::yield();
            try
            {
                results[static_cast<std::size_t>(i)] = send(i);
            }
            catch (...)
            {
                results[static_cast<std::size_t>(i)].status = 0;
            }
        });
    while (ready.load() < count)
        std::this_thread::yield();
    go.store(true);
    for (auto& thread : threads)
        thread.join();
    return results;
}

bool isTraceId(const std::string& value)
{
    if (value.size() != 32)
        return false;
    for (char c : value)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

} // namespace portico::ratelimit::test
